package io.wslb;

import org.jspecify.annotations.Nullable;

/**
 * What a {@link BalancingStrategy} knows about the connection it places: the client's full handshake, the
 * affinity key (if the balancer's {@link AffinityResolver} produced one) and which attempt this is.
 *
 * <pre>{@code
 * BalancingStrategy byRegionHeader = (candidates, context) -> {
 *     String region = context.request().header("X-Region");
 *     for (LiveBackend b : candidates) {
 *         if (b.backend().metadata().getOrDefault("region", "").equals(region)) return b;
 *     }
 *     return candidates.get(0);
 * };
 * }</pre>
 */
public interface RoutingContext {

    /** @return the client's upgrade request */
    HandshakeRequest request();

    /** @return the affinity key of this client, or null when affinity is off or yielded no key */
    @Nullable String affinityKey();

    /** @return 1 for the first pick of a connection, 2 and up when retrying after a failed backend */
    int attempt();
}
