package io.wslb.jetty.testing;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;

/**
 * One WebSocket connection as an {@link EchoBackend} saw it: the upgrade request that created it, the messages it
 * received, and how it closed. The backend echoes every text and binary message back.
 */
public final class BackendConnection implements Session.Listener.AutoDemanding {

    /** What the backend learnt from the upgrade request. */
    public record Upgrade(String path, String query, Map<String, List<String>> headers, List<String> offeredSubprotocols,
                          String acceptedSubprotocol) {
        /** @return every value of a header (name in any case), possibly empty */
        public List<String> headers(String name) {
            return headers.getOrDefault(name.toLowerCase(Locale.ROOT), List.of());
        }

        /** @return the first value of a header (name in any case), or null */
        public String header(String name) {
            List<String> values = headers(name);
            return values.isEmpty() ? null : values.get(0);
        }
    }

    private final EchoBackend backend;
    private final Upgrade upgrade;
    private final CompletableFuture<Session> opened = new CompletableFuture<>();
    private final CompletableFuture<CloseStatus> closed = new CompletableFuture<>();
    private final BlockingQueue<String> texts = new LinkedBlockingQueue<>();
    private final BlockingQueue<byte[]> binaries = new LinkedBlockingQueue<>();
    private final AtomicInteger messages = new AtomicInteger();

    BackendConnection(EchoBackend backend, Upgrade upgrade) {
        this.backend = backend;
        this.upgrade = upgrade;
    }

    /** @return the backend that holds this connection */
    public EchoBackend backend() {
        return backend;
    }

    /** @return the upgrade request as the backend received it */
    public Upgrade upgrade() {
        return upgrade;
    }

    /** @return completes with the close code and reason the backend saw (1006 when no close frame came) */
    public CompletableFuture<CloseStatus> closed() {
        return closed;
    }

    /** @return text messages received, in order (each is echoed) */
    public BlockingQueue<String> texts() {
        return texts;
    }

    /** @return binary messages received, in order (each is echoed) */
    public BlockingQueue<byte[]> binaries() {
        return binaries;
    }

    /** @return data messages received so far */
    public int messageCount() {
        return messages.get();
    }

    /** @return true while the backend's session is open */
    public boolean isOpen() {
        Session s = opened.getNow(null);
        return s != null && s.isOpen();
    }

    /**
     * Closes this connection from the backend's side with a close frame.
     *
     * @param code the close code
     * @param reason the close reason
     */
    public void close(int code, String reason) {
        session().close(code, reason, Callback.NOOP);
    }

    private Session session() {
        try {
            return opened.get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("backend session never opened", e);
        }
    }

    @Override
    public void onWebSocketOpen(Session session) {
        opened.complete(session);
    }

    @Override
    public void onWebSocketText(String message) {
        messages.incrementAndGet();
        texts.add(message);
        session().sendText(message, Callback.NOOP);
    }

    @Override
    public void onWebSocketBinary(ByteBuffer payload, Callback callback) {
        byte[] copy = new byte[payload.remaining()];
        payload.get(copy);
        callback.succeed();
        messages.incrementAndGet();
        binaries.add(copy);
        session().sendBinary(ByteBuffer.wrap(copy), Callback.NOOP);
    }

    @Override
    public void onWebSocketClose(int statusCode, String reason, Callback callback) {
        closed.complete(new CloseStatus(statusCode, reason == null ? "" : reason));
        callback.succeed();
    }

    @Override
    public void onWebSocketError(Throwable cause) {
        // The close callback follows and records the outcome.
    }

    @Override
    public String toString() {
        return "BackendConnection[" + backend.name() + " " + upgrade.path() + "]";
    }
}
