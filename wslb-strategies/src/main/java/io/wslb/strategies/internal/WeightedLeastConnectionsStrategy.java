package io.wslb.strategies.internal;

import io.wslb.BalancingStrategy;
import io.wslb.LiveBackend;
import io.wslb.RoutingContext;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Fewest active connections per unit of weight wins (active / weight, compared by cross-multiplication, no
 * division); ties go to each tied backend in turn, from a rotating start.
 */
public final class WeightedLeastConnectionsStrategy implements BalancingStrategy {

    private final AtomicInteger start = new AtomicInteger();

    @Override
    public LiveBackend pick(List<LiveBackend> candidates, RoutingContext context) {
        int n = candidates.size();
        int first = Math.floorMod(start.getAndIncrement(), n);
        LiveBackend best = candidates.get(first);
        long bestActive = best.clusterConnections();
        long bestWeight = Math.max(1, best.weight());
        for (int step = 1; step < n && bestActive > 0; step++) {
            int index = first + step;
            LiveBackend candidate = candidates.get(index >= n ? index - n : index);
            long active = candidate.clusterConnections();
            long weight = Math.max(1, candidate.weight());
            if (active * bestWeight < bestActive * weight) {
                best = candidate;
                bestActive = active;
                bestWeight = weight;
            }
        }
        return best;
    }

    @Override
    public String toString() {
        return "weighted-least-connections";
    }
}
