package io.wslb.spi;

import static java.util.Objects.requireNonNull;

import io.wslb.AffinityFallback;
import io.wslb.AffinityResolver;
import io.wslb.BackendPool;
import io.wslb.BalancingStrategy;
import io.wslb.HandshakeGuard;
import io.wslb.HandshakeRequest;
import io.wslb.LiveBackend;
import io.wslb.LoadBalancerListener;
import io.wslb.OutlierDetection;
import io.wslb.RejectCause;
import io.wslb.RoutingContext;
import io.wslb.SessionStore;
import io.wslb.internal.Admission;
import io.wslb.internal.AdmissionHold;
import io.wslb.internal.HandshakeRateLimiter;
import io.wslb.internal.Listeners;
import io.wslb.internal.PoolControl;
import io.wslb.internal.PooledBackend;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The routing decision of a {@link WebSocketLoadBalancer}, free of any server API so that every adapter shares
 * it: affinity key, then session store, then eligible backends, then strategy; the store is updated once the
 * backend has accepted; a retry goes to a backend not tried yet. Adapters call it; applications normally
 * don't.
 *
 * <pre>{@code
 * Router router = LoadBalancerRuntime.of(lb).router();
 * router.route(request).whenComplete((route, failure) -> {
 *     if (failure != null) { log.info("refused: {}", failure.toString()); return; } // answered per RouteException
 *     URI backend = route.backend().backend().uri();    // an adapter connects to it here, then
 *     boolean upgraded = true;                          // (whether the backend answered a valid 101)
 *     if (upgraded) {
 *         List<ResponseHeader> extra = route.established(); // the client's 101 carries these headers
 *     } else {
 *         Route next = route.retry(RejectCause.BACKEND_UNREACHABLE, new IOException("refused"));
 *         // next: the same, on a backend not tried yet (a RouteException when the attempts are spent)
 *     }
 * });
 * }</pre>
 *
 * <p>Every {@link Route} handed out counts as one active connection on its backend until the adapter reports
 * the route's end ({@link Route#retry}, {@link Route#abandon} or {@link Route#closed}). Strategies are called
 * one at a time: a pick and the count it adds are one step, so concurrent handshakes see each other.
 */
public final class Router {

    private static final Logger LOG = LoggerFactory.getLogger(Router.class);

    private final BackendPool pool;
    private final BalancingStrategy strategy;
    private final AffinityResolver affinity;
    private final @Nullable SessionStore store;
    private final int maxAttempts;
    private final Listeners events;
    private final AffinityFallback fallback;
    private final Limits limits;
    private final PoolControl control;
    private final RouteOwner owner = new Owner();
    private final Object pickLock = new Object();
    /** Connections counted on any backend (from the pick to the route's end); guarded by pickLock for increments. */
    private final AtomicInteger open = new AtomicInteger();

    /**
     * What bounds and shapes the picks: the guard, connection caps, outlier detection, slow start.
     *
     * @param maxConnections the balancer-wide cap, 0 for none
     * @param outliers the passive health policy
     * @param slowStart the ramp of a returning backend
     * @param guard the handshake guard
     * @param rate the per-client handshake rate, or null for none
     * @param admission the pending-handshake and per-client caps, or null for none
     */
    public record Limits(int maxConnections, OutlierDetection outliers, Duration slowStart, HandshakeGuard guard,
                  @Nullable HandshakeRateLimiter rate, @Nullable Admission admission) {
    }

    /**
     * Built by {@link io.wslb.WebSocketLoadBalancer}, which holds the pool's control; {@code events} is a
     * {@link Listeners}: it shields the routing from a listener that throws.
     */
    public Router(BackendPool pool, PoolControl control, BalancingStrategy strategy, AffinityResolver affinity, @Nullable SessionStore store,
           int maxAttempts, Listeners events, AffinityFallback fallback, Limits limits) {
        this.limits = limits;
        this.pool = pool;
        this.control = control;
        this.strategy = strategy;
        this.affinity = affinity;
        this.store = store;
        this.maxAttempts = maxAttempts;
        this.events = events;
        this.fallback = fallback;
    }

