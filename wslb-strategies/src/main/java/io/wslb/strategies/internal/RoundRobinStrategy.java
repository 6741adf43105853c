package io.wslb.strategies.internal;

import io.wslb.BalancingStrategy;
import io.wslb.LiveBackend;
import io.wslb.RoutingContext;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/** Next backend in order; one atomic increment, no allocation. */
public final class RoundRobinStrategy implements BalancingStrategy {

    private final AtomicInteger next = new AtomicInteger();

    @Override
    public LiveBackend pick(List<LiveBackend> candidates, RoutingContext context) {
        return candidates.get(Math.floorMod(next.getAndIncrement(), candidates.size()));
    }

    @Override
    public String toString() {
        return "round-robin";
    }
}
