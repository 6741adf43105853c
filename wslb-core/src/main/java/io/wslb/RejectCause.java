package io.wslb;

/**
 * Why a client's handshake did not become a proxied connection, and the HTTP status it is answered with.
 *
 * <pre>{@code
 * LongAdder backendFaults = new LongAdder();
 * LoadBalancerListener alerting = new LoadBalancerListener() {
 *     public void onRejected(Rejection rejection) {
 *         if (rejection.cause().isBackendFault()) backendFaults.increment();
 *     }
 * };
 * }</pre>
 */
public enum RejectCause {
    /** Malformed handshake: wrong method, HTTP version, missing or bad key, a body... (400). */
    BAD_HANDSHAKE(400, false),
    /** A WebSocket version other than 13 (426, with {@code Sec-WebSocket-Version: 13}). */
    UNSUPPORTED_VERSION(426, false),
    /** A plain HTTP request on the balancer's path, not an upgrade to {@code websocket} (426). */
    NOT_AN_UPGRADE(426, false),
    /** The {@link HandshakeGuard} wants the client to authenticate (401); no backend was contacted. */
    UNAUTHORIZED(401, false),
    /** The {@link HandshakeGuard} refused the client, or its {@code Origin} is not allowed (403). */
    FORBIDDEN(403, false),
    /** The client started more handshakes per second than its rate allows (429, with {@code Retry-After}). */
    TOO_MANY_HANDSHAKES(429, false),
    /**
     * The client's address already holds as many connections (open or being set up), or as many pending
     * handshakes, as its cap allows (429, with {@code Retry-After}).
     */
    TOO_MANY_CONNECTIONS(429, false),
    /** The balancer already has as many handshakes waiting for a backend's answer as it allows (503). */
    TOO_MANY_PENDING_HANDSHAKES(503, false),
    /** No backend is eligible, or the strategy declined (503, with {@code Retry-After}). */
    NO_BACKEND(503, true),
    /**
     * Every eligible backend is at its connection cap, or the balancer at its own (503, with
     * {@code Retry-After}).
     */
    AT_CAPACITY(503, false),
    /** Every attempted backend refused or dropped the TCP or TLS connection (502). */
    BACKEND_UNREACHABLE(502, true),
    /** The last attempted backend did not connect or answer the upgrade in time (504). */
    BACKEND_TIMEOUT(504, true),
    /** A backend answered the upgrade with a 4xx or 5xx, which is relayed to the client as is. */
    BACKEND_REFUSED(0, false),
    /** A backend answered with something other than a valid 101 (wrong accept value, 2xx, 3xx...) (502). */
    BACKEND_INVALID_RESPONSE(502, true),
    /** The client went away before its 101 was sent; nothing was answered. */
    CLIENT_GONE(0, false),
    /** The balancer is stopping (503). */
    SHUTTING_DOWN(503, false),
    /** A bug: a strategy, resolver or store threw (500); the error is logged. */
    INTERNAL_ERROR(500, false);

    private final int status;
    private final boolean backendFault;

    RejectCause(int status, boolean backendFault) {
        this.status = status;
        this.backendFault = backendFault;
    }

    /** @return the status the client is answered with; 0 when relayed from the backend or not answered */
    public int status() {
        return status;
    }

    /** @return true when the backends, not the client, are at fault (worth alerting on) */
    public boolean isBackendFault() {
        return backendFault;
    }
}
