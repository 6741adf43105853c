package io.wslb.internal;

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

    private static final Registration<Factory> FACTORY = new Registration<>("router factory", Router.class);

    private RouterFactory() {}

    /**
     * Registers the factory; called once, by {@code Router}'s static initializer.
     *
     * @param implementation the router's factory
     */
    public static void register(Factory implementation) {
        FACTORY.register(implementation);
    }

    /** @return the registered factory, initialising {@code Router} first if nothing has yet */
    public static Factory get() {
        return FACTORY.get();
    }
}
