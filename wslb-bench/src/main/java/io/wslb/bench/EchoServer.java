package io.wslb.bench;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.websocket.core.CloseStatus;
import org.eclipse.jetty.websocket.core.Configuration;
import org.eclipse.jetty.websocket.core.CoreSession;
import org.eclipse.jetty.websocket.core.Frame;
import org.eclipse.jetty.websocket.core.OpCode;
import org.eclipse.jetty.websocket.core.WebSocketComponents;
import org.eclipse.jetty.websocket.core.server.WebSocketServerComponents;
import org.eclipse.jetty.websocket.core.server.WebSocketUpgradeHandler;
import org.jspecify.annotations.Nullable;

/**
 * Echo backend on {@code jetty-websocket-core}: every data frame is sent back as it arrives (frame by frame, so
 * messages of any size up to {@link JettySupport#MAX_MESSAGE} per frame pass without being aggregated), the next
 * frame is demanded only after the echo is written. PING is answered with PONG. A TEXT frame
 * {@code close:CODE[:reason]} makes the server close with that code (used by tests to check close pass-through).
 */
final class EchoServer {
    private final Server server;
    private final ServerConnector connector;

    EchoServer(String host, int port, int maxThreads, Duration idleTimeout) {
        this(host, port, maxThreads, idleTimeout, null);
    }

    /** An echo server terminating TLS with {@code tls} when it is given (the bench's own tests of {@code wss://}). */
    EchoServer(String host, int port, int maxThreads, Duration idleTimeout, SslContextFactory.@Nullable Server tls) {
        server = JettySupport.newServer("echo", maxThreads);
        connector = JettySupport.addConnector(server, host, port, tls);
        WebSocketComponents components = WebSocketServerComponents.ensureWebSocketComponents(server);
        Configuration.ConfigurationCustomizer config = JettySupport.sessionConfig(idleTimeout);
        WebSocketUpgradeHandler upgrade = new WebSocketUpgradeHandler(components);
        config.customize(upgrade.getConfiguration());
        upgrade.addMapping("/*", (request, response, callback) -> {
            response.setExtensions(List.of());
            // The broadcast bench's backends tag a connection with the room of its ?room= query, as a chat backend would.
            String query = request.getHttpURI().getQuery();
            if (query != null && query.startsWith("room=")) {
                response.getHeaders().put("Wslb-Channels", "room:" + query.substring(5));
            }
            return new EchoFrameHandler();
        });
        server.setHandler(upgrade);
    }

    EchoServer start() throws Exception {
        server.start();
        return this;
    }

    int port() {
        return connector.getLocalPort();
    }

    void stop() throws Exception {
        server.stop();
    }

    static int run(String[] argv) throws Exception {
        Args a = Args.parse(argv, Set.of()).allow("port", "count", "host", "max-threads", "idle-timeout", "max-lifetime");
        int port = a.integer("port", 0);
        int count = a.integer("count", 1);
        String host = a.str("host", "127.0.0.1");
        int maxThreads = a.integer("max-threads", 16);
        Duration idle = a.duration("idle-timeout", Duration.ofMinutes(10));
        Duration lifetime = a.duration("max-lifetime", Duration.ofHours(2));
        List<EchoServer> servers = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            EchoServer s = new EchoServer(host, port == 0 ? 0 : port + i, maxThreads, idle).start();
            servers.add(s);
            System.out.println("listening on ws://" + host + ":" + s.port() + "/");
        }
        System.out.flush();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> servers.forEach(s -> {
            try {
                s.stop();
            } catch (Exception ignored) {
                // exiting anyway
            }
        })));
        JettySupport.awaitLifetime(lifetime);
        return 0;
    }

    /** One per connection. Only one frame is outstanding at a time, so one reusable callback suffices. */
    static final class EchoFrameHandler extends ForwardingFrameHandler {

        @Override
        public void onOpen(CoreSession coreSession, Callback callback) {
            this.session = coreSession;
            callback.succeeded();
            coreSession.demand();
        }

        @Override
        public void onFrame(Frame frame, Callback callback) {
            byte op = frame.getOpCode();
            switch (op) {
                case OpCode.CLOSE -> callback.succeeded(); // Jetty answers with the same status
                case OpCode.PONG -> {
                    callback.succeeded();
                    session().demand();
                }
                case OpCode.PING -> send(new Frame(OpCode.PONG, true, frame.getPayload()), callback);
                case OpCode.TEXT -> {
                    if (frame.isFin() && startsWithClose(frame.getPayload())) {
                        closeOnRequest(frame.getPayload(), callback);
                    } else {
                        send(new Frame(op, frame.isFin(), frame.getPayload()), callback);
                    }
                }
                default -> send(new Frame(op, frame.isFin(), frame.getPayload()), callback);
            }
        }

        private void send(Frame echo, Callback callback) {
            forward(session(), echo, callback);
        }

        private static boolean startsWithClose(ByteBuffer payload) {
            return payload != null && payload.remaining() >= 6 && payload.get(payload.position()) == 'c'
                && StandardCharsets.US_ASCII.decode(payload.slice().limit(6)).toString().equals("close:");
        }

        private void closeOnRequest(ByteBuffer payload, Callback callback) {
            String[] parts = StandardCharsets.UTF_8.decode(payload.slice()).toString().split(":", 3);
            int code = Integer.parseInt(parts[1].trim());
            String reason = parts.length > 2 ? parts[2] : null;
            callback.succeeded();
            CoreSession s = session();
            s.close(code, reason, Callback.NOOP);
            s.demand(); // read the peer's close response
        }

        @Override
        public void onError(Throwable cause, Callback callback) {
            callback.succeeded();
        }

        @Override
        public void onClosed(CloseStatus closeStatus, Callback callback) {
            callback.succeeded();
        }
    }
}
