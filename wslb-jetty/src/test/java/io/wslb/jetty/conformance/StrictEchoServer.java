package io.wslb.jetty.conformance;

import io.wslb.Backend;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.websocket.server.WebSocketUpgradeHandler;

/** A real Jetty WebSocket server on 127.0.0.1 and an ephemeral port whose connections are {@link StrictEcho}es. */
@SuppressWarnings("try") // close() may throw InterruptedException, as Jetty's stop() does
final class StrictEchoServer implements AutoCloseable {

    /** Largest message echoed (the 7.1.6 case sends 256 KiB). */
    static final long MAX_MESSAGE = 4L << 20;

    private final Server server;
    private final ServerConnector connector;
    private final List<StrictEcho> connections = new CopyOnWriteArrayList<>();

    private StrictEchoServer() {
        QueuedThreadPool threads = new QueuedThreadPool(16, 2);
        threads.setName("strict-echo");
        server = new Server(threads);
        connector = new ServerConnector(server, 1, 1);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        server.setHandler(WebSocketUpgradeHandler.from(server, container -> {
            container.setMaxTextMessageSize(MAX_MESSAGE);
            container.setMaxBinaryMessageSize(MAX_MESSAGE);
            container.setIdleTimeout(Duration.ofSeconds(30));
            container.addMapping("/*", (request, response, callback) -> {
                StrictEcho echo = new StrictEcho();
                connections.add(echo);
                return echo;
            });
        }));
    }

    static StrictEchoServer start() throws Exception {
        StrictEchoServer echo = new StrictEchoServer();
        echo.server.start();
        return echo;
    }

    /** @return a pool member for this server */
    Backend backend() {
        return Backend.of("strict-echo", URI.create("ws://127.0.0.1:" + connector.getLocalPort()));
    }

    /** @return the connections accepted so far */
    List<StrictEcho> connections() {
        return List.copyOf(connections);
    }

    @Override
    public void close() throws Exception {
        server.stop();
    }
}
