package io.wslb.spi;

import io.wslb.AffinityResolver;
import io.wslb.HandshakeRequest;
import io.wslb.LoadBalancerListener;
import io.wslb.SessionStore;
import io.wslb.Ticker;
import io.wslb.internal.AdmissionHold;
import io.wslb.internal.PooledBackend;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * What a {@link Route} needs from the {@link Router} that made it, and nothing more: the counts and verdicts of
 * its backend, the next pick of a retry, and the router's fixed settings. Package-private, so that an adapter
 * sees only the route's own methods.
 */
interface RouteOwner {

    /** The route's backend count ends (its one end: closed, rejected or retried). */
    void freed(PooledBackend backend);

    /** A connect or upgrade failed on this backend: counts toward its ejection. */
    void failed(PooledBackend backend);

    /** The route is no longer pending: established, or ended before that (once per route). */
    void answered();

    /** The backend answered 101. */
    void succeeded(PooledBackend backend);

    /**
     * Picks the next attempt of a handshake whose route was retried; no route of it exists meanwhile, so a
     * failure here is reported by the router, which also gives the admission back.
     *
     * @throws RouteException when no backend is left ({@code exhausted} when every one was tried), already reported
     */
    Route next(HandshakeRequest request, long started, @Nullable String affinityKey, AdmissionHold admission, int attempt,
               List<String> tried, RouteException exhausted);

    /** @return the clock of the router, which times handshakes and connections */
    Ticker ticker();

    /** @return attempts allowed per handshake */
    int maxAttempts();

    /** @return the listener every event is reported to (one that throws is shielded) */
    LoadBalancerListener events();

    /** @return the session store, or null */
    @Nullable SessionStore store();

    /** @return the affinity resolver */
    AffinityResolver affinity();
}
