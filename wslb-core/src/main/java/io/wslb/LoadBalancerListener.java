package io.wslb;

import io.wslb.spi.Route;

/**
 * Events of the balancer's connections, for logs, metrics and tests. Every method has an empty default;
 * implementations are called on server threads, must be quick and must not block. An exception thrown by a
 * listener is logged and otherwise ignored: it never disturbs a connection.
 *
 * <pre>{@code
 * LongAdder opened = new LongAdder();
 * WebSocketLoadBalancer lb = WebSocketLoadBalancer.builder()
 *     .backend(Backend.of("a", URI.create("ws://127.0.0.1:9101")))
 *     .strategy(BalancingStrategies.roundRobin())
 *     .listener(new LoadBalancerListener() {
 *         public void onOpened(Route route) { opened.increment(); }
 *     })
 *     .build();
 * }</pre>
 */
public interface LoadBalancerListener {

    /**
     * A backend was picked for an attempt (before connecting to it).
     *
     * @param route the attempt
     */
    default void onBackendChosen(Route route) {}

    /**
     * An attempt failed before the client's 101 and the balancer tries another backend.
     *
     * @param failed the attempt that failed
     * @param reason how it failed
     * @param failure the underlying error
     */
    default void onRetry(Route failed, RejectCause reason, Throwable failure) {}

    /**
     * A handshake was answered with an error (or not answered, when the client left).
     *
     * @param request the client's handshake
     * @param cause why
     * @param status the HTTP status sent, or 0 when none was sent
     */
    default void onRejected(HandshakeRequest request, RejectCause cause, int status) {}

    /**
     * The backend accepted the upgrade and the client is being answered 101: the connection is proxied.
     *
     * @param route the established route
     */
    default void onOpened(Route route) {}

    /**
     * A proxied connection ended; both sockets are closed.
     *
     * @param route the route of the connection
     * @param cause why it ended
     * @param bytesFromClient bytes relayed from the client to the backend (WebSocket frames, after the 101)
     * @param bytesFromBackend bytes relayed from the backend to the client
     */
    default void onClosed(Route route, CloseCause cause, long bytesFromClient, long bytesFromBackend) {}
}
