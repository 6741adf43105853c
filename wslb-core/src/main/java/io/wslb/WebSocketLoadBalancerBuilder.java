package io.wslb;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLContext;
import org.jspecify.annotations.Nullable;

/**
 * Builds a {@link WebSocketLoadBalancer}; get one from {@link WebSocketLoadBalancer#builder()}. {@link #strategy} is
 * required; so is {@link #sessionStore} when the {@link #affinity} resolver yields stored keys. Related settings come
 * as one value each ({@link Timeouts}, {@link FrameLimits}, {@link AdmissionLimits}, {@link OutlierDetection},
 * {@link HealthCheck}), which validates itself when created; {@link #build()} checks the settings as a whole. Every
 * failure names the setting.
 *
 * <pre>{@code
 * WebSocketLoadBalancer lb = WebSocketLoadBalancer.builder()
 *     .backend(Backend.of("chat-1", URI.create("ws://10.0.0.1:3000/ws")))
 *     .strategy(BalancingStrategies.leastConnections())
 *     .timeouts(Timeouts.defaults().withIdle(Duration.ofMinutes(10)))
 *     .frameLimits(FrameLimits.ofMaxMessageSize(1 << 20))
 *     .admissionLimits(AdmissionLimits.unlimited().withMaxConnectionsPerClient(100))
 *     .build();
 * }</pre>
 */
public final class WebSocketLoadBalancerBuilder {

    final List<Backend> backends = new ArrayList<>();
    @Nullable BackendPool pool;
    @Nullable BalancingStrategy strategy;
    AffinityResolver affinity = AffinityResolver.none();
    @Nullable SessionStore sessionStore;
    final List<LoadBalancerListener> listeners = new ArrayList<>();
    Timeouts timeouts = Timeouts.defaults();
    FrameLimits frameLimits = FrameLimits.defaults();
    AdmissionLimits admissionLimits = AdmissionLimits.unlimited();
    @Nullable SSLContext backendTls;
    int maxAttempts = WebSocketLoadBalancer.DEFAULT_MAX_ATTEMPTS;
    TrustedProxies trustedProxies = TrustedProxies.none();
    AffinityFallback affinityFallback = AffinityFallback.REPICK;
    OutlierDetection outlierDetection = OutlierDetection.defaults();
    Duration slowStart = Duration.ZERO;
    Ticker ticker = Ticker.system();
    private boolean tickerSet;
    @Nullable HealthCheck healthCheck;
    HandshakeGuard guard = HandshakeGuard.allowAll();
    Duration shutdownWindow = Duration.ZERO;

    WebSocketLoadBalancerBuilder() {}

    /**
     * Adds a backend to the pool the balancer creates. Cannot be combined with {@link #pool}.
     *
     * @param backend a backend with an id not added before
     * @return this
     */
    public WebSocketLoadBalancerBuilder backend(Backend backend) {
        backends.add(requireNonNull(backend, "backend"));
        return this;
    }

    /**
     * Uses an existing pool (for example one shared with a health checker). Cannot be combined with
     * {@link #backend}.
     *
     * @param pool the pool
     * @return this
     */
    public WebSocketLoadBalancerBuilder pool(BackendPool pool) {
        this.pool = requireNonNull(pool, "pool");
        return this;
    }

    /**
     * @param strategy how to pick a backend for a new connection (required)
     * @return this
     */
    public WebSocketLoadBalancerBuilder strategy(BalancingStrategy strategy) {
        this.strategy = requireNonNull(strategy, "strategy");
        return this;
    }

    /**
     * @param affinity how to derive a client's affinity key; default {@link AffinityResolver#none()}
     * @return this
     */
    public WebSocketLoadBalancerBuilder affinity(AffinityResolver affinity) {
        this.affinity = requireNonNull(affinity, "affinity");
        return this;
    }

