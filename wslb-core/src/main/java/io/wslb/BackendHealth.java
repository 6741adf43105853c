package io.wslb;

/**
 * Whether a backend may take new connections as far as its health goes. Draining and weight 0 are separate
 * (see {@link LiveBackend#draining()} and {@link Backend#weight()}).
 *
 * <pre>{@code
 * pool.addListener(new BackendPool.Listener() {
 *     public void onHealthChanged(LiveBackend backend, BackendHealth previous) {
 *         log.info("{}: {} -> {}", backend.id(), previous, backend.health());
 *     }
 * });
 * }</pre>
 */
public enum BackendHealth {
    /** Serving: takes new connections. */
    HEALTHY,
    /** Its active health check failed (see {@link BackendPool#markUnhealthy}); back when the check passes again. */
    UNHEALTHY,
    /**
     * Taken out by outlier detection after consecutive connect or upgrade failures; back by itself once its
     * ejection time has passed (see {@link OutlierDetection}).
     */
    EJECTED
}
