package io.wslb.examples.snippets;

import io.wslb.AffinityResolver;
import io.wslb.BalancingStrategy;
import io.wslb.LiveBackend;
import io.wslb.WebSocketLoadBalancerBuilder;
import io.wslb.strategies.SessionStores;
import java.time.Duration;

/**
 * The Java block of docs/strategies.md, compiled by the build and run by a test against real backends. The region
 * between {@code snippet-begin} and {@code snippet-end} is copied into the page exactly, less its indentation.
 */
public final class StrategiesSnippets {

    private StrategiesSnippets() {
    }

    /**
     * A strategy of one's own (the backend of the client's zone first) and a resolver (a tenant from the query),
     * on a balancer whose backends are added by the caller.
     *
     * @param builder the balancer being composed, with backends labelled {@code zone}
     * @return the builder, with the strategy, the resolver and a session store set
     */
    public static WebSocketLoadBalancerBuilder writingYourOwn(WebSocketLoadBalancerBuilder builder) {
        // snippet-begin docs/strategies.md
        // A strategy: any lambda over the eligible backends and the handshake.
        BalancingStrategy sameZoneFirst = (candidates, context) -> {
            String zone = context.request().header("X-Zone");
            for (LiveBackend b : candidates) {
                if (b.backend().metadata().getOrDefault("zone", "").equals(zone)) return b;
            }
            return candidates.get(0);
        };

        // A resolver: a key from the handshake (null: no affinity for this client).
        AffinityResolver byTenant = request -> request.queryParameter("tenant");
        // snippet-end
        return builder.strategy(sameZoneFirst).affinity(byTenant).sessionStore(SessionStores.inMemory(Duration.ofHours(1)));
    }
}
