package io.wslb.strategies.internal;

import io.wslb.BalancingStrategy;
import io.wslb.LiveBackend;
import io.wslb.RoutingContext;
import java.util.List;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/**
 * The power of two random choices: draw two distinct backends at random and take the one with fewer active
 * connections per unit of weight. Two reads per pick whatever the pool size, and a maximum load that stays close
 * to the mean (unlike pure random), without the herd effect of every balancer instance picking the same
 * least-loaded backend.
 */
public final class PowerOfTwoChoicesStrategy implements BalancingStrategy {

    private final Supplier<RandomGenerator> random;

    /** @param random the source of randomness of the calling thread */
    public PowerOfTwoChoicesStrategy(Supplier<RandomGenerator> random) {
        this.random = random;
    }

    @Override
    public LiveBackend pick(List<LiveBackend> candidates, RoutingContext context) {
        int n = candidates.size();
        if (n == 1) {
            return candidates.get(0);
        }
        RandomGenerator r = random.get();
        int i = r.nextInt(n);
        int j = r.nextInt(n - 1);
        if (j >= i) {
            j++;
        }
        LiveBackend a = candidates.get(i);
        LiveBackend b = candidates.get(j);
        long loadA = (long) a.clusterConnections() * Math.max(1, b.weight());
        long loadB = (long) b.clusterConnections() * Math.max(1, a.weight());
        return loadA <= loadB ? a : b;
    }

    @Override
    public String toString() {
        return "power-of-two";
    }
}
