package io.wslb.spi;

import static java.util.Objects.requireNonNull;

import io.wslb.BackendPool;
import io.wslb.LiveBackend;
import io.wslb.LoadBalancerListener;
import io.wslb.WebSocketLoadBalancer;
import io.wslb.internal.BalancerAccess;
import io.wslb.internal.PooledBackend;
import java.util.Map;

/**
 * What a server adapter needs of a {@link WebSocketLoadBalancer} beyond its settings: the {@link Router} that
 * decides every handshake, and the balancer's listeners as one, to report what the adapter refuses by itself.
 * Applications don't use it; it is kept off the balancer so that the type they hold shows only what they compose.
 *
 * <pre>{@code
 * LoadBalancerRuntime runtime = LoadBalancerRuntime.of(lb);
 * CompletionStage<Route> route = runtime.router().route(request);        // see Router
 * runtime.events().onRejected(Rejection.of(request, RejectCause.BAD_HANDSHAKE, 400));  // a refusal made before routing
 * runtime.peerConnections(Map.of("chat-1", 120));                         // what other instances hold
 * }</pre>
 */
public final class LoadBalancerRuntime {

    private final Router router;
    private final LoadBalancerListener events;
    private final BackendPool pool;
    private final ChannelHub hub;

    private LoadBalancerRuntime(Router router, LoadBalancerListener events, BackendPool pool, ChannelHub hub) {
        this.router = router;
        this.events = events;
        this.pool = pool;
        this.hub = hub;
    }

    /**
     * @param balancer a built balancer
     * @return its runtime; every call returns the same router, which counts the balancer's connections
     */
    public static LoadBalancerRuntime of(WebSocketLoadBalancer balancer) {
        requireNonNull(balancer, "balancer");
        BalancerAccess.Access access = BalancerAccess.get();
        return new LoadBalancerRuntime(access.router(balancer), access.events(balancer), balancer.pool(),
            (ChannelHub) balancer.channels());
    }

    /** @return the balancer's channels, where an adapter registers each proxied connection */
    public ChannelHub channels() {
        return hub;
    }

    /** @return the routing decision of the balancer's handshakes */
    public Router router() {
        return router;
    }

    /**
     * Sets the connections that other balancer instances hold, per backend id, which load-aware strategies add to
     * this instance's own ({@link LiveBackend#clusterConnections()}). A cluster module calls it after each read of
     * the shared counts; a backend the map does not name gets 0, so an empty map means "local counts only", what an
     * instance uses while it cannot reach the others.
     *
     * @param byBackendId connections per backend id, each 0 or more
     * @throws IllegalArgumentException if a count is negative, naming the backend
     */
    public void peerConnections(Map<String, Integer> byBackendId) {
        requireNonNull(byBackendId, "byBackendId");
        for (Map.Entry<String, Integer> e : byBackendId.entrySet()) {
            if (e.getValue() == null || e.getValue() < 0) {
                throw new IllegalArgumentException("peer connections of backend '" + e.getKey() + "' must be 0 or more, got "
                    + e.getValue());
            }
        }
        for (LiveBackend backend : pool.backends()) {
            ((PooledBackend) backend).peers(byBackendId.getOrDefault(backend.id(), 0));
        }
    }

    /** @return every listener registered on the balancer, as one that shields the caller from a listener that throws */
    public LoadBalancerListener events() {
        return events;
    }
}
