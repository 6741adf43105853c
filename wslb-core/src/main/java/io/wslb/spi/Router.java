package io.wslb.spi;

import static java.util.Objects.requireNonNull;

import io.wslb.AffinityFallback;
import io.wslb.AffinityLookup;
import io.wslb.AffinityResolver;
import io.wslb.BackendPool;
import io.wslb.BalancingStrategy;
import io.wslb.HandshakeGuard;
import io.wslb.HandshakeRequest;
import io.wslb.LiveBackend;
import io.wslb.LoadBalancerListener;
import io.wslb.OutlierDetection;
import io.wslb.RejectCause;
import io.wslb.Rejection;
import io.wslb.SessionStore;
import io.wslb.Ticker;
import io.wslb.internal.Admission;
import io.wslb.internal.AdmissionHold;
import io.wslb.internal.HandshakeRateLimiter;
import io.wslb.internal.Listeners;
import io.wslb.internal.PoolControl;
import io.wslb.internal.PooledBackend;
import io.wslb.internal.RouterFactory;
import io.wslb.internal.RouterLimits;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
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
    private final AffinityResolver affinity;
    private final @Nullable SessionStore store;
    private final int maxAttempts;
    private final Listeners events;
    private final AffinityFallback fallback;
    private final RouterLimits limits;
    private final PoolControl control;
    private final BackendPicker picker;
    private final RouteOwner owner = new Owner();
    /** Routes made and neither established nor ended: handshakes waiting for a backend's answer. */
    private final AtomicInteger pendingRoutes = new AtomicInteger();

    static {
        // The constructor takes internal types; the balancer reaches it through the internal factory instead.
        RouterFactory.register(Router::new);
    }

    /**
     * Built by {@link io.wslb.WebSocketLoadBalancer}, which holds the pool's control; {@code events} is a
     * {@link Listeners}: it shields the routing from a listener that throws.
     */
    private Router(BackendPool pool, PoolControl control, BalancingStrategy strategy, AffinityResolver affinity, @Nullable SessionStore store,
           int maxAttempts, Listeners events, AffinityFallback fallback, RouterLimits limits) {
        this.limits = limits;
        this.pool = pool;
        this.control = control;
        this.affinity = affinity;
        this.store = store;
        this.maxAttempts = maxAttempts;
        this.events = events;
        this.fallback = fallback;
        this.picker = new BackendPicker(pool, control, strategy, limits.maxConnections(), limits.slowStart());
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
        long started = control.ticker().nanos();
        HandshakeRateLimiter rate = limits.rate();
        if (rate != null && !rate.tryAcquire(request.clientAddress())) {
            return unrouted(request, started, AdmissionHold.NONE, new RouteException(RejectCause.TOO_MANY_HANDSHAKES,
                "too many handshakes from this client; slow down"));
        }
        AdmissionHold hold = AdmissionHold.NONE;
        Admission admission = limits.admission();
        if (admission != null) {
            RejectCause refused = admission.tryAdmit(request.clientAddress());
            if (refused != null) {
                return unrouted(request, started, hold, new RouteException(refused, refused == RejectCause.TOO_MANY_CONNECTIONS
                    ? "this client has too many connections open or being set up"
                    : "too many handshakes are waiting for a backend; try again shortly"));
            }
            hold = AdmissionHold.taken(admission, request.clientAddress());
        }
        AdmissionHold admitted = hold;
        CompletionStage<Route> routed;
        try {
            routed = guarded(request, started, admitted);
        } catch (RuntimeException e) {
            routed = CompletableFuture.failedFuture(e);
        }
        return routed.whenComplete((route, failure) -> {
            if (failure != null) {
                report(request, started, admitted, failure);
            }
        });
    }

    /** Routes a handshake within the rate and the admission caps: the guard, then the pick. */
    private CompletionStage<Route> guarded(HandshakeRequest request, long started, AdmissionHold hold) {
        HandshakeGuard guard = limits.guard();
        if (guard == HandshakeGuard.allowAll()) {
            return routeAllowed(request, started, hold);
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
            return routeAllowed(request, started, hold);
        }).thenCompose(stage -> stage);
    }

    /** Routes a handshake the guard let through. */
    private CompletionStage<Route> routeAllowed(HandshakeRequest request, long started, AdmissionHold hold) {
        String key = affinityKey(request);
        String pinned = pinnedBackend(request);
        if (pinned != null) {
            return CompletableFuture.completedFuture(routeTo(request, started, key, hold, pool.get(pinned)));
        }
        // A store is only ever set with a resolver whose keys are stored (the builder checks it).
        if (key == null || store == null) {
            return CompletableFuture.completedFuture(pick(request, started, key, hold, 1, List.of(), null));
        }
        CompletionStage<Optional<String>> lookup;
        long asked = control.ticker().nanos();
        try {
            lookup = store.get(key);
        } catch (RuntimeException e) {
            lookup = CompletableFuture.failedFuture(e);
        }
        return lookup.handle((found, failure) -> {
            Duration took = Duration.ofNanos(control.ticker().nanos() - asked);
            if (failure != null) {
                LOG.warn("session store get failed for an affinity key; balancing freely", failure);
                events.onAffinityLookup(AffinityLookup.ERROR, took);
            } else {
                events.onAffinityLookup(found == null || found.isEmpty() ? AffinityLookup.MISS : AffinityLookup.HIT, took);
            }
            if (found == null || found.isEmpty()) {
                return pick(request, started, key, hold, 1, List.of(), null);
            }
            return routeTo(request, started, key, hold, pool.get(found.get()));
        });
    }

    /** Routes to the backend the affinity named, or applies the fallback when it is gone or not eligible. */
    private Route routeTo(HandshakeRequest request, long started, @Nullable String key, AdmissionHold hold, @Nullable LiveBackend named) {
        PooledBackend member = picker.takeNamed(named);
        if (member != null) {
            return newRoute(request, started, key, hold, 1, member, List.of());
        }
        if (fallback == AffinityFallback.REJECT) {
            throw new RouteException(RejectCause.NO_BACKEND, "the backend of this client's affinity is unavailable");
        }
        return pick(request, started, key, hold, 1, List.of(), null);
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
        events.onRejected(Rejection.of(request, cause, status));
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
    private Route pick(HandshakeRequest request, long started, @Nullable String key, AdmissionHold hold, int attempt,
                       List<String> tried, @Nullable RouteException last) {
        PooledBackend member = picker.pick(request, key, attempt, tried, last);
        return newRoute(request, started, key, hold, attempt, member, tried);
    }

    /**
     * @return handshakes waiting for their 101: with an admission cap, every handshake admitted (including those
     *     still in the guard or the session store lookup); without one, those whose backend was chosen
     */
    public int pendingHandshakes() {
        Admission admission = limits.admission();
        return admission == null ? pendingRoutes.get() : admission.pending();
    }

    /** @return connections counted on all backends right now */
    public int openConnections() {
        return picker.open();
    }

    /**
     * The weight a backend carries in new picks right now: its configured weight while it is eligible, times the
     * share of its slow-start ramp it has reached (from 10 % to 100 %); 0 while it takes no new connection
     * (unhealthy, ejected, draining, or a standby backup).
     *
     * @param backend a member of this router's pool
     * @return its effective weight, from 0 to its weight
     */
    public double effectiveWeight(LiveBackend backend) {
        if (!(backend instanceof PooledBackend member) || !containsIdentity(pool.eligible(), backend)) {
            return 0;
        }
        return member.weight() * picker.rampShare(member);
    }

    private static boolean containsIdentity(List<LiveBackend> members, LiveBackend backend) {
        for (int i = 0, n = members.size(); i < n; i++) {
            if (members.get(i) == backend) {
                return true;
            }
        }
        return false;
    }

    private Duration since(long started) {
        return Duration.ofNanos(Math.max(0, control.ticker().nanos() - started));
    }

    /** Makes the route of a backend whose count was already taken. */
    private Route newRoute(HandshakeRequest request, long started, @Nullable String key, AdmissionHold hold, int attempt,
                           PooledBackend member, List<String> tried) {
        pendingRoutes.incrementAndGet();
        Route route = new Route(owner, request, started, key, hold, attempt, member, tried);
        events.onBackendChosen(route);
        return route;
    }

    /** A handshake failed with no route of it in place: fails the stage after reporting it. */
    private CompletionStage<Route> unrouted(HandshakeRequest request, long started, AdmissionHold hold, RouteException refusal) {
        report(request, started, hold, refusal);
        return CompletableFuture.failedFuture(refusal);
    }

    /**
     * The one place the router ends a handshake it holds: reports the rejection, whatever the failure, and gives
     * the admission back.
     */
    private void report(HandshakeRequest request, long started, AdmissionHold hold, Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        RouteException refusal = RouteException.from(cause);
        if (refusal != cause) {
            LOG.error("routing failed for {}", request, cause);
        }
        RejectCause why = refusal.rejectCause();
        events.onRejected(Rejection.of(request, why, why.status(), 0, null, since(started)));
        hold.release();
    }

    /** What the routes of this router call back: counts, verdicts, the next pick. */
    private final class Owner implements RouteOwner {

        @Override
        public void freed(PooledBackend backend) {
            picker.release(backend);
        }

        @Override
        public void failed(PooledBackend backend) {
            backend.countFailure();
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
        public void answered() {
            pendingRoutes.decrementAndGet();
        }

        @Override
        public void succeeded(PooledBackend backend) {
            if (limits.outliers().enabled()) {
                backend.succeeded();
            }
        }

        @Override
        public Route next(HandshakeRequest request, long started, @Nullable String affinityKey, AdmissionHold admission, int attempt,
                          List<String> tried, RouteException exhausted) {
            try {
                return pick(request, started, affinityKey, admission, attempt, tried, exhausted);
            } catch (RuntimeException e) {
                report(request, started, admission, e);
                throw e;
            }
        }

        @Override
        public Ticker ticker() {
            return control.ticker();
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
}
