package io.wslb;

import static java.util.Objects.requireNonNull;

import io.wslb.internal.PooledBackend;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
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
 * Router router = lb.router();
 * router.route(request).whenComplete((route, failure) -> {
 *     if (failure != null) { answer(503); return; }
 *     connect(route.backend(), ok -> {
 *         if (ok) { List<HttpHeader> extra = route.established(); answer101(extra); }
 *         else { Route next = route.retry(RejectCause.BACKEND_UNREACHABLE, error); ... }
 *     });
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
    private final LoadBalancerListener events;
    private final AffinityFallback fallback;
    private final Object pickLock = new Object();

    Router(BackendPool pool, BalancingStrategy strategy, AffinityResolver affinity, @Nullable SessionStore store,
           int maxAttempts, LoadBalancerListener events, AffinityFallback fallback) {
        this.pool = pool;
        this.strategy = strategy;
        this.affinity = affinity;
        this.store = store;
        this.maxAttempts = maxAttempts;
        this.events = events;
        this.fallback = fallback;
    }

    /**
     * Chooses the backend for a new connection. The stage completes on the caller's thread when no remote
     * store is involved.
     *
     * @param request the client's validated handshake
     * @return the first attempt; fails with a {@link RouteException} of {@link RejectCause#NO_BACKEND} when
     *     no backend can take it (the rejection event is then already reported)
     */
    public CompletionStage<Route> route(HandshakeRequest request) {
        requireNonNull(request, "request");
        String key = affinityKey(request);
        String pinned = pinnedBackend(request);
        if (pinned != null) {
            return settle(request, () -> routeTo(request, key, pool.get(pinned)));
        }
        if (key == null || store == null || !affinity.needsSessionStore()) {
            return settle(request, () -> pick(request, key, 1, List.of(), null));
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
                return pick(request, key, 1, List.of(), null);
            }
            return routeTo(request, key, pool.get(found.get()));
        }).whenComplete((route, failure) -> reportIfUnrouted(request, failure));
    }

    /** Routes to the backend the affinity named, or applies the fallback when it is gone or not eligible. */
    private Route routeTo(HandshakeRequest request, @Nullable String key, @Nullable LiveBackend named) {
        if (named instanceof PooledBackend member && member.inPool() && member.weight() > 0) {
            member.acquire();
            return newRoute(request, key, 1, member, List.of());
        }
        if (fallback == AffinityFallback.REJECT) {
            throw new RouteException(RejectCause.NO_BACKEND, "the backend of this client's affinity is unavailable");
        }
        return pick(request, key, 1, List.of(), null);
    }

    private CompletionStage<Route> settle(HandshakeRequest request, java.util.function.Supplier<Route> decision) {
        try {
            return CompletableFuture.completedFuture(decision.get());
        } catch (RuntimeException e) {
            reportIfUnrouted(request, e);
            return CompletableFuture.failedFuture(e);
        }
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
     * Reports a handshake that the adapter rejected before routing (a malformed handshake, a bad version...).
     *
     * @param request the handshake
     * @param cause why
     * @param status the HTTP status sent, or 0
     */
    public void reject(HandshakeRequest request, RejectCause cause, int status) {
        try {
            events.onRejected(request, cause, status);
        } catch (RuntimeException e) {
            LOG.warn("listener failed on rejection", e);
        }
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
    Route pick(HandshakeRequest request, @Nullable String key, int attempt, List<String> tried,
               @Nullable RouteException last) {
        List<LiveBackend> candidates = pool.eligible();
        if (!tried.isEmpty()) {
            List<LiveBackend> untried = new ArrayList<>(candidates.size());
            for (LiveBackend candidate : candidates) {
                if (!tried.contains(candidate.id())) {
                    untried.add(candidate);
                }
            }
            candidates = List.copyOf(untried);
        }
        if (candidates.isEmpty()) {
            if (last != null) {
                throw last;
            }
            throw new RouteException(RejectCause.NO_BACKEND, "no eligible backend in " + pool);
        }
        RoutingContext context = new Context(request, key, attempt);
        PooledBackend member;
        // A pick and the count it adds are one step: concurrent picks see each other's connections, so least
        // connections never sends two simultaneous clients to the same emptiest backend. Closes stay lock-free.
        synchronized (pickLock) {
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
            member = pooled;
            member.acquire();
        }
        return newRoute(request, key, attempt, member, tried);
    }

    /** Makes the route of a backend whose count was already taken. */
    private Route newRoute(HandshakeRequest request, @Nullable String key, int attempt, PooledBackend member,
                           List<String> tried) {
        Route route = new Route(this, request, key, attempt, member, tried);
        try {
            events.onBackendChosen(route);
        } catch (RuntimeException e) {
            LOG.warn("listener failed on backend chosen", e);
        }
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

    private void reportIfUnrouted(HandshakeRequest request, @Nullable Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null
            ? failure.getCause() : failure;
        if (cause instanceof RouteException e) {
            reject(request, e.rejectCause(), e.rejectCause().status());
        }
    }

    int maxAttempts() {
        return maxAttempts;
    }

    LoadBalancerListener events() {
        return events;
    }

    @Nullable SessionStore store() {
        return store;
    }

    AffinityResolver affinity() {
        return affinity;
    }

    private record Context(HandshakeRequest request, @Nullable String affinityKey, int attempt)
        implements RoutingContext {}
}
