package io.wslb.micrometer.testing;

import io.wslb.WebSocketLoadBalancer;
import io.wslb.jetty.WebSocketLoadBalancerHandler;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/** A real Jetty server on 127.0.0.1 and a free port that mounts a balancer at {@code /}. */
@SuppressWarnings("try") // close() may throw InterruptedException, as Jetty's stop() does
public final class Proxy implements AutoCloseable {

    private final Server server;
    private final ServerConnector connector;

    private Proxy(Server server, ServerConnector connector) {
        this.server = server;
        this.connector = connector;
    }

    /**
     * @param balancer the balancer to serve
     * @return a started proxy
     */
    public static Proxy start(WebSocketLoadBalancer balancer) throws Exception {
        QueuedThreadPool threads = new QueuedThreadPool(32, 2);
        threads.setName("proxy");
        Server server = new Server(threads);
        ServerConnector connector = new ServerConnector(server, 1, 1);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        server.setHandler(WebSocketLoadBalancerHandler.at("/", balancer));
        server.start();
        return new Proxy(server, connector);
    }

    /** @return the port clients connect to */
    public int port() {
        return connector.getLocalPort();
    }

    @Override
    public void close() throws Exception {
        server.stop();
    }
}