    /**
     * Chooses the backend for a new connection. The stage completes on the caller's thread when no remote
     * store is involved. Until a route exists the router owns the handshake: a failure is reported here, once,
     * and what the admission caps counted for it is given back; the adapter only answers it.
     *
     * @param request the client's validated handshake
     * @return the first attempt; fails with a {@link RouteException} saying how to answer (for example
     *     {@link RejectCause#NO_BACKEND}), or with the routing's own failure (a strategy that throws), which
     *     {@link RouteException#from} turns into {@link RejectCause#INTERNAL_ERROR}: in every case the rejection
     *     event is already reported
     */
    public CompletionStage<Route> route(HandshakeRequest request) {
        requireNonNull(request, "request");
        HandshakeRateLimiter rate = limits.rate();
        if (rate != null && !rate.tryAcquire(request.clientAddress())) {
            return unrouted(request, AdmissionHold.NONE, new RouteException(RejectCause.TOO_MANY_HANDSHAKES,
                "too many handshakes from this client; slow down"));
        }
        AdmissionHold hold = AdmissionHold.NONE;
        Admission admission = limits.admission();
        if (admission != null) {
            RejectCause refused = admission.tryAdmit(request.clientAddress());
            if (refused != null) {
                return unrouted(request, hold, new RouteException(refused, refused == RejectCause.TOO_MANY_CONNECTIONS
                    ? "this client has too many connections open or being set up"
                    : "too many handshakes are waiting for a backend; try again shortly"));
            }
            hold = AdmissionHold.taken(admission, request.clientAddress());
        }
        AdmissionHold admitted = hold;
        CompletionStage<Route> routed;
        try {
            routed = guarded(request, admitted);
        } catch (RuntimeException e) {
            routed = CompletableFuture.failedFuture(e);
        }
        return routed.whenComplete((route, failure) -> {
            if (failure != null) {
                report(request, admitted, failure);
            }
        });
    }

    /** Routes a handshake within the rate and the admission caps: the guard, then the pick. */
    private CompletionStage<Route> guarded(HandshakeRequest request, AdmissionHold hold) {
        HandshakeGuard guard = limits.guard();
        if (guard == HandshakeGuard.allowAll()) {
            return routeAllowed(request, hold);
        }
        CompletionStage<HandshakeGuard.@Nullable Refusal> verdict;
        try {
            verdict = guard.check(request);
        } catch (RuntimeException e) {
            verdict = CompletableFuture.failedFuture(e);
        }
        return verdict.handle((refusal, failure) -> {
            if (failure != null) {
                LOG.error("handshake guard {} failed for {}", guard, request, failure);
                return CompletableFuture.<Route>failedFuture(
                    new RouteException(RejectCause.INTERNAL_ERROR, "the handshake guard failed", failure));
            }
            if (refusal != null) {
                RejectCause cause = refusal.status() == 401 ? RejectCause.UNAUTHORIZED : RejectCause.FORBIDDEN;
                return CompletableFuture.<Route>failedFuture(new RouteException(cause, refusal.message()));
            }
            return routeAllowed(request, hold);
        }).thenCompose(stage -> stage);
    }

    /** Routes a handshake the guard let through. */
    private CompletionStage<Route> routeAllowed(HandshakeRequest request, AdmissionHold hold) {
        String key = affinityKey(request);
        String pinned = pinnedBackend(request);
        if (pinned != null) {
            return CompletableFuture.completedFuture(routeTo(request, key, hold, pool.get(pinned)));
        }
        // A store is only ever set with a resolver whose keys are stored (the builder checks it).
        if (key == null || store == null) {
            return CompletableFuture.completedFuture(pick(request, key, hold, 1, List.of(), null));
        }
        CompletionStage<Optional<String>> lookup;
        try {
            lookup = store.get(key);
        } catch (RuntimeException e) {
            LOG.warn("session store get failed for an affinity key; balancing freely", e);
            lookup = CompletableFuture.completedFuture(Optional.empty());
        }
        return lookup.handle((found, failure) -> {
            if (failure != null) {
                LOG.warn("session store get failed for an affinity key; balancing freely", failure);
            }
            if (found == null || found.isEmpty()) {
                return pick(request, key, hold, 1, List.of(), null);
            }
            return routeTo(request, key, hold, pool.get(found.get()));
        });
    }

    /** Routes to the backend the affinity named, or applies the fallback when it is gone or not eligible. */
    private Route routeTo(HandshakeRequest request, @Nullable String key, AdmissionHold hold, @Nullable LiveBackend named) {
        control.refresh();
        if (named instanceof PooledBackend member && (member.accepting() || pool.panic() && member.acceptingInPanic())) {
            synchronized (pickLock) {
                if (!member.full()) {
                    checkBalancerCapacity();
                    take(member);
                    return newRoute(request, key, hold, 1, member, List.of());
                }
            }
        }
        if (fallback == AffinityFallback.REJECT) {
            throw new RouteException(RejectCause.NO_BACKEND, "the backend of this client's affinity is unavailable");
        }
        return pick(request, key, hold, 1, List.of(), null);
    }

    private @Nullable String pinnedBackend(HandshakeRequest request) {
        try {
            return affinity.pinnedBackend(request);
        } catch (RuntimeException e) {
            LOG.warn("affinity resolver {} failed; balancing freely", affinity, e);
            return null;
        }
    }

