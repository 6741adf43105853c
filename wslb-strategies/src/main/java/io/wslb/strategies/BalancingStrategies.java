package io.wslb.strategies;

import static java.util.Objects.requireNonNull;

import io.wslb.BalancingStrategy;
import io.wslb.LiveBackend;
import io.wslb.RoutingContext;
import io.wslb.strategies.internal.ConsistentHashStrategy;
import io.wslb.strategies.internal.LeastConnectionsStrategy;
import io.wslb.strategies.internal.LowestScoreStrategy;
import io.wslb.strategies.internal.PowerOfTwoChoicesStrategy;
import io.wslb.strategies.internal.RandomStrategy;
import io.wslb.strategies.internal.RoundRobinStrategy;
import io.wslb.strategies.internal.SmoothWeightedRoundRobinStrategy;
import io.wslb.strategies.internal.WeightedLeastConnectionsStrategy;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.ToDoubleBiFunction;

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
 *
 * <p>The load-aware strategies (least connections, weighted least connections, power of two choices, bounded-load
 * consistent hashing) compare {@link io.wslb.LiveBackend#clusterConnections()}: this instance's connections plus
 * those other balancer instances published, when the balancer shares counts; on its own, the two are the same.
 */
public final class BalancingStrategies {

    private BalancingStrategies() {}

    /**
     * Each new connection goes to the next backend in pool order. Weights are ignored (every backend with a
     * weight above 0 takes the same share). A retry after a failed backend does not move the rotation: it goes to
     * the backend not tried yet that has taken the fewest retries, so while a backend is down the others share its
     * turns evenly. Cost: one atomic increment per pick (a retry: one pass over the candidates, under a lock).
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

    /**
     * Weighted round robin, smooth: over every cycle of (sum of weights) picks each backend gets exactly its
     * weight, interleaved (5:1:1 gives a b a c a a b..., never five a in a row), as NGINX's upstream module does.
     * Cost: one pass over the eligible backends per pick, under a lock.
     *
     * @return a new smooth weighted round-robin strategy
     */
    public static BalancingStrategy weightedRoundRobin() {
        return new SmoothWeightedRoundRobinStrategy();
    }

    /**
     * A uniformly random backend; weights are ignored. Cost: one random number per pick.
     *
     * @return a random strategy
     */
    public static BalancingStrategy random() {
        return new RandomStrategy(ThreadLocalRandom::current, false);
    }

    /**
     * A random backend with probability weight / total weight. Cost: one random number and a binary search.
     *
     * @return a weighted random strategy
     */
    public static BalancingStrategy weightedRandom() {
        return new RandomStrategy(ThreadLocalRandom::current, true);
    }

    /**
     * Fewest active connections per unit of weight (a backend of weight 2 is as loaded with 10 connections as
     * one of weight 1 with 5); ties go to each tied backend in turn. Cost: one scan per pick.
     *
     * @return a weighted least-connections strategy
     */
    public static BalancingStrategy weightedLeastConnections() {
        return new WeightedLeastConnectionsStrategy();
    }

    /**
     * The power of two random choices: the less loaded (per unit of weight) of two random backends. Nearly as
     * even as least connections, constant cost whatever the pool size, and no herd when several balancers share
     * the backends.
     *
     * @return a power-of-two-choices strategy
     */
    public static BalancingStrategy powerOfTwoChoices() {
        return new PowerOfTwoChoicesStrategy(ThreadLocalRandom::current);
    }

    /**
     * Consistent hashing of the affinity key (without one, of the client's address) on a ring of virtual
     * nodes, weighted: the same key reaches the same backend while the pool is unchanged, and when a backend
     * joins or leaves only about 1/n of the keys move. Use it with an {@link io.wslb.AffinityResolver} for
     * stickiness without a session store.
     *
     * @return a consistent-hash strategy
     */
    public static BalancingStrategy consistentHash() {
        return new ConsistentHashStrategy(0);
    }

    /**
     * Consistent hashing with bounded load (HAProxy's {@code hash-balance-factor}): a backend that already holds
     * more than {@code factor} x the mean number of connections is passed over for the next one on the ring, so
     * a hot key cannot overload one backend.
     *
     * @param factor at least 1.0 (1.25 allows 25% above the mean)
     * @return a consistent-hash strategy with bounded load
     */
    public static BalancingStrategy consistentHash(double factor) {
        if (!(factor >= 1.0) || Double.isInfinite(factor)) {
            throw new IllegalArgumentException("balance factor must be at least 1.0, got " + factor);
        }
        return new ConsistentHashStrategy(factor);
    }

    /**
     * The backend with the lowest score, for a strategy of your own in one line; ties go to each tied backend in
     * turn. The function is called once per eligible backend per pick, on a server thread: keep it cheap.
     *
     * <pre>{@code
     * // fewest connections per unit of the "capacity" label
     * BalancingStrategy byCapacity = BalancingStrategies.lowestScore((backend, context) ->
     *     backend.activeConnections() / Double.parseDouble(backend.backend().metadata().getOrDefault("capacity", "1")));
     * }</pre>
     *
     * @param score lower is better
     * @return a strategy
     */
    public static BalancingStrategy lowestScore(ToDoubleBiFunction<LiveBackend, RoutingContext> score) {
        return new LowestScoreStrategy(requireNonNull(score, "score"));
    }
}
