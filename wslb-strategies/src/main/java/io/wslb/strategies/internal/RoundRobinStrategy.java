package io.wslb.strategies.internal;

import io.wslb.BalancingStrategy;
import io.wslb.LiveBackend;
import io.wslb.RoutingContext;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Next backend in order; one atomic increment, no allocation.
 *
 * <p>Only first attempts move the rotation, so every backend gets its turn whatever the retries. A retry (the
 * backends already tried left out) goes to the candidate that has taken the fewest retries so far, the rotation's
 * position breaking ties: if retries moved the rotation instead, each would push the next client past its turn and
 * the backend after a dead one would take the dead one's share on top of its own. Retries are rare (a backend
 * failed), so their count and lock cost nothing on the usual path.
 */
public final class RoundRobinStrategy implements BalancingStrategy {

    private final AtomicInteger next = new AtomicInteger();
    /** Retries each backend has taken; weak keys, so a backend removed from its pool leaves it. */
    private final Map<LiveBackend, Long> retries = new WeakHashMap<>();

    @Override
    public LiveBackend pick(List<LiveBackend> candidates, RoutingContext context) {
        if (context.attempt() > 1) {
            return retry(candidates);
        }
        return candidates.get(Math.floorMod(next.getAndIncrement(), candidates.size()));
    }

    private LiveBackend retry(List<LiveBackend> candidates) {
        int n = candidates.size();
        int start = Math.floorMod(next.get(), n);
        synchronized (retries) {
            long most = 0;
            for (int i = 0; i < n; i++) {
                most = Math.max(most, retries.getOrDefault(candidates.get(i), 0L));
            }
            // A backend new to the pool, or back after a long absence, is lifted to a few retries behind the
            // others, so that it does not take every retry until it has caught up with them.
            long floor = most - n;
            LiveBackend fewest = candidates.get(start % n);
            long fewestCount = Math.max(floor, retries.getOrDefault(fewest, 0L));
            for (int k = 1; k < n; k++) {
                LiveBackend candidate = candidates.get((start + k) % n);
                long count = Math.max(floor, retries.getOrDefault(candidate, 0L));
                if (count < fewestCount) {
                    fewest = candidate;
                    fewestCount = count;
                }
            }
            retries.put(fewest, fewestCount + 1);
            return fewest;
        }
    }

    @Override
    public String toString() {
        return "round-robin";
    }
}
