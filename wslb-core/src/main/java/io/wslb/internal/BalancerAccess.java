package io.wslb.internal;

import static java.util.Objects.requireNonNull;

import io.wslb.LoadBalancerListener;
import io.wslb.WebSocketLoadBalancer;
import io.wslb.spi.Router;
import org.jspecify.annotations.Nullable;

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

    private static volatile @Nullable Access access;

    private BalancerAccess() {}

    /**
     * Registers the access; called once, by {@code WebSocketLoadBalancer}'s static initializer.
     *
     * @param implementation the balancer's access
     */
    public static void register(Access implementation) {
        requireNonNull(implementation, "implementation");
        synchronized (BalancerAccess.class) {
            if (access != null) {
                throw new IllegalStateException("the balancer access is registered already");
            }
            access = implementation;
        }
    }

    /** @return the registered access */
    public static Access get() {
        Access registered = access;
        if (registered == null) {
            throw new IllegalStateException("WebSocketLoadBalancer is not initialised");
        }
        return registered;
    }
}