    /**
     * @param sessionStore where affinity keys map to backends; required when the {@link #affinity} resolver
     *     yields keys ({@link AffinityResolver#needsSessionStore()}), unless the strategy hashes the key
     *     itself ({@link BalancingStrategy#usesAffinityKey()}). With both, the store wins: a key stays on the
     *     backend it was first placed on, even when the hash ring would now put it elsewhere.
     * @return this
     */
    public WebSocketLoadBalancerBuilder sessionStore(SessionStore sessionStore) {
        this.sessionStore = requireNonNull(sessionStore, "sessionStore");
        return this;
    }

    /**
     * @param listener notified of connection events; may be called several times to add several
     * @return this
     */
    public WebSocketLoadBalancerBuilder listener(LoadBalancerListener listener) {
        listeners.add(requireNonNull(listener, "listener"));
        return this;
    }

    /**
     * @param timeouts the connect, upgrade, idle and close timeouts and the liveness ping, replacing those set
     *     before; {@link Timeouts#defaults()} unless set
     * @return this
     */
    public WebSocketLoadBalancerBuilder timeouts(Timeouts timeouts) {
        this.timeouts = requireNonNull(timeouts, "timeouts");
        return this;
    }

    /**
     * @param limits the largest frame and message a client may send; {@link FrameLimits#defaults()} unless set
     * @return this
     */
    public WebSocketLoadBalancerBuilder frameLimits(FrameLimits limits) {
        this.frameLimits = requireNonNull(limits, "frameLimits");
        return this;
    }

    /**
     * @param limits the caps on connections and pending handshakes and the per-client handshake rate;
     *     {@link AdmissionLimits#unlimited()} unless set
     * @return this
     */
    public WebSocketLoadBalancerBuilder admissionLimits(AdmissionLimits limits) {
        this.admissionLimits = requireNonNull(limits, "admissionLimits");
        return this;
    }

    /**
     * @param attempts how many backends one connection may try before its 101, the first included; 1 to
     *     10; default 3
     * @return this
     */
    public WebSocketLoadBalancerBuilder maxAttempts(int attempts) {
        if (attempts < 1 || attempts > 10) {
            throw new IllegalArgumentException("maxAttempts must be 1..10, got " + attempts);
        }
        this.maxAttempts = attempts;
        return this;
    }

    /**
     * @param proxies the proxies in front of the balancer whose {@code X-Forwarded-For} and {@code Forwarded}
     *     headers are believed: from them the client's address is read (for affinity and forwarding) and the
     *     chain is extended; from anyone else those headers are replaced. Default: none.
     * @return this
     */
    public WebSocketLoadBalancerBuilder trustedProxies(TrustedProxies proxies) {
        this.trustedProxies = requireNonNull(proxies, "proxies");
        return this;
    }

    /**
     * @param fallback what to do when a client's affinity names a backend that is gone or not eligible:
     *     {@link AffinityFallback#REPICK} (default) or {@link AffinityFallback#REJECT} (503)
     * @return this
     */
    public WebSocketLoadBalancerBuilder affinityFallback(AffinityFallback fallback) {
        this.affinityFallback = requireNonNull(fallback, "fallback");
        return this;
    }

    /**
     * @param policy passive health: when consecutive connect or upgrade failures eject a backend;
     *     {@link OutlierDetection#defaults()} unless set, {@link OutlierDetection#disabled()} to turn it off
     * @return this
     */
    public WebSocketLoadBalancerBuilder outlierDetection(OutlierDetection policy) {
        this.outlierDetection = requireNonNull(policy, "policy");
        return this;
    }

    /**
     * @param window how long a backend that was just added, resumed or became healthy again takes to reach
     *     its full share of new connections, rising from 10 %; zero (the default) for at once
     * @return this
     */
    public WebSocketLoadBalancerBuilder slowStart(Duration window) {
        this.slowStart = notNegative(window, "slowStart");
        return this;
    }

