package io.wslb.jetty.internal.handshake;

import io.wslb.RejectCause;
import io.wslb.ResponseHeader;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.server.Request;

/**
 * Validation of a client's upgrade request (RFC 6455 section 4.2.1) before any backend is contacted. The
 * outcome is either the client's {@code Sec-WebSocket-Key} or the reason for a rejection.
 */
final class ClientHandshake {

    /** The outcome of {@link #validate}: a valid key, or a rejection with a message for the client. */
    sealed interface Outcome permits Valid, Rejected {
        static Outcome valid(String key) {
            return new Valid(key);
        }

        static Outcome rejected(RejectCause cause, String message) {
            return new Rejected(cause, message);
        }
    }

    /** A valid upgrade request and its {@code Sec-WebSocket-Key}. */
    record Valid(String key) implements Outcome {
    }

    /** A refused upgrade request: why, and the message for the client. */
    record Rejected(RejectCause cause, String message) implements Outcome {
    }

    private ClientHandshake() {}

    static Outcome validate(Request request) {
        HttpFields headers = request.getHeaders();
        if (!hasToken(headers.getValuesList(HttpHeader.UPGRADE), "websocket")) {
            return Outcome.rejected(RejectCause.NOT_AN_UPGRADE, "this address accepts WebSocket upgrades only");
        }
        if (!HttpMethod.GET.is(request.getMethod())) {
            return Outcome.rejected(RejectCause.BAD_HANDSHAKE, "a WebSocket handshake must use GET, not " + request.getMethod());
        }
        if (!HttpVersion.HTTP_1_1.is(request.getConnectionMetaData().getProtocol())) {
            return Outcome.rejected(RejectCause.BAD_HANDSHAKE, "a WebSocket handshake must use HTTP/1.1, not " + request.getConnectionMetaData().getProtocol());
        }
        List<String> upgrades = headers.getValuesList(HttpHeader.UPGRADE);
        if (upgrades.size() != 1 || !upgrades.get(0).trim().equalsIgnoreCase("websocket")) {
            return Outcome.rejected(RejectCause.BAD_HANDSHAKE, "Upgrade must be exactly 'websocket'");
        }
        if (!hasToken(headers.getValuesList(HttpHeader.CONNECTION), "upgrade")) {
            return Outcome.rejected(RejectCause.BAD_HANDSHAKE, "Connection must include 'Upgrade'");
        }
        List<String> hosts = headers.getValuesList(HttpHeader.HOST);
        if (hosts.size() != 1 || hosts.get(0).isBlank()) {
            return Outcome.rejected(RejectCause.BAD_HANDSHAKE, "exactly one Host header is required");
        }
        if (headers.contains(HttpHeader.TRANSFER_ENCODING) || request.getLength() > 0) {
            return Outcome.rejected(RejectCause.BAD_HANDSHAKE, "a WebSocket handshake must not have a body");
        }
        List<String> versions = headers.getValuesList(HttpHeader.SEC_WEBSOCKET_VERSION);
        if (versions.size() != 1 || !versions.get(0).trim().equals("13")) {
            return Outcome.rejected(RejectCause.UNSUPPORTED_VERSION, "Sec-WebSocket-Version must be 13");
        }
        List<String> keys = headers.getValuesList(HttpHeader.SEC_WEBSOCKET_KEY);
        if (keys.size() != 1) {
            return Outcome.rejected(RejectCause.BAD_HANDSHAKE, "exactly one Sec-WebSocket-Key is required");
        }
        String key = keys.get(0).trim();
        if (!isValidKey(key)) {
            return Outcome.rejected(RejectCause.BAD_HANDSHAKE, "Sec-WebSocket-Key must be 16 bytes in base64");
        }
        for (HttpField field : headers) {
            if (!ResponseHeader.isSafeValue(field.getValue())) {
                return Outcome.rejected(RejectCause.BAD_HANDSHAKE, "header " + field.getName() + " holds a control character");
            }
        }
        return Outcome.valid(key);
    }

    static boolean isValidKey(String key) {
        if (key.length() != 24) {
            return false;
        }
        try {
            return Base64.getDecoder().decode(key).length == 16;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** True if any comma-separated element of any value equals the token, ignoring case. */
    static boolean hasToken(List<String> values, String token) {
        for (String value : values) {
            for (String element : value.split(",")) {
                if (element.trim().toLowerCase(Locale.ROOT).equals(token)) {
                    return true;
                }
            }
        }
        return false;
    }
}
