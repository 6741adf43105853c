package io.wslb.jetty.testing;

import static org.awaitility.Awaitility.await;

import io.wslb.LiveBackend;
import io.wslb.WebSocketLoadBalancer;
import io.wslb.jetty.ProxyServerConnector;
import io.wslb.jetty.ServerTls;
import io.wslb.jetty.WebSocketLoadBalancerHandler;
import io.wslb.jetty.WebSocketLoadBalancerServlet;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.io.ArrayByteBufferPool;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * A real Jetty server on 127.0.0.1 and an ephemeral port that mounts a {@link WebSocketLoadBalancer}, either as
 * the core {@link WebSocketLoadBalancerHandler} or as the ee10 {@link WebSocketLoadBalancerServlet}.
 */
@SuppressWarnings("try") // close() may throw InterruptedException, as Jetty's stop() does
public final class LoadBalancerProxy implements AutoCloseable {

    private final Server server;
    private final ServerConnector connector;
    private final WebSocketLoadBalancer balancer;
    private final WebSocketLoadBalancerHandler handler;

    private LoadBalancerProxy(Server server, ServerConnector connector, WebSocketLoadBalancer balancer,
                              WebSocketLoadBalancerHandler handler) {
        this.server = server;
        this.connector = connector;
        this.balancer = balancer;
        this.handler = handler;
    }

    private static Server newServer() {
        QueuedThreadPool threads = new QueuedThreadPool(64, 4);
        threads.setName("proxy");
        return new Server(threads);
    }

    private static ServerConnector connector(Server server) {
        return listening(server, new ServerConnector(server, 1, 1));
    }

    private static ServerConnector listening(Server server, ServerConnector connector) {
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        return connector;
    }

    /**
     * The handler on a {@link ProxyServerConnector}, as the launcher runs it: backend sockets are opened on the
     * selector of their client. {@link #handlerOnPlainConnector} covers the other path.
     *
     * @param path the mount path of {@link WebSocketLoadBalancerHandler#at}
     * @param balancer the balancer
     * @return a started proxy
     */
    public static LoadBalancerProxy handler(String path, WebSocketLoadBalancer balancer) throws Exception {
        return handlerOnProxyConnector(path, balancer);
    }

    /**
     * The handler on a plain {@link ServerConnector}: backend sockets are opened by the backend connector.
     *
     * @param path the mount path of {@link WebSocketLoadBalancerHandler#at}
     * @param balancer the balancer
     * @return a started proxy
     */
    public static LoadBalancerProxy handlerOnPlainConnector(String path, WebSocketLoadBalancer balancer) throws Exception {
        Server server = newServer();
        ServerConnector connector = connector(server);
        WebSocketLoadBalancerHandler handler = WebSocketLoadBalancerHandler.at(path, balancer);
        server.setHandler(handler);
        return started(new LoadBalancerProxy(server, connector, balancer, handler));
    }

    /**
     * The handler listening on a {@link ProxyServerConnector}.
     *
     * @param path the mount path of {@link WebSocketLoadBalancerHandler#at}
     * @param balancer the balancer
     * @return a started proxy
     */
    public static LoadBalancerProxy handlerOnProxyConnector(String path, WebSocketLoadBalancer balancer) throws Exception {
        Server server = newServer();
        ServerConnector connector = listening(server, new ProxyServerConnector(server));
        WebSocketLoadBalancerHandler handler = WebSocketLoadBalancerHandler.at(path, balancer);
        server.setHandler(handler);
        return started(new LoadBalancerProxy(server, connector, balancer, handler));
    }

    /**
     * Like {@link #handlerOnProxyConnector}, serving {@code wss://} only, terminated with {@code tls}.
     *
     * @param path the mount path of {@link WebSocketLoadBalancerHandler#at}
     * @param balancer the balancer
     * @param tls the balancer's certificate
     * @return a started proxy; {@link #uri} gives {@code wss://} addresses
     */
    public static LoadBalancerProxy handlerOverTls(String path, WebSocketLoadBalancer balancer, ServerTls tls) throws Exception {
        return handlerOverTls(path, balancer, tls, 0);
    }

    /**
     * Like {@link #handlerOverTls(String, WebSocketLoadBalancer, ServerTls)}, on a given port: an instance taking over
     * the address of one that stopped, as after a failover.
     *
     * @param port the port to listen on; 0 for any free one
     * @return a started proxy
     */
    public static LoadBalancerProxy handlerOverTls(String path, WebSocketLoadBalancer balancer, ServerTls tls, int port)
        throws Exception {
        Server server = newServer();
        ServerConnector connector = listening(server, new ProxyServerConnector(server, tls));
        connector.setPort(port);
        WebSocketLoadBalancerHandler handler = WebSocketLoadBalancerHandler.at(path, balancer);
        server.setHandler(handler);
        return started(new LoadBalancerProxy(server, connector, balancer, handler));
    }

    /** @param timeout how long a stop waits for graceful work (Jetty's stop timeout) */
    public void stopTimeout(Duration timeout) {
        server.setStopTimeout(timeout.toMillis());
    }

    /**
     * Like {@link #handlerOnPlainConnector}, on a server whose buffer pool tracks every buffer not yet released and whose pool
     * threads retire after 1 s idle (all at once), so that a test can check that nothing is left behind.
     *
     * @param path the mount path
     * @param balancer the balancer
     * @return a started proxy
     */
    public static LoadBalancerProxy handlerTracked(String path, WebSocketLoadBalancer balancer) throws Exception {
        return tracked(path, balancer, false);
    }

