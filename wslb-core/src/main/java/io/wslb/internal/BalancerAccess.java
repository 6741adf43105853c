package io.wslb.internal;

import io.wslb.LoadBalancerListener;
import io.wslb.WebSocketLoadBalancer;
import io.wslb.spi.Router;

/**
 * The bridge from {@code io.wslb.spi} to what a {@link WebSocketLoadBalancer} holds for server adapters only (its
 * router and its listeners as one): Java has no access between two packages short of public, and a public method on
 * the balancer would put adapter plumbing on the type users hold. {@code WebSocketLoadBalancer}'s static
 * initializer registers the one implementation, as the JDK's {@code SharedSecrets} do; it has always run by the time
 * a balancer exists to be asked about.
 */
public final class BalancerAccess {

    /** What the balancer hands to the SPI. */
    public interface Access {

        /** @return the balancer's router */
        Router router(WebSocketLoadBalancer balancer);

        /** @return the balancer's listeners, as one */
        LoadBalancerListener events(WebSocketLoadBalancer balancer);
    }

    private static final Registration<Access> ACCESS = new Registration<>("balancer access", WebSocketLoadBalancer.class);

    private BalancerAccess() {}

    /**
     * Registers the access; called once, by {@code WebSocketLoadBalancer}'s static initializer.
     *
     * @param implementation the balancer's access
     */
    public static void register(Access implementation) {
        ACCESS.register(implementation);
    }

    /** @return the registered access */
    public static Access get() {
        return ACCESS.get();
    }
}
