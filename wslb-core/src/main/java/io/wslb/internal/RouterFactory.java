package io.wslb.internal;

import static java.util.Objects.requireNonNull;

import io.wslb.AffinityFallback;
import io.wslb.AffinityResolver;
import io.wslb.BackendPool;
import io.wslb.BalancingStrategy;
import io.wslb.SessionStore;
import io.wslb.spi.Router;
import org.jspecify.annotations.Nullable;

/**
 * How a balancer creates its {@link Router} without the router having a public constructor: the constructor takes
 * internal types (the pool's control, the listeners, the limits), which would otherwise show in the SPI a second
 * adapter reads. {@code Router}'s static initializer registers the one factory, as {@link BalancerAccess} does for
 * the balancer.
 */
public final class RouterFactory {

    /** What the router hands to the balancer. */
    public interface Factory {

        /**
         * @param pool the backends
         * @param control the pool's control, for marks and counts
         * @param strategy the pick among eligible backends
         * @param affinity the key of a handshake
         * @param store where keys are remembered, or null for none
         * @param maxAttempts backends tried per handshake
         * @param events the listeners, as one
         * @param fallback what a stored backend that is gone means
         * @param limits what bounds and shapes the picks
         * @return a router
         */
        Router create(BackendPool pool, PoolControl control, BalancingStrategy strategy, AffinityResolver affinity,
                      @Nullable SessionStore store, int maxAttempts, Listeners events, AffinityFallback fallback,
                      RouterLimits limits);
    }

    private static volatile @Nullable Factory factory;

    private RouterFactory() {}

    /**
     * Registers the factory; called once, by {@code Router}'s static initializer.
     *
     * @param implementation the router's factory
     */
    public static void register(Factory implementation) {
        requireNonNull(implementation, "implementation");
        synchronized (RouterFactory.class) {
            if (factory != null) {
                throw new IllegalStateException("the router factory is registered already");
            }
            factory = implementation;
        }
    }

    /** @return the registered factory, initialising {@code Router} first if nothing has yet */
    public static Factory get() {
        Factory registered = factory;
        if (registered == null) {
            try {
                Class.forName(Router.class.getName(), true, Router.class.getClassLoader());
            } catch (ClassNotFoundException impossible) {
                throw new IllegalStateException(impossible);
            }
            registered = factory;
            if (registered == null) {
                throw new IllegalStateException("Router did not register its factory");
            }
        }
        return registered;
    }
}
