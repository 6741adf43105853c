package io.wslb.strategies.internal;

import io.wslb.BalancingStrategy;
import io.wslb.LiveBackend;
import io.wslb.RoutingContext;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.ToDoubleBiFunction;

/** The candidate with the lowest user-given score; ties rotate. */
public final class LowestScoreStrategy implements BalancingStrategy {

    private final ToDoubleBiFunction<LiveBackend, RoutingContext> score;
    private final AtomicInteger start = new AtomicInteger();

    public LowestScoreStrategy(ToDoubleBiFunction<LiveBackend, RoutingContext> score) {
        this.score = score;
    }

    @Override
    public LiveBackend pick(List<LiveBackend> candidates, RoutingContext context) {
        int n = candidates.size();
        int first = Math.floorMod(start.getAndIncrement(), n);
        LiveBackend best = candidates.get(first);
        double lowest = score.applyAsDouble(best, context);
        for (int step = 1; step < n; step++) {
            int index = first + step;
            LiveBackend candidate = candidates.get(index >= n ? index - n : index);
            double s = score.applyAsDouble(candidate, context);
            if (s < lowest) {
                best = candidate;
                lowest = s;
            }
        }
        return best;
    }

    @Override
    public String toString() {
        return "lowest-score(" + score + ")";
    }
}
