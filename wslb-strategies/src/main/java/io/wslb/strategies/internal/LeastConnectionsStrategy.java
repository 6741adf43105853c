package io.wslb.strategies.internal;

import io.wslb.BalancingStrategy;
import io.wslb.LiveBackend;
import io.wslb.RoutingContext;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Fewest active connections wins; the scan starts at a rotating position so that ties go to each tied backend
 * in turn rather than always to the first. One scan, no allocation.
 */
public final class LeastConnectionsStrategy implements BalancingStrategy {

    private final AtomicInteger start = new AtomicInteger();

    @Override
    public LiveBackend pick(List<LiveBackend> candidates, RoutingContext context) {
        int n = candidates.size();
        int first = Math.floorMod(start.getAndIncrement(), n);
        LiveBackend best = candidates.get(first);
        int fewest = best.clusterConnections();
        // Two straight runs (first+1 .. n-1, then 0 .. first-1) instead of one run with a wrap-around test.
        for (int i = first + 1; i < n && fewest > 0; i++) {
            LiveBackend candidate = candidates.get(i);
            int active = candidate.clusterConnections();
            if (active < fewest) {
                best = candidate;
                fewest = active;
            }
        }
        for (int i = 0; i < first && fewest > 0; i++) {
            LiveBackend candidate = candidates.get(i);
            int active = candidate.clusterConnections();
            if (active < fewest) {
                best = candidate;
                fewest = active;
            }
        }
        return best;
    }

    @Override
    public String toString() {
        return "least-connections";
    }
}
