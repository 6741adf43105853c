package io.wslb.micrometer.testing;

import io.wslb.Backend;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.server.WebSocketUpgradeHandler;

/**
 * A real Jetty WebSocket server on 127.0.0.1 and a free port that echoes every message. It can refuse upgrades with
 * a status, close its connections with a code, and be {@linkplain #kill() killed} (its sockets dropped without a close
 * frame).
 */
@SuppressWarnings("try") // close() may throw InterruptedException, as Jetty's stop() does
public final class EchoBackend implements AutoCloseable {

    private final String id;
    private final Server server;
    private final ServerConnector connector;
    private final List<Session> sessions = new CopyOnWriteArrayList<>();
    private volatile int refusal;

    private EchoBackend(String id) {
        this.id = id;
        QueuedThreadPool threads = new QueuedThreadPool(16, 2);
        threads.setName("backend-" + id);
        server = new Server(threads);
        connector = new ServerConnector(server, 1, 1);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        server.setHandler(WebSocketUpgradeHandler.from(server, container -> container.addMapping("/*", (request, response, callback) -> {
            int status = refusal;
            if (status != 0) {
                response.setStatus(status);
                response.write(true, ByteBuffer.wrap("refused".getBytes(StandardCharsets.UTF_8)), callback);
                return null;
            }
            return new Echo();
        })));
    }

    /**
     * @param id the backend's id in the pool
     * @return a started backend
     */
    public static EchoBackend start(String id) throws Exception {
        EchoBackend backend = new EchoBackend(id);
        backend.server.start();
        return backend;
    }

    /** @return a pool member for this backend */
    public Backend backend() {
        return Backend.of(id, URI.create("ws://127.0.0.1:" + connector.getLocalPort()));
    }

    /** @param status from now on, answer every upgrade with this status instead of a 101 */
    public void refuseUpgrades(int status) {
        this.refusal = status;
    }

    /** @return the WebSocket sessions it accepted, closed ones included */
    public List<Session> sessions() {
        return List.copyOf(sessions);
    }

    /** Dies abruptly: stops accepting, drops every connection without a close frame, and stops. */
    public void kill() throws Exception {
        connector.close();
        for (EndPoint endPoint : List.copyOf(connector.getConnectedEndPoints())) {
            endPoint.close();
        }
        server.stop();
    }

    @Override
    public void close() throws Exception {
        server.stop();
    }

    /** One connection: echoes what it gets. Public, as Jetty calls it through method handles. */
    public final class Echo implements Session.Listener.AutoDemanding {
        private volatile Session session;

        @Override
        public void onWebSocketOpen(Session opened) {
            session = opened;
            sessions.add(opened);
        }

        @Override
        public void onWebSocketText(String message) {
            session.sendText(message, Callback.NOOP);
        }

        @Override
        public void onWebSocketBinary(ByteBuffer payload, Callback callback) {
            ByteBuffer copy = ByteBuffer.allocate(payload.remaining()).put(payload).flip();
            callback.succeed();
            session.sendBinary(copy, Callback.NOOP);
        }
    }
}
