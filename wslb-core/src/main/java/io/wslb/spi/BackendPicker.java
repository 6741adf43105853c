package io.wslb.spi;

import io.wslb.BackendPool;
import io.wslb.BalancingStrategy;
import io.wslb.HandshakeRequest;
import io.wslb.LiveBackend;
import io.wslb.RejectCause;
import io.wslb.RoutingContext;
import io.wslb.internal.PoolControl;
import io.wslb.internal.PooledBackend;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * The pick of a {@link Router}: which backend takes a connection, and the count it adds. It asks the strategy
 * over the eligible backends (the backups when every primary is tried or full), passes a backend still in its
 * slow start over in proportion, and enforces the backend and balancer connection caps. The router decides when
 * to pick; this class only picks.
 */
final class BackendPicker {

    private final BackendPool pool;
    private final PoolControl control;
    private final BalancingStrategy strategy;
    private final int maxConnections;
    private final Duration slowStart;
    private final Object pickLock = new Object();
    /** Connections counted on any backend (from the pick to the route's end); guarded by pickLock for increments. */
    private final AtomicInteger open = new AtomicInteger();

    /**
     * @param maxConnections the balancer-wide cap, 0 for none
     * @param slowStart the ramp of a returning backend, zero for none
     */
    BackendPicker(BackendPool pool, PoolControl control, BalancingStrategy strategy, int maxConnections, Duration slowStart) {
        this.pool = pool;
        this.control = control;
        this.strategy = strategy;
        this.maxConnections = maxConnections;
        this.slowStart = slowStart;
    }

    /**
     * Takes a connection on the backend an affinity named, if it can still take one.
     *
     * @return the member with its count taken, or null when it is gone, not eligible or at its own cap (the
     *     caller applies its fallback)
     * @throws RouteException when the balancer is at its cap
     */
    @Nullable PooledBackend takeNamed(@Nullable LiveBackend named) {
        control.refresh();
        if (named instanceof PooledBackend member && (member.accepting() || pool.panic() && member.acceptingInPanic())) {
            synchronized (pickLock) {
                if (!member.full()) {
                    checkBalancerCapacity();
                    take(member);
                    return member;
                }
            }
        }
        return null;
    }

    /**
     * Picks among eligible backends except {@code tried} and takes a connection on it.
     *
     * @param last the failure of the previous attempt, thrown again when no backend is left to retry on
     * @throws RouteException when none is left
     */
    PooledBackend pick(HandshakeRequest request, @Nullable String key, int attempt, List<String> tried,
                       @Nullable RouteException last) {
        control.refresh();
        RoutingContext context = new Context(request, key, attempt);
        // A pick and the count it adds are one step: concurrent picks see each other's connections, so least
        // connections never sends two simultaneous clients to the same emptiest backend, and no cap is exceeded.
        // Closes stay lock-free.
        synchronized (pickLock) {
            List<LiveBackend> eligible = pool.eligible();
            List<LiveBackend> standby = pool.standby();
            List<LiveBackend> candidates = available(eligible, tried);
            if (candidates.isEmpty() && !standby.isEmpty()) {
                // Every primary was tried or is full: the backups take the overflow.
                candidates = available(standby, tried);
            }
            if (candidates.isEmpty()) {
                if (last != null) {
                    throw last;
                }
                if (hasFull(eligible) || hasFull(standby)) {
                    throw new RouteException(RejectCause.AT_CAPACITY, "every eligible backend is at its connection cap");
                }
                throw new RouteException(RejectCause.NO_BACKEND, "no eligible backend in " + pool);
            }
            checkBalancerCapacity();
            PooledBackend member = choose(candidates, context, last);
            take(member);
            return member;
        }
    }

    /** Gives back the connection a pick took. */
    void release(PooledBackend member) {
        member.release();
        open.decrementAndGet();
    }

    /** @return connections counted on all backends right now */
    int open() {
        return open.get();
    }

    /** Asks the strategy; under slow start, a backend still ramping up is passed over in proportion. */
    private PooledBackend choose(List<LiveBackend> candidates, RoutingContext context, @Nullable RouteException last) {
        PooledBackend chosen = ask(candidates, context, last);
        if (candidates.size() > 1 && !slowStart.isZero()) {
            double share = rampShare(chosen);
            if (share < 1 && ThreadLocalRandom.current().nextDouble() >= share) {
                List<LiveBackend> others = new ArrayList<>(candidates);
                others.remove(chosen);
                try {
                    return ask(List.copyOf(others), context, null);
                } catch (RouteException declined) {
                    return chosen;
                }
            }
        }
        return chosen;
    }

    private PooledBackend ask(List<LiveBackend> candidates, RoutingContext context, @Nullable RouteException last) {
        LiveBackend chosen = strategy.pick(candidates, context);
        if (chosen == null) {
            if (last != null) {
                throw last;
            }
            throw new RouteException(RejectCause.NO_BACKEND, "strategy " + strategy + " declined all of " + candidates);
        }
        if (!(chosen instanceof PooledBackend pooled) || !containsIdentity(candidates, chosen)) {
            throw new IllegalStateException("strategy " + strategy + " returned " + chosen + ", which is not one of the candidates");
        }
        return pooled;
    }

    /**
     * @return the share of its normal traffic a backend takes now: from 10 % when it became eligible, rising in a
     *     straight line to 100 % at the end of the slow-start window
     */
    double rampShare(PooledBackend member) {
        long since = member.eligibleSinceNanos();
        long window = slowStart.toNanos();
        if (since == Long.MIN_VALUE || window == 0) {
            return 1;
        }
        long elapsed = control.ticker().nanos() - since;
        if (elapsed >= window) {
            return 1;
        }
        return 0.1 + 0.9 * Math.max(0, elapsed) / (double) window;
    }

    /**
     * @return the members that are not full and not tried yet: {@code members} itself when that is all of them (the
     *     common case, which keeps the strategies' per-list caches warm), else a filtered copy in the same order
     */
    private static List<LiveBackend> available(List<LiveBackend> members, List<String> tried) {
        List<LiveBackend> open = null;
        for (int i = 0, n = members.size(); i < n; i++) {
            LiveBackend member = members.get(i);
            boolean out = member.full() || !tried.isEmpty() && tried.contains(member.id());
            if (out && open == null) {
                open = new ArrayList<>(members.subList(0, i));
            } else if (!out && open != null) {
                open.add(member);
            }
        }
        return open == null ? members : List.copyOf(open);
    }

    private static boolean hasFull(List<LiveBackend> candidates) {
        for (int i = 0, n = candidates.size(); i < n; i++) {
            if (candidates.get(i).full()) {
                return true;
            }
        }
        return false;
    }

    private static boolean containsIdentity(List<LiveBackend> candidates, LiveBackend chosen) {
        for (int i = 0, n = candidates.size(); i < n; i++) {
            if (candidates.get(i) == chosen) {
                return true;
            }
        }
        return false;
    }

    /** Called under pickLock. */
    private void checkBalancerCapacity() {
        if (maxConnections > 0 && open.get() >= maxConnections) {
            throw new RouteException(RejectCause.AT_CAPACITY, "the balancer is at its cap of " + maxConnections + " connections");
        }
    }

    /** Called under pickLock. */
    private void take(PooledBackend member) {
        member.acquire();
        open.incrementAndGet();
    }

    private record Context(HandshakeRequest request, @Nullable String affinityKey, int attempt)
        implements RoutingContext {}
}
