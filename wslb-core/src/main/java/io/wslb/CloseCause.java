package io.wslb;

/**
 * Why a proxied connection ended, with the close codes the balancer itself sends when it has to end the
 * connection (codes of close frames that the peers exchange are relayed unchanged, never rewritten).
 *
 * <pre>{@code
 * LoadBalancerListener failures = new LoadBalancerListener() {
 *     public void onClosed(Route route, ConnectionEnd end) {
 *         if (!end.cause().isClean()) log.warn("{} to {} ended: {}", route.request(), route.backend().id(), end.cause());
 *     }
 * };
 * }</pre>
 */
public enum CloseCause {
    /**
     * The client started the closing handshake (also when the backend then did not finish it within the close
     * timeout, and the balancer closed both sockets).
     */
    CLIENT_CLOSED(true, 0, 0),
    /**
     * The backend started the closing handshake (also when the client then did not finish it within the close
     * timeout, and the balancer closed both sockets).
     */
    BACKEND_CLOSED(true, 0, 0),
    /** The client's connection ended without a close frame; the backend gets 1001. */
    CLIENT_GONE(false, 0, 1001),
    /** The backend's connection ended without a close frame; the client gets 1011. */
    BACKEND_GONE(false, 1011, 0),
    /**
     * The client answered no ping for a ping interval (half-open TCP, a frozen client); the backend gets 1001, the
     * client no close frame.
     */
    CLIENT_UNRESPONSIVE(false, 0, 1001),
    /** The backend answered no ping for a ping interval; the client gets 1011, the backend no close frame. */
    BACKEND_UNRESPONSIVE(false, 1011, 0),
    /** No traffic either way for the idle timeout; both get 1001. */
    IDLE_TIMEOUT(false, 1001, 1001),
    /** The client broke the WebSocket protocol (an unmasked frame, a reserved opcode...); it gets 1002. */
    CLIENT_PROTOCOL_ERROR(false, 1002, 1001),
    /** The client sent a frame or message over the configured limit; it gets 1009. */
    MESSAGE_TOO_BIG(false, 1009, 1001),
    /** The backend broke the WebSocket protocol (a masked frame...); it gets 1002, the client 1011. */
    BACKEND_PROTOCOL_ERROR(false, 1011, 1002),
    /** The balancer is stopping; both get 1001. */
    SHUTDOWN(true, 1001, 1001),
    /**
     * Its backend is draining (or being removed): the client gets 1012 ("service restart", reconnect and be
     * sent elsewhere), the backend 1001.
     */
    DRAINED(true, 1012, 1001);

    private final boolean clean;
    private final int clientCode;
    private final int backendCode;

    CloseCause(boolean clean, int clientCode, int backendCode) {
        this.clean = clean;
        this.clientCode = clientCode;
        this.backendCode = backendCode;
    }

    /** @return true when the connection ended by an orderly close, false on a fault or a timeout */
    public boolean isClean() {
        return clean;
    }

    /** @return the close code the balancer sends the client for this cause, or 0 when it sends none */
    public int clientCloseCode() {
        return clientCode;
    }

    /** @return the close code the balancer sends the backend for this cause, or 0 when it sends none */
    public int backendCloseCode() {
        return backendCode;
    }
}