    /**
     * @param window when the server stops, new handshakes get 503 at once and the proxied connections are
     *     closed (1001 to both sides) at moments spread at random over this window, so that clients reconnect
     *     to the other balancers spread out; zero (the default) closes them all at once. Give the server a
     *     stop timeout longer than the window ({@code server.setStopTimeout}): Jetty cuts what is left when
     *     it runs out
     * @return this
     */
    public WebSocketLoadBalancerBuilder shutdownWindow(Duration window) {
        this.shutdownWindow = notNegative(window, "shutdownWindow");
        return this;
    }

    /**
     * @param guard decides whether a valid handshake may go on, before any backend is contacted: an
     *     authentication hook (401/403), an {@link HandshakeGuard#originIn Origin allow-list}, or
     *     {@link HandshakeGuard#allOf several}; {@link HandshakeGuard#allowAll()} unless set
     * @return this
     */
    public WebSocketLoadBalancerBuilder guard(HandshakeGuard guard) {
        this.guard = requireNonNull(guard, "guard");
        return this;
    }

    /**
     * @param check the active health check the server adapter runs against every backend; none unless set
     * @return this
     */
    public WebSocketLoadBalancerBuilder healthCheck(HealthCheck check) {
        this.healthCheck = requireNonNull(check, "check");
        return this;
    }

    /**
     * Sets the TLS context used toward {@code wss://} backends, by the data path and the health checks alike:
     * its trust managers decide which backend certificates are accepted, and its key managers present a client
     * certificate when a backend asks for one. The backend's host name is always verified against its
     * certificate, and sent as SNI when it is a name. The JDK's default context unless set.
     *
     * <pre>{@code
     * builder.backendTls(BackendTls.builder().trustPem(Path.of("ca.pem")).build());
     * }</pre>
     *
     * @param context an initialised TLS context
     * @return this
     */
    public WebSocketLoadBalancerBuilder backendTls(SSLContext context) {
        this.backendTls = requireNonNull(context, "context");
        return this;
    }

    /**
     * @param ticker the clock of ejections, slow starts and the handshake rate; {@link Ticker#system()} unless set
     *     (tests pass a fake one)
     * @return this
     */
    public WebSocketLoadBalancerBuilder ticker(Ticker ticker) {
        this.ticker = requireNonNull(ticker, "ticker");
        this.tickerSet = true;
        return this;
    }

    /**
     * @return the balancer
     * @throws IllegalStateException when the strategy is missing or settings conflict
     */
    public WebSocketLoadBalancer build() {
        BalancingStrategy chosen = strategy;
        if (chosen == null) {
            throw new IllegalStateException("strategy is required, e.g. .strategy(BalancingStrategies.roundRobin())");
        }
        if (pool != null && !backends.isEmpty()) {
            throw new IllegalStateException("set either pool(...) or backend(...), not both");
        }
        boolean needsStore = affinity.needsSessionStore();
        if (needsStore && sessionStore == null && !chosen.usesAffinityKey()) {
            throw new IllegalStateException("affinity " + affinity + " needs a sessionStore, e.g. "
                + ".sessionStore(SessionStores.inMemory(Duration.ofHours(1))), or a strategy that hashes the key, "
                + "e.g. BalancingStrategies.consistentHash()");
        }
        if (!needsStore && sessionStore != null) {
            throw new IllegalStateException("sessionStore is set but affinity " + affinity
                + " stores no keys: drop the store (or choose a resolver whose keys are stored)");
        }
        BackendPool given = pool;
        // Building must not change a pool the caller passed in, so its clock is the one it was created with.
        if (given != null && tickerSet && given.ticker() != ticker) {
            throw new IllegalStateException("ticker is set, but the pool passed to pool(...) keeps the clock it was "
                + "created with: create it with BackendPool.of(backends, ticker)");
        }
        return new WebSocketLoadBalancer(this, given != null ? given : BackendPool.of(backends, ticker), chosen);
    }

    private static Duration notNegative(Duration window, String name) {
        requireNonNull(window, name);
        if (window.isNegative()) {
            throw new IllegalArgumentException(name + " must not be negative, got " + window);
        }
        return window;
    }
}
