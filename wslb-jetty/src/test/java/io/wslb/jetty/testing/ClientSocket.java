package io.wslb.jetty.testing;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;

/** The client side of one connection made by {@link WsClient}: what it received and how it closed. */
public final class ClientSocket implements Session.Listener.AutoDemanding {

    private static final Duration WAIT = Duration.ofSeconds(5);

    private final CompletableFuture<Session> opened = new CompletableFuture<>();
    private final CompletableFuture<CloseStatus> closed = new CompletableFuture<>();
    private final BlockingQueue<String> texts = new LinkedBlockingQueue<>();
    private final BlockingQueue<byte[]> binaries = new LinkedBlockingQueue<>();
    private final BlockingQueue<byte[]> pongs = new LinkedBlockingQueue<>();
    private volatile Session session;

    /** @return the session (once connected) */
    public Session session() {
        return session;
    }

    /** @return completes with the close code and reason the client saw (1006 when no close frame came) */
    public CompletableFuture<CloseStatus> closed() {
        return closed;
    }

    /** @return the next text message, waiting up to 5 s */
    public String nextText() throws InterruptedException {
        String t = texts.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        if (t == null) {
            throw new AssertionError("no text message within " + WAIT);
        }
        return t;
    }

    /** @return the next binary message, waiting up to 5 s */
    public byte[] nextBinary() throws InterruptedException {
        byte[] b = binaries.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        if (b == null) {
            throw new AssertionError("no binary message within " + WAIT);
        }
        return b;
    }

    /** @return the next pong payload, waiting up to 5 s */
    public byte[] nextPong() throws InterruptedException {
        byte[] b = pongs.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        if (b == null) {
            throw new AssertionError("no pong within " + WAIT);
        }
        return b;
    }

    /** Sends a text message and waits until it is written. */
    public void sendText(String text) throws Exception {
        Callback.Completable done = new Callback.Completable();
        session.sendText(text, done);
        done.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Sends a binary message and waits until it is written. */
    public void sendBinary(byte[] bytes) throws Exception {
        Callback.Completable done = new Callback.Completable();
        session.sendBinary(ByteBuffer.wrap(bytes), done);
        done.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Sends a text message and returns the next text received. */
    public String echo(String text) throws Exception {
        sendText(text);
        return nextText();
    }

    /** Sends a close frame with this code and reason and waits for the close to complete. */
    public CloseStatus close(int code, String reason) throws Exception {
        Session s = session;
        if (s != null) {
            s.close(code, reason, Callback.NOOP);
        }
        return closed.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Closes normally (1000) if still open; waits for the close to complete. */
    public void closeQuietly() {
        Session s = session;
        if (s != null && s.isOpen()) {
            s.close(1000, "test done", Callback.NOOP);
            try {
                closed.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (Exception e) {
                s.disconnect();
            }
        }
    }

    @Override
    public void onWebSocketOpen(Session session) {
        this.session = session;
        opened.complete(session);
    }

    @Override
    public void onWebSocketText(String message) {
        texts.add(message);
    }

    @Override
    public void onWebSocketBinary(ByteBuffer payload, Callback callback) {
        byte[] copy = new byte[payload.remaining()];
        payload.get(copy);
        binaries.add(copy);
        callback.succeed();
    }

    @Override
    public void onWebSocketPong(ByteBuffer payload) {
        byte[] copy = new byte[payload.remaining()];
        payload.get(copy);
        pongs.add(copy);
    }

    @Override
    public void onWebSocketClose(int statusCode, String reason, Callback callback) {
        closed.complete(new CloseStatus(statusCode, reason == null ? "" : reason));
        callback.succeed();
    }

    @Override
    public void onWebSocketError(Throwable cause) {
        // onWebSocketClose follows.
    }
}