    /**
     * Reports a handshake that the adapter rejected before routing (a malformed handshake, a bad version...): no
     * route exists for it, so the router reports it.
     *
     * @param request the handshake
     * @param cause why
     * @param status the HTTP status sent, or 0
     */
    public void reject(HandshakeRequest request, RejectCause cause, int status) {
        events.onRejected(request, cause, status);
    }

    private @Nullable String affinityKey(HandshakeRequest request) {
        try {
            return affinity.resolve(request);
        } catch (RuntimeException e) {
            LOG.warn("affinity resolver {} failed; balancing freely", affinity, e);
            return null;
        }
    }

    /** Picks among eligible backends except {@code tried}; throws RouteException when none is left. */
    private Route pick(HandshakeRequest request, @Nullable String key, AdmissionHold hold, int attempt,
                       List<String> tried, @Nullable RouteException last) {
        control.refresh();
        RoutingContext context = new Context(request, key, attempt);
        PooledBackend member;
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
            member = choose(candidates, context, last);
            take(member);
        }
        return newRoute(request, key, hold, attempt, member, tried);
    }

    /** Asks the strategy; under slow start, a backend still ramping up is passed over in proportion. */
    private PooledBackend choose(List<LiveBackend> candidates, RoutingContext context, @Nullable RouteException last) {
        PooledBackend chosen = ask(candidates, context, last);
        if (candidates.size() > 1 && !limits.slowStart().isZero()) {
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
        long window = limits.slowStart().toNanos();
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

    /** Called under pickLock. */
    private void checkBalancerCapacity() {
        int max = limits.maxConnections();
        if (max > 0 && open.get() >= max) {
            throw new RouteException(RejectCause.AT_CAPACITY, "the balancer is at its cap of " + max + " connections");
        }
    }

    /** Called under pickLock. */
    private void take(PooledBackend member) {
        member.acquire();
        open.incrementAndGet();
    }

    /** @return handshakes admitted and waiting for their 101 (0 when no admission cap is set) */
    public int pendingHandshakes() {
        Admission admission = limits.admission();
        return admission == null ? 0 : admission.pending();
    }

    /** @return connections counted on all backends right now */
    public int openConnections() {
        return open.get();
    }

    /** Makes the route of a backend whose count was already taken. */
    private Route newRoute(HandshakeRequest request, @Nullable String key, AdmissionHold hold, int attempt,
                           PooledBackend member, List<String> tried) {
        Route route = new Route(owner, request, key, hold, attempt, member, tried);
        events.onBackendChosen(route);
        return route;
    }

    private static boolean containsIdentity(List<LiveBackend> candidates, LiveBackend chosen) {
        for (int i = 0, n = candidates.size(); i < n; i++) {
            if (candidates.get(i) == chosen) {
                return true;
            }
        }
        return false;
    }

    /** A handshake failed with no route of it in place: fails the stage after reporting it. */
    private CompletionStage<Route> unrouted(HandshakeRequest request, AdmissionHold hold, RouteException refusal) {
        report(request, hold, refusal);
        return CompletableFuture.failedFuture(refusal);
    }

    /**
     * The one place the router ends a handshake it holds: reports the rejection, whatever the failure, and gives
     * the admission back.
     */
    private void report(HandshakeRequest request, AdmissionHold hold, Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        RouteException refusal = RouteException.from(cause);
        if (refusal != cause) {
            LOG.error("routing failed for {}", request, cause);
        }
        events.onRejected(request, refusal.rejectCause(), refusal.rejectCause().status());
        hold.release();
    }

    /** What the routes of this router call back: counts, verdicts, the next pick. */
    private final class Owner implements RouteOwner {

        @Override
        public void freed(PooledBackend backend) {
            backend.release();
            open.decrementAndGet();
        }

        @Override
        public void failed(PooledBackend backend) {
            OutlierDetection outliers = limits.outliers();
            if (!outliers.enabled()) {
                return;
            }
            Duration ejection = backend.failed(outliers, control.ticker().nanos());
            if (ejection != null) {
                control.eject(backend, ejection, outliers);
            }
        }

        @Override
        public void succeeded(PooledBackend backend) {
            if (limits.outliers().enabled()) {
                backend.succeeded();
            }
        }

        @Override
        public Route next(HandshakeRequest request, @Nullable String affinityKey, AdmissionHold admission, int attempt,
                          List<String> tried, RouteException exhausted) {
            try {
                return pick(request, affinityKey, admission, attempt, tried, exhausted);
            } catch (RuntimeException e) {
                report(request, admission, e);
                throw e;
            }
        }

        @Override
        public int maxAttempts() {
            return maxAttempts;
        }

        @Override
        public LoadBalancerListener events() {
            return events;
        }

        @Override
        public @Nullable SessionStore store() {
            return store;
        }

        @Override
        public AffinityResolver affinity() {
            return affinity;
        }
    }

    private record Context(HandshakeRequest request, @Nullable String affinityKey, int attempt)
        implements RoutingContext {}
}
