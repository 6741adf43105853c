package io.wslb.strategies;

import io.wslb.BalancingStrategy;
import io.wslb.strategies.internal.LeastConnectionsStrategy;
import io.wslb.strategies.internal.RoundRobinStrategy;

/**
 * The built-in {@link BalancingStrategy balancing strategies}. Each factory returns a new, independent
 * strategy (strategies keep a little state, such as a round-robin position); share one per balancer.
 *
 * <pre>{@code
 * WebSocketLoadBalancer lb = WebSocketLoadBalancer.builder()
 *     .backend(Backend.of("a", URI.create("ws://10.0.0.1:3000")))
 *     .backend(Backend.of("b", URI.create("ws://10.0.0.2:3000")))
 *     .strategy(BalancingStrategies.leastConnections())
 *     .build();
 * }</pre>
 */
public final class BalancingStrategies {

    private BalancingStrategies() {}

    /**
     * Each new connection goes to the next backend in pool order. Weights are ignored (every backend with a
     * weight above 0 takes the same share). Cost: one atomic increment per pick.
     *
     * @return a new round-robin strategy
     */
    public static BalancingStrategy roundRobin() {
        return new RoundRobinStrategy();
    }

    /**
     * Each new connection goes to the backend with the fewest active proxied connections (those still in their
     * handshake included); ties are broken by a rotating start, so equal backends take turns. The right choice
     * for long-lived WebSockets, whose load is the number of open connections. Cost: one scan of the eligible
     * backends per pick.
     *
     * @return a new least-connections strategy
     */
    public static BalancingStrategy leastConnections() {
        return new LeastConnectionsStrategy();
    }
}
