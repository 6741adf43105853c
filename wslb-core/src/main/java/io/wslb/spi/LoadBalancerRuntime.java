package io.wslb.spi;

import static java.util.Objects.requireNonNull;

import io.wslb.LoadBalancerListener;
import io.wslb.WebSocketLoadBalancer;
import io.wslb.internal.BalancerAccess;

/**
 * What a server adapter needs of a {@link WebSocketLoadBalancer} beyond its settings: the {@link Router} that
 * decides every handshake, and the balancer's listeners as one, to report what the adapter refuses by itself.
 * Applications don't use it; it is kept off the balancer so that the type they hold shows only what they compose.
 *
 * <pre>{@code
 * LoadBalancerRuntime runtime = LoadBalancerRuntime.of(lb);
 * CompletionStage<Route> route = runtime.router().route(request);        // see Router
 * runtime.events().onRejected(request, RejectCause.BAD_HANDSHAKE, 400);  // a refusal made before routing
 * }</pre>
 */
public final class LoadBalancerRuntime {

    private final Router router;
    private final LoadBalancerListener events;

    private LoadBalancerRuntime(Router router, LoadBalancerListener events) {
        this.router = router;
        this.events = events;
    }

    /**
     * @param balancer a built balancer
     * @return its runtime; every call returns the same router, which counts the balancer's connections
     */
    public static LoadBalancerRuntime of(WebSocketLoadBalancer balancer) {
        requireNonNull(balancer, "balancer");
        BalancerAccess.Access access = BalancerAccess.get();
        return new LoadBalancerRuntime(access.router(balancer), access.events(balancer));
    }

    /** @return the routing decision of the balancer's handshakes */
    public Router router() {
        return router;
    }

    /** @return every listener registered on the balancer, as one that shields the caller from a listener that throws */
    public LoadBalancerListener events() {
        return events;
    }
}
