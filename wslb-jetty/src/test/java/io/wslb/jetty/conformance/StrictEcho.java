package io.wslb.jetty.conformance;

import io.wslb.jetty.testing.CloseStatus;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;

/**
 * A Jetty WebSocket endpoint that echoes every text and binary message once it is complete, for either end of a
 * connection (the echo server of position A, the echo client of position B, as Autobahn expects of a peer under
 * test). It takes messages through Jetty's partial-message listener: Jetty then checks the UTF-8 of a text message
 * fragment by fragment (as frames, or parts of frames, arrive) and fails the connection with 1007 at the first
 * invalid byte, where its whole-message listener (as in the e2e tests' {@code EchoBackend}) decodes, and so
 * validates, only at the end of the message. Pings are answered by Jetty.
 */
public final class StrictEcho implements Session.Listener.AutoDemanding {

    private final CompletableFuture<Session> opened = new CompletableFuture<>();
    private final CompletableFuture<CloseStatus> closed = new CompletableFuture<>();
    private StringBuilder text;
    private ByteArrayOutputStream binary;
    private volatile Session session;

    /** @return completes when the connection is open */
    public CompletableFuture<Session> opened() {
        return opened;
    }

    /** @return completes with the close code and reason this end saw (1006 when no close frame came) */
    public CompletableFuture<CloseStatus> closed() {
        return closed;
    }

    @Override
    public void onWebSocketOpen(Session session) {
        this.session = session;
        opened.complete(session);
    }

    @Override
    public void onWebSocketPartialText(String payload, boolean fin) {
        if (text == null) {
            text = new StringBuilder();
        }
        text.append(payload);
        if (fin) {
            String message = text.toString();
            text = null;
            session.sendText(message, Callback.NOOP);
        }
    }

    @Override
    public void onWebSocketPartialBinary(ByteBuffer payload, boolean fin, Callback callback) {
        if (binary == null) {
            binary = new ByteArrayOutputStream();
        }
        byte[] bytes = new byte[payload.remaining()];
        payload.get(bytes);
        binary.writeBytes(bytes);
        callback.succeed();
        if (fin) {
            byte[] message = binary.toByteArray();
            binary = null;
            session.sendBinary(ByteBuffer.wrap(message), Callback.NOOP);
        }
    }

    @Override
    public void onWebSocketClose(int statusCode, String reason, Callback callback) {
        closed.complete(new CloseStatus(statusCode, reason == null ? "" : reason));
        callback.succeed();
    }

    @Override
    public void onWebSocketError(Throwable cause) {
        // onWebSocketClose follows with the code.
    }
}