    /**
     * Like {@link #handlerTracked}, listening on a {@link ProxyServerConnector} instead of a plain one.
     *
     * @param path the mount path
     * @param balancer the balancer
     * @return a started proxy
     */
    public static LoadBalancerProxy handlerTrackedOnProxyConnector(String path, WebSocketLoadBalancer balancer) throws Exception {
        return tracked(path, balancer, true);
    }

    /**
     * Like {@link #handlerOverTls}, on a server whose buffer pool tracks every buffer not yet released.
     *
     * @param path the mount path
     * @param balancer the balancer
     * @param tls the balancer's certificate
     * @return a started proxy; {@link #uri} gives {@code wss://} addresses
     */
    public static LoadBalancerProxy handlerTrackedOverTls(String path, WebSocketLoadBalancer balancer, ServerTls tls)
        throws Exception {
        return tracked(path, balancer, server -> listening(server, new ProxyServerConnector(server, tls)));
    }

    private static LoadBalancerProxy tracked(String path, WebSocketLoadBalancer balancer, boolean proxyConnector) throws Exception {
        return tracked(path, balancer,
            server -> proxyConnector ? listening(server, new ProxyServerConnector(server)) : connector(server));
    }

    private static LoadBalancerProxy tracked(String path, WebSocketLoadBalancer balancer,
        Function<Server, ServerConnector> listener) throws Exception {
        QueuedThreadPool threads = new QueuedThreadPool(64, 4);
        threads.setName("proxy");
        threads.setIdleTimeout(1000);
        threads.setMaxEvictCount(64); // every thread idle for 1 s retires at once, not one per second
        Server server = new Server(threads, null, new ArrayByteBufferPool.Tracking());
        ServerConnector connector = listener.apply(server);
        WebSocketLoadBalancerHandler handler = WebSocketLoadBalancerHandler.at(path, balancer);
        server.setHandler(handler);
        return started(new LoadBalancerProxy(server, connector, balancer, handler));
    }

    /** @return buffers taken from the server's pool and not given back (with {@link #handlerTracked} only) */
    public int unreleasedBuffers() {
        return server.getByteBufferPool() instanceof ArrayByteBufferPool.Tracking tracking ? tracking.getLeaks().size() : 0;
    }

    /** @return bytes of capacity of the buffers taken from the server's pool and not given back (tracked only) */
    public long unreleasedBufferBytes() {
        return server.getByteBufferPool() instanceof ArrayByteBufferPool.Tracking tracking
            ? tracking.getLeaks().stream().mapToLong(b -> b.capacity()).sum() : 0;
    }

    /** @return threads of the server's pool right now */
    public int poolThreads() {
        return ((QueuedThreadPool) server.getThreadPool()).getThreads();
    }

    /** @return the connector the proxy listens on */
    public ServerConnector connector() {
        return connector;
    }

    /**
     * @param mapping the servlet mapping, such as {@code /ws/*}
     * @param balancer the balancer
     * @return a started proxy whose root context holds the servlet
     */
    public static LoadBalancerProxy servlet(String mapping, WebSocketLoadBalancer balancer) throws Exception {
        Server server = newServer();
        ServerConnector connector = connector(server);
        ServletContextHandler context = new ServletContextHandler("/");
        context.addServlet(new ServletHolder(new WebSocketLoadBalancerServlet(balancer)), mapping);
        server.setHandler(context);
        return started(new LoadBalancerProxy(server, connector, balancer, null));
    }

    private static LoadBalancerProxy started(LoadBalancerProxy proxy) throws Exception {
        try {
            proxy.server.start();
        } catch (Exception e) {
            proxy.server.stop();
            throw e;
        }
        return proxy;
    }

    /** @return the port */
    public int port() {
        return connector.getLocalPort();
    }

    /** @return {@code ws://127.0.0.1:port} (or {@code wss://} over TLS) followed by the path and query */
    public URI uri(String pathAndQuery) {
        boolean secure = connector.getConnectionFactory(SslConnectionFactory.class) != null;
        return URI.create((secure ? "wss" : "ws") + "://127.0.0.1:" + port() + pathAndQuery);
    }

    /** @return the mounted handler, or null for a servlet mount */
    public WebSocketLoadBalancerHandler handler() {
        return handler;
    }

    /** @return the balancer */
    public WebSocketLoadBalancer balancer() {
        return balancer;
    }

    /** @return backend id to {@link LiveBackend#activeConnections()} */
    public Map<String, Integer> activeConnections() {
        Map<String, Integer> counts = new TreeMap<>();
        for (LiveBackend b : balancer.pool().backends()) {
            counts.put(b.id(), b.activeConnections());
        }
        return counts;
    }

    /**
     * Waits (5 s at most) until no backend of the pool has an active connection and the handler (if any) has no
     * open proxied connection: nothing leaked.
     */
    public void awaitNothingOpen() {
        awaitNothingOpen(Duration.ofSeconds(5));
    }

    /**
     * Waits until no backend of the pool has an active connection and the handler (if any) has no open proxied
     * connection.
     *
     * @param atMost how long to wait at most
     */
    public void awaitNothingOpen(Duration atMost) {
        await("every backend's activeConnections() back to 0 and getOpenConnections() back to 0")
            .atMost(atMost)
            .pollInterval(Duration.ofMillis(20))
            .until(() -> activeConnections().values().stream().allMatch(n -> n == 0)
                && (handler == null || handler.getOpenConnections() == 0));
    }

    /** Stops the proxy server. */
    public void stop() throws Exception {
        server.stop();
    }

    @Override
    public void close() throws Exception {
        server.stop();
    }
}
