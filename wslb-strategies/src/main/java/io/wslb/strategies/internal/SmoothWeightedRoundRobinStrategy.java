package io.wslb.strategies.internal;

import io.wslb.BalancingStrategy;
import io.wslb.LiveBackend;
import io.wslb.RoutingContext;
import java.util.List;

/**
 * Smooth weighted round robin (the algorithm of NGINX's upstream module): at every pick each backend's current
 * value grows by its weight, the largest wins and loses the total. Weights 5:1:1 give a b a c a a b... rather than
 * a a a a a b c: no burst toward the heavy backend, exact proportions over every cycle of total-weight picks.
 *
 * <p>The state is kept for the pool's eligible list (the same list object until the pool changes), so a pick is
 * one pass over an array, under this strategy's monitor. When the candidates are a subset of that list in its
 * order (a retry, or a backend taken out for a while), the same pass skips the others and the state carries on.
 */
public final class SmoothWeightedRoundRobinStrategy implements BalancingStrategy {

    private List<LiveBackend> members = List.of();
    private long[] current = new long[0];
    private int[] weights = new int[0];

    @Override
    public synchronized LiveBackend pick(List<LiveBackend> candidates, RoutingContext context) {
        if (candidates != members && !isOrderedSubsetOfMembers(candidates)) {
            rebuild(candidates);
        }
        // The candidates follow the members' order (the pool's, filtered), so one merged walk finds them; when
        // they are the members (the usual case) there is nothing to match.
        boolean all = candidates == members;
        int best = -1;
        long total = 0;
        for (int i = 0, j = 0, n = members.size(), m = candidates.size(); i < n && j < m; i++) {
            if (!all) {
                if (members.get(i) != candidates.get(j)) {
                    continue;
                }
                j++;
            }
            current[i] += weights[i];
            total += weights[i];
            if (best < 0 || current[i] > current[best]) {
                best = i;
            }
        }
        current[best] -= total;
        return members.get(best);
    }

    /** @return true if every candidate is a member, in the members' order: one walk, no rebuild needed */
    private boolean isOrderedSubsetOfMembers(List<LiveBackend> candidates) {
        int j = 0;
        int m = candidates.size();
        for (int i = 0, n = members.size(); i < n && j < m; i++) {
            if (members.get(i) == candidates.get(j)) {
                j++;
            }
        }
        return j == m;
    }

    private void rebuild(List<LiveBackend> candidates) {
        int n = candidates.size();
        long[] next = new long[n];
        int[] nextWeights = new int[n];
        for (int i = 0; i < n; i++) {
            LiveBackend b = candidates.get(i);
            nextWeights[i] = Math.max(1, b.weight());
            // Carry over the position of backends that stay, so a pool change does not restart the cycle.
            int old = indexOfId(b.id());
            next[i] = old >= 0 ? current[old] : 0;
        }
        members = candidates;
        current = next;
        weights = nextWeights;
    }

    private int indexOfId(String id) {
        for (int i = 0; i < members.size(); i++) {
            if (members.get(i).id().equals(id)) {
                return i;
            }
        }
        return -1;
    }


    @Override
    public String toString() {
        return "weighted-round-robin";
    }
}
