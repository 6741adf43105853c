package io.wslb.examples;

import java.nio.ByteBuffer;
import java.time.Duration;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.server.WebSocketUpgradeHandler;
import org.jspecify.annotations.Nullable;

/**
 * A Jetty WebSocket echo server for the demos: echoes text and binary messages (up to 16 MiB), and, when it has
 * a greeting, sends it as the first message of every connection.
 *
 * <pre>{@code java -jar wslb-examples.jar echo --port 9101 --port 9102   # two of them, on ws://127.0.0.1:9101/ and 9102}</pre>
 */
public final class EchoServer implements AutoCloseable {

    private final Server server;
    private final ServerConnector connector;
    private final String host;

    private EchoServer(Server server, ServerConnector connector, String host) {
        this.server = server;
        this.connector = connector;
        this.host = host;
    }

    static EchoServer start(String host, int port, @Nullable String greeting) throws Exception {
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server, 1, 1);
        connector.setHost(host);
        connector.setPort(port);
        server.addConnector(connector);
        server.setHandler(WebSocketUpgradeHandler.from(server, container -> {
            container.setMaxTextMessageSize(16 << 20);
            container.setMaxBinaryMessageSize(16 << 20);
            container.setIdleTimeout(Duration.ofMinutes(10));
            container.addMapping("/*", (request, response, callback) -> new Echo(greeting));
        }));
        try {
            server.start();
        } catch (Exception e) {
            server.stop(); // a failed start (e.g. the port in use) leaves nothing running
            throw e;
        }
        return new EchoServer(server, connector, host);
    }

    int port() {
        return connector.getLocalPort();
    }

    String uri() {
        return "ws://" + host + ":" + port() + "/";
    }

    @Override
    public void close() throws Exception {
        server.stop();
    }

    /** Echoes every message back as it came. */
    public static final class Echo implements Session.Listener.AutoDemanding {
        private final @Nullable String greeting;
        private @Nullable Session session;

        Echo(@Nullable String greeting) {
            this.greeting = greeting;
        }

        @Override
        public void onWebSocketOpen(Session session) {
            this.session = session;
            if (greeting != null) {
                session.sendText(greeting, Callback.NOOP);
            }
        }

        @Override
        public void onWebSocketText(String message) {
            Session s = session;
            if (s != null) {
                s.sendText(message, Callback.NOOP);
            }
        }

        @Override
        public void onWebSocketBinary(ByteBuffer payload, Callback callback) {
            Session s = session;
            if (s != null) {
                s.sendBinary(payload, callback);
            } else {
                callback.succeed();
            }
        }
    }
}
