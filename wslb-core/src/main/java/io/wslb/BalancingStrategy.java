package io.wslb;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Picks the backend for a new connection among the eligible ones. The balancer calls it once per attempt, on a
 * server thread, one pick at a time (the pick and the connection count it adds are one step, so a pick sees the
 * connections of every earlier pick); it must be fast and never block, and thread-safe if one instance serves
 * several balancers. The built-in algorithms are in {@code io.wslb.strategies.BalancingStrategies} (module
 * {@code wslb-strategies}).
 *
 * <pre>{@code
 * // Prefer backends labelled "canary" for clients that ask for it, round robin otherwise.
 * BalancingStrategy roundRobin = BalancingStrategies.roundRobin();
 * BalancingStrategy canaryAware = (candidates, context) -> {
 *     if ("1".equals(context.request().header("X-Canary"))) {
 *         for (LiveBackend b : candidates) {
 *             if (b.backend().metadata().containsKey("canary")) return b;
 *         }
 *     }
 *     return roundRobin.pick(candidates, context);
 * };
 * }</pre>
 */
@FunctionalInterface
public interface BalancingStrategy {

    /**
     * @param candidates the eligible backends, never empty; on a retry the backends already tried are left
     *     out. The list is immutable and may be shared between calls: do not keep or cast it.
     * @param context the handshake, the affinity key and the attempt number
     * @return one of {@code candidates}, or null to decline (the client then gets 503)
     */
    @Nullable LiveBackend pick(List<LiveBackend> candidates, RoutingContext context);

    /**
     * @return true if this strategy places clients by their affinity key itself (consistent hashing), so that
     *     a key-based {@link AffinityResolver} gives stickiness without a {@link SessionStore}; false (the
     *     default) for strategies that ignore the key
     */
    default boolean usesAffinityKey() {
        return false;
    }
}
