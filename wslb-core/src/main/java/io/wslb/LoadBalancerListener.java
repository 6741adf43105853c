package io.wslb;

import io.wslb.spi.Route;
import java.time.Duration;

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
     * @param rejection the handshake, why, the status sent, and the attempts made
     */
    default void onRejected(Rejection rejection) {}

    /**
     * The TCP (and TLS) connection to an attempt's backend is up; its upgrade request goes out next.
     *
     * @param route the attempt
     * @param took from the start of the connect
     */
    default void onBackendConnected(Route route, Duration took) {}

    /**
     * An attempt's backend answered the upgrade with a valid 101.
     *
     * @param route the attempt
     * @param took from the connection being up to the backend's 101
     */
    default void onBackendUpgraded(Route route, Duration took) {}

    /**
     * The backend accepted the upgrade and the client is being answered 101: the connection is proxied.
     * {@link Route#handshakeTime()} holds the time from the start of routing to now.
     *
     * @param route the established route
     */
    default void onOpened(Route route) {}

    /**
     * A proxied connection ended; both sockets are closed. {@link Route#lifetime()} holds how long it was open.
     *
     * @param route the route of the connection
     * @param end why it ended, the close code and the traffic each way
     */
    default void onClosed(Route route, ConnectionEnd end) {}

    /**
     * The session store answered a lookup of a client's affinity key (or failed to).
     *
     * @param result what it found
     * @param took from the call to its answer
     */
    default void onAffinityLookup(AffinityLookup result, Duration took) {}

    /**
     * The session store finished recording a client's affinity after its 101 (or failed to).
     *
     * @param succeeded false when the store failed or threw
     * @param took from the call to its answer
     */
    default void onAffinityStored(boolean succeeded, Duration took) {}
}
