package io.wslb.jetty.internal.handshake;

import io.wslb.RejectCause;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * Error answers to a handshake: a short plain-text body, the headers RFC 6455 and RFC 9110 ask for (426 with
 * {@code Sec-WebSocket-Version: 13}, 503 with {@code Retry-After}), and {@code Connection: close}, since a
 * connection whose upgrade failed is never reused.
 */
final class ErrorResponses {

    /** Seconds a client is told to wait after a 503. */
    static final int RETRY_AFTER_SECONDS = 5;

    private ErrorResponses() {}

    static void write(Response response, Callback callback, RejectCause cause, int status, String message) {
        if (response.isCommitted()) {
            callback.failed(new IllegalStateException("response already committed; cannot answer " + status));
            return;
        }
        response.setStatus(status);
        HttpFields.Mutable headers = response.getHeaders();
        headers.put(HttpHeader.CONTENT_TYPE, "text/plain;charset=utf-8");
        headers.put(HttpHeader.CONNECTION, "close");
        switch (cause) {
            case UNSUPPORTED_VERSION -> headers.put(HttpHeader.SEC_WEBSOCKET_VERSION, "13");
            case NOT_AN_UPGRADE -> headers.put(HttpHeader.UPGRADE, "websocket");
            default -> {
                if (status == 503) {
                    headers.put(HttpHeader.RETRY_AFTER, Integer.toString(RETRY_AFTER_SECONDS));
                } else if (status == 429) {
                    headers.put(HttpHeader.RETRY_AFTER, "1");
                }
            }
        }
        response.write(true, ByteBuffer.wrap((message + "\n").getBytes(StandardCharsets.UTF_8)), callback);
    }
}
