package io.wslb.jetty;

import io.wslb.jetty.internal.SelectorChores;
import java.util.concurrent.Executor;
import org.eclipse.jetty.io.SelectorManager;
import org.eclipse.jetty.server.ConnectionFactory;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * A {@link ServerConnector} tuned for a server whose main job is proxying WebSockets, where clients connect and
 * leave often: it accepts on its selector threads (no acceptor thread), and its selectors set up each new
 * connection and tear down each closed one themselves instead of handing every such chore to a pool thread.
 * A plain {@code ServerConnector} wakes a pool thread for each accept, each endpoint set-up and each close; on a
 * small machine those wake-ups cost about a third of the proxy's CPU per connection (measured in
 * {@code docs/benchmarks.md}). Requests, handlers and WebSocket traffic are dispatched exactly as before.
 *
 * <p>Use it only when the connection factories and the {@code Connection.Listener}s added to the server do not
 * block: they now run on a selector thread. Jetty's own HTTP/1.1 and TLS factories do not.
 *
 * <pre>{@code
 * Server server = new Server();
 * ProxyServerConnector connector = new ProxyServerConnector(server);
 * connector.setPort(8080);
 * server.addConnector(connector);
 * server.setHandler(WebSocketLoadBalancerHandler.at("/ws", balancer));
 * server.start();
 * }</pre>
 */
public final class ProxyServerConnector extends ServerConnector {

    /**
     * A connector for plain HTTP/1.1 (and so {@code ws://}).
     *
     * @param server the server it belongs to
     */
    public ProxyServerConnector(Server server) {
        this(server, new HttpConnectionFactory());
    }

    /**
     * A connector with the given protocols, the first being the default (for {@code wss://}: an
     * {@code SslConnectionFactory} then an {@code HttpConnectionFactory}).
     *
     * @param server the server it belongs to
     * @param factories its connection factories, at least one
     * @throws IllegalArgumentException if none is given
     */
    public ProxyServerConnector(Server server, ConnectionFactory... factories) {
        super(server, null, null, null, 0, -1, requireSome(factories));
    }

    private static ConnectionFactory[] requireSome(ConnectionFactory[] factories) {
        if (factories == null || factories.length == 0) {
            throw new IllegalArgumentException("a connector needs at least one connection factory");
        }
        return factories;
    }

    @Override
    protected SelectorManager newSelectorManager(Executor executor, Scheduler scheduler, int selectors) {
        return new ServerConnectorManager(executor, scheduler, selectors) {
            @Override
            protected void execute(Runnable task) {
                SelectorChores.execute(task, super::execute);
            }
        };
    }
}
