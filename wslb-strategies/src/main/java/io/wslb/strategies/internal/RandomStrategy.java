package io.wslb.strategies.internal;

import io.wslb.BalancingStrategy;
import io.wslb.LiveBackend;
import io.wslb.RoutingContext;
import java.util.List;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/**
 * A uniformly random backend, or, when weighted, one drawn with probability weight / total weight (a binary
 * search in cumulative weights, cached for the pool's eligible list).
 */
public final class RandomStrategy implements BalancingStrategy {

    /** Cumulative weights of one candidate list. */
    private record Cumulative(List<LiveBackend> list, long[] bounds) {}

    private final Supplier<RandomGenerator> random;
    private final boolean weighted;
    private volatile Cumulative cached = new Cumulative(List.of(), new long[0]);

    /**
     * @param random the source of randomness of the calling thread (e.g. {@code ThreadLocalRandom::current})
     * @param weighted whether to honour weights
     */
    public RandomStrategy(Supplier<RandomGenerator> random, boolean weighted) {
        this.random = random;
        this.weighted = weighted;
    }

    @Override
    public LiveBackend pick(List<LiveBackend> candidates, RoutingContext context) {
        int n = candidates.size();
        if (!weighted || n == 1) {
            return candidates.get(random.get().nextInt(n));
        }
        Cumulative c = cached;
        if (c.list() != candidates) {
            c = cumulative(candidates);
            cached = c;
        }
        long[] bounds = c.bounds();
        long draw = random.get().nextLong(bounds[n - 1]);
        int low = 0;
        int high = n - 1;
        while (low < high) {
            int mid = (low + high) >>> 1;
            if (bounds[mid] > draw) {
                high = mid;
            } else {
                low = mid + 1;
            }
        }
        return candidates.get(low);
    }

    private static Cumulative cumulative(List<LiveBackend> candidates) {
        long[] bounds = new long[candidates.size()];
        long total = 0;
        for (int i = 0; i < bounds.length; i++) {
            total += Math.max(1, candidates.get(i).weight());
            bounds[i] = total;
        }
        return new Cumulative(candidates, bounds);
    }

    @Override
    public String toString() {
        return weighted ? "weighted-random" : "random";
    }
}
