package io.wslb;

/**
 * A {@link Backend} as a member of a {@link BackendPool}, with its live figures. Strategies pick among these;
 * the figures are read without locks and may be a moment old under concurrency.
 *
 * <pre>{@code
 * BalancingStrategy fewestFirst = (candidates, context) -> {
 *     LiveBackend best = candidates.get(0);
 *     for (LiveBackend b : candidates) {
 *         if (b.activeConnections() < best.activeConnections()) best = b;
 *     }
 *     return best;
 * };
 * }</pre>
 */
public interface LiveBackend {

    /** @return the backend's current configuration (it changes when the pool updates the backend) */
    Backend backend();

    /** @return the backend's id, which never changes */
    String id();

    /** @return the current weight, shorthand for {@code backend().weight()} */
    default int weight() {
        return backend().weight();
    }

    /**
     * @return proxied connections assigned to this backend and not yet closed, counted from the moment a
     *     strategy picked it (so connections still in their handshake count too)
     */
    int activeConnections();

    /**
     * @return connections to this backend that other balancer instances hold, as they last published them: 0 when
     *     this instance shares no counts, or cannot reach where they are shared
     */
    default int peerConnections() {
        return 0;
    }

    /**
     * What load-aware strategies compare, so that several instances balance as one: this instance's
     * {@link #activeConnections()} (exact) plus the others' {@link #peerConnections()} (as last published).
     * Connection caps stay on {@link #activeConnections()}, which this instance alone can hold to.
     *
     * @return the connections of the whole cluster to this backend
     */
    default int clusterConnections() {
        return activeConnections() + peerConnections();
    }

    /** @return connections ever assigned to this backend, including failed attempts */
    long totalConnections();

    /**
     * @return attempts on this backend that failed before the client's 101 (unreachable, timed out, an invalid
     *     answer), since it joined the pool
     */
    default long failedAttempts() {
        return 0;
    }

    /** @return false once the backend has been removed from its pool */
    boolean inPool();

    /** @return its health: healthy, failed its active check, or ejected by outlier detection */
    BackendHealth health();

    /** @return true while it is draining: it takes no new connection, and its open ones are being closed */
    boolean draining();

    /** @return true when it has a connection cap and has reached it */
    default boolean full() {
        int max = backend().maxConnections();
        return max > 0 && activeConnections() >= max;
    }
}
