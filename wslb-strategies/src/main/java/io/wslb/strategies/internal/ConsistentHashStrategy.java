package io.wslb.strategies.internal;

import io.wslb.BalancingStrategy;
import io.wslb.LiveBackend;
import io.wslb.RoutingContext;
import java.net.InetAddress;
import java.util.Arrays;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Consistent hashing of the affinity key (or, without one, the client's address) on a ring of virtual nodes:
 * each backend owns {@value #NODES_PER_WEIGHT} points per unit of its weight relative to the mean weight, a key
 * goes to the owner of the first point at or after its hash. When a backend joins or leaves, only the keys of
 * its points move (about 1/n of them).
 *
 * <p>With a balance factor (HAProxy's {@code hash-balance-factor}, as a ratio: 1.25 for 125), no backend takes a
 * new connection while it holds more than factor x the mean: the walk continues to the next point's owner. The
 * ring is built when the candidates stop being a subset of its members (a pool change that adds or reorders
 * backends) and shared by all threads. While some members are out (a retry, an ejection, a drain) the same ring
 * is walked, skipping them through a mask, so the other backends keep their keys.
 */
public final class ConsistentHashStrategy implements BalancingStrategy {

    static final int NODES_PER_WEIGHT = 256;

    /** The ring of one candidate list: sorted point hashes and the index of each point's owner. */
    record Ring(List<LiveBackend> members, long[] points, int[] owners) {}

    /** Which ring members are among a candidate list (a subset of the ring's members, in their order). */
    record Mask(List<LiveBackend> members, List<LiveBackend> candidates, boolean[] in) {}

    private final double balanceFactor;
    private volatile Ring ring = new Ring(List.of(), new long[0], new int[0]);
    /** The mask of the last subset seen: while a backend is out, the pool offers the same list at every pick. */
    private volatile @Nullable Mask mask;

    /** @param balanceFactor 0 for none, else at least 1 (a backend may hold up to factor x the mean) */
    public ConsistentHashStrategy(double balanceFactor) {
        this.balanceFactor = balanceFactor;
    }

    @Override
    public LiveBackend pick(List<LiveBackend> candidates, RoutingContext context) {
        Ring r = ring;
        boolean[] in = null;
        if (r.members() != candidates) {
            in = maskOf(candidates, r.members());
            if (in == null) {
                r = build(candidates);
                ring = r;
            }
        }
        long hash = Hashing.hash64(key(context));
        long[] points = r.points();
        int start = Arrays.binarySearch(points, hash);
        if (start < 0) {
            start = -start - 1;
        }
        int limit = balanceFactor > 0 ? capacity(candidates) : Integer.MAX_VALUE;
        int length = points.length;
        LiveBackend fallback = null;
        for (int step = 0; step < length; step++) {
            int index = start + step;
            int ownerIndex = r.owners()[index >= length ? index - length : index];
            if (in != null && !in[ownerIndex]) {
                continue;
            }
            LiveBackend owner = r.members().get(ownerIndex);
            if (fallback == null) {
                fallback = owner;
            }
            if (owner.clusterConnections() < limit) {
                return owner;
            }
        }
        // Every candidate is at its bound (only possible while counts change under us): the hash owner.
        return fallback != null ? fallback : candidates.get(0);
    }

    /** HAProxy's rule: a backend may take a connection while it holds fewer than ceil((total + 1) / n x factor). */
    private int capacity(List<LiveBackend> candidates) {
        long total = 0;
        for (int i = 0, n = candidates.size(); i < n; i++) {
            total += candidates.get(i).clusterConnections();
        }
        return (int) Math.ceil((total + 1) * balanceFactor / candidates.size());
    }

    private static String key(RoutingContext context) {
        String key = context.affinityKey();
        if (key != null) {
            return key;
        }
        InetAddress client = context.request().clientAddress();
        return client.getHostAddress();
    }

    /**
     * @return which ring members are candidates, when the candidates are a strict subset of the members in their
     *     order (a retry, or a backend out of the pool's eligible list); null when the ring must be rebuilt
     */
    private boolean @Nullable [] maskOf(List<LiveBackend> candidates, List<LiveBackend> members) {
        Mask cached = mask;
        if (cached != null && cached.candidates() == candidates && cached.members() == members) {
            return cached.in();
        }
        int m = candidates.size();
        if (m >= members.size()) {
            return null;
        }
        boolean[] in = new boolean[members.size()];
        int j = 0;
        for (int i = 0, n = members.size(); i < n && j < m; i++) {
            if (members.get(i) == candidates.get(j)) {
                in[i] = true;
                j++;
            }
        }
        if (j < m) {
            return null;
        }
        mask = new Mask(members, candidates, in);
        return in;
    }

    static Ring build(List<LiveBackend> members) {
        double meanWeight = members.stream().mapToInt(b -> Math.max(1, b.weight())).average().orElse(1);
        int[] counts = new int[members.size()];
        int total = 0;
        for (int i = 0; i < counts.length; i++) {
            counts[i] = (int) Math.max(1, Math.round(NODES_PER_WEIGHT * Math.max(1, members.get(i).weight()) / meanWeight));
            total += counts[i];
        }
        long[] keyed = new long[total];
        long[] hashes = new long[total];
        int[] owners = new int[total];
        int at = 0;
        for (int i = 0; i < counts.length; i++) {
            String id = members.get(i).id();
            for (int v = 0; v < counts[i]; v++) {
                hashes[at] = Hashing.hash64(id + "#" + v);
                owners[at] = i;
                at++;
            }
        }
        // Sort points by hash, carrying their owners along (ties broken by owner index, for determinism).
        Integer[] order = new Integer[total];
        for (int i = 0; i < total; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (x, y) -> {
            int c = Long.compare(hashes[x], hashes[y]);
            return c != 0 ? c : Integer.compare(owners[x], owners[y]);
        });
        int[] sortedOwners = new int[total];
        for (int i = 0; i < total; i++) {
            keyed[i] = hashes[order[i]];
            sortedOwners[i] = owners[order[i]];
        }
        return new Ring(members, keyed, sortedOwners);
    }

    @Override
    public boolean usesAffinityKey() {
        return true;
    }

    @Override
    public String toString() {
        return balanceFactor > 0 ? "consistent-hash(balance " + balanceFactor + ")" : "consistent-hash";
    }
}
