package io.wslb.jetty.testing;

/**
 * A close code and reason as one side of a WebSocket connection saw it.
 *
 * @param code the code (1006 when the connection ended without a close frame)
 * @param reason the reason, possibly empty
 */
public record CloseStatus(int code, String reason) {
}
