package io.wslb;

import static java.util.Objects.requireNonNull;

import io.wslb.internal.Admission;
import io.wslb.internal.HandshakeRateLimiter;
import io.wslb.internal.Listeners;
import io.wslb.spi.Router;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLContext;
import org.jspecify.annotations.Nullable;

/**
 * A configured WebSocket load balancer: the backend pool, the balancing strategy, affinity and its session
 * store, the data-path limits and the listeners. It holds no sockets; a server adapter (for Jetty,
 * {@code io.wslb.jetty.WebSocketLoadBalancerHandler}) mounts it. Immutable apart from its live
 * {@link BackendPool}.
 *
 * <pre>{@code
 * WebSocketLoadBalancer lb = WebSocketLoadBalancer.builder()
 *     .backend(Backend.of("chat-1", URI.create("ws://10.0.0.1:3000/ws")))
 *     .backend(Backend.of("chat-2", URI.create("ws://10.0.0.2:3000/ws")).withWeight(2))
 *     .strategy(BalancingStrategies.leastConnections())
 *     .affinity(AffinityResolvers.cookie("WSLB"))   // a signed cookie names the backend: no store needed
 *     .idleTimeout(Duration.ofMinutes(10))
 *     .build();
 * server.setHandler(WebSocketLoadBalancerHandler.at("/ws", lb));
 * }</pre>
 */
public final class WebSocketLoadBalancer {

    /** Default {@link Builder#connectTimeout}: 5 s. */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);
    /** Default {@link Builder#upgradeTimeout}: 10 s. */
    public static final Duration DEFAULT_UPGRADE_TIMEOUT = Duration.ofSeconds(10);
    /** Default {@link Builder#idleTimeout}: 5 minutes. */
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofMinutes(5);
    /**
     * Default {@link Builder#closeTimeout}: 5 s, ample for a live peer to answer a close frame across the world,
     * short enough that peers which never answer do not pile up (HAProxy's {@code timeout client-fin} plays this
     * part).
     */
    public static final Duration DEFAULT_CLOSE_TIMEOUT = Duration.ofSeconds(5);
    /** Default {@link Builder#maxFrameSize}: 16 MiB. */
    public static final long DEFAULT_MAX_FRAME_SIZE = 16L << 20;
    /** Default {@link Builder#maxMessageSize}: 64 MiB. */
    public static final long DEFAULT_MAX_MESSAGE_SIZE = 64L << 20;
    /** Default {@link Builder#maxAttempts}: 3. */
    public static final int DEFAULT_MAX_ATTEMPTS = 3;

    private final BackendPool pool;
    private final BalancingStrategy strategy;
    private final AffinityResolver affinity;
    private final @Nullable SessionStore sessionStore;
    private final Listeners events;
    private final Router router;
    private final Duration connectTimeout;
    private final Duration upgradeTimeout;
    private final Duration idleTimeout;
    private final Duration closeTimeout;
    private final long maxFrameSize;
    private final long maxMessageSize;
    private final int maxAttempts;
    private final TrustedProxies trustedProxies;
    private final AffinityFallback affinityFallback;
    private final int maxConnections;
    private final OutlierDetection outlierDetection;
    private final Duration slowStart;
    private final @Nullable HealthCheck healthCheck;
    private final Duration pingInterval;
    private final HandshakeGuard guard;
    private final Duration shutdownWindow;
    private final int maxHandshakesPerClientPerSecond;
    private final @Nullable SSLContext backendTls;
    private final int maxConnectionsPerClient;
    private final int maxPendingHandshakes;
    private final int maxPendingHandshakesPerClient;

    private WebSocketLoadBalancer(Builder b, BackendPool pool, BalancingStrategy strategy) {
        this.pool = pool;
        this.strategy = strategy;
        this.affinity = b.affinity;
        this.sessionStore = b.sessionStore;
        this.events = new Listeners(List.copyOf(b.listeners));
        this.connectTimeout = b.connectTimeout;
        this.upgradeTimeout = b.upgradeTimeout;
        this.idleTimeout = b.idleTimeout;
        this.closeTimeout = b.closeTimeout;
        this.maxFrameSize = b.frameLimit();
        this.maxMessageSize = b.messageLimit();
        this.maxAttempts = b.maxAttempts;
        this.trustedProxies = b.trustedProxies;
        this.affinityFallback = b.affinityFallback;
        this.maxConnections = b.maxConnections;
        this.outlierDetection = b.outlierDetection;
        this.slowStart = b.slowStart;
        this.healthCheck = b.healthCheck;
        this.pingInterval = b.pingInterval;
        this.guard = b.guard;
        this.shutdownWindow = b.shutdownWindow;
        this.maxHandshakesPerClientPerSecond = b.maxHandshakesPerClientPerSecond;
        this.backendTls = b.backendTls;
        this.maxConnectionsPerClient = b.maxConnectionsPerClient;
        this.maxPendingHandshakes = b.maxPendingHandshakes;
        this.maxPendingHandshakesPerClient = b.maxPendingHandshakesPerClient;
        Admission admission = maxConnectionsPerClient + maxPendingHandshakes + maxPendingHandshakesPerClient == 0 ? null
            : new Admission(maxPendingHandshakes, maxPendingHandshakesPerClient, maxConnectionsPerClient);
        this.router = new Router(pool, pool.control(), strategy, affinity, sessionStore, maxAttempts, events, affinityFallback,
            new Router.Limits(maxConnections, outlierDetection, slowStart, guard,
                maxHandshakesPerClientPerSecond == 0 ? null : new HandshakeRateLimiter(maxHandshakesPerClientPerSecond, b.ticker),
                admission));
    }

    /** @return a new builder */
    public static Builder builder() {
        return new Builder();
    }

    /** @return the live backend pool; add, update and remove backends through it at any time */
    public BackendPool pool() {
        return pool;
    }

    /** @return the balancing strategy */
    public BalancingStrategy strategy() {
        return strategy;
    }

    /** @return the affinity resolver ({@link AffinityResolver#none()} when affinity is off) */
    public AffinityResolver affinity() {
        return affinity;
    }

    /** @return the session store, or null when affinity is off */
    public @Nullable SessionStore sessionStore() {
        return sessionStore;
    }

    /** @return the routing decision, for adapters */
    public Router router() {
        return router;
    }

    /** @return every registered listener, as one; adapters report handshake rejections through it */
    public LoadBalancerListener events() {
        return events;
    }

    /**
     * @return the TLS context for {@code wss://} backends (trust anchors, and the client certificate if any), or
     *     null for the JDK's default trust store and no client certificate
     */
    public @Nullable SSLContext backendTls() {
        return backendTls;
    }

    /** @return how long the TCP (and TLS) connect to a backend may take */
    public Duration connectTimeout() {
        return connectTimeout;
    }

    /** @return how long a backend may take to answer the upgrade once connected */
    public Duration upgradeTimeout() {
        return upgradeTimeout;
    }

    /** @return how long a proxied connection may carry no traffic either way before it is closed */
    public Duration idleTimeout() {
        return idleTimeout;
    }

    /** @return how long the closing handshake may take, from the first close frame relayed, before both sockets are closed */
    public Duration closeTimeout() {
        return closeTimeout;
    }

    /** @return the largest frame payload a client may send, in bytes */
    public long maxFrameSize() {
        return maxFrameSize;
    }

    /** @return the largest message (sum of its frames' payloads) a client may send, in bytes */
    public long maxMessageSize() {
        return maxMessageSize;
    }

    /** @return how many backends a connection may try before its 101 (the first attempt included) */
    public int maxAttempts() {
        return maxAttempts;
    }

    /** @return what happens when a client's affinity names an unavailable backend */
    public AffinityFallback affinityFallback() {
        return affinityFallback;
    }

    /** @return the proxies whose forwarding headers are believed (none by default) */
    public TrustedProxies trustedProxies() {
        return trustedProxies;
    }

    /** @return the most proxied connections at once over all backends, 0 for no limit */
    public int maxConnections() {
        return maxConnections;
    }

    /** @return the passive health policy */
    public OutlierDetection outlierDetection() {
        return outlierDetection;
    }

    /** @return how long a new or recovered backend takes to reach its full share; zero when off */
    public Duration slowStart() {
        return slowStart;
    }

    /** @return handshakes one client address may start per second, 0 for no limit */
    public int maxHandshakesPerClientPerSecond() {
        return maxHandshakesPerClientPerSecond;
    }

    /** @return connections (open or being set up) one client address may hold, 0 for no cap */
    public int maxConnectionsPerClient() {
        return maxConnectionsPerClient;
    }

    /** @return handshakes that may wait for a backend's answer at once, all clients together, 0 for no cap */
    public int maxPendingHandshakes() {
        return maxPendingHandshakes;
    }

    /** @return handshakes one client address may have waiting for a backend's answer at once, 0 for no cap */
    public int maxPendingHandshakesPerClient() {
        return maxPendingHandshakesPerClient;
    }

    /** @return how long a server stop spreads the closing of the proxied connections over; zero for at once */
    public Duration shutdownWindow() {
        return shutdownWindow;
    }

    /** @return what decides whether a handshake may go on before any backend is contacted */
    public HandshakeGuard guard() {
        return guard;
    }

    /** @return how often an idle leg of a proxied connection is pinged; zero when off */
    public Duration pingInterval() {
        return pingInterval;
    }

    /** @return the active health check the server adapter runs, or null for none */
    public @Nullable HealthCheck healthCheck() {
        return healthCheck;
    }

    @Override
    public String toString() {
        return "WebSocketLoadBalancer{pool=" + pool + ", strategy=" + strategy + ", affinity=" + affinity + "}";
    }

    /**
     * Builds a {@link WebSocketLoadBalancer}. {@link #strategy} is required; so is {@link #sessionStore} when
     * {@link #affinity} is set. Settings are validated when set and again, as a whole, in {@link #build()}.
     */
    public static final class Builder {
        private final List<Backend> backends = new ArrayList<>();
        private @Nullable BackendPool pool;
        private @Nullable BalancingStrategy strategy;
        private AffinityResolver affinity = AffinityResolver.none();
        private @Nullable SessionStore sessionStore;
        private final List<LoadBalancerListener> listeners = new ArrayList<>();
        private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
        private @Nullable SSLContext backendTls;
        private Duration upgradeTimeout = DEFAULT_UPGRADE_TIMEOUT;
        private Duration idleTimeout = DEFAULT_IDLE_TIMEOUT;
        private Duration closeTimeout = DEFAULT_CLOSE_TIMEOUT;
        private long maxFrameSize = DEFAULT_MAX_FRAME_SIZE;
        private long maxMessageSize = DEFAULT_MAX_MESSAGE_SIZE;
        private boolean maxFrameSizeSet;
        private boolean maxMessageSizeSet;
        private int maxAttempts = DEFAULT_MAX_ATTEMPTS;
        private TrustedProxies trustedProxies = TrustedProxies.none();
        private AffinityFallback affinityFallback = AffinityFallback.REPICK;
        private int maxConnections;
        private OutlierDetection outlierDetection = OutlierDetection.defaults();
        private Duration slowStart = Duration.ZERO;
        private Ticker ticker = Ticker.system();
        private @Nullable HealthCheck healthCheck;
        private Duration pingInterval = Duration.ZERO;
        private HandshakeGuard guard = HandshakeGuard.allowAll();
        private Duration shutdownWindow = Duration.ZERO;
        private int maxHandshakesPerClientPerSecond;
        private int maxConnectionsPerClient;
        private int maxPendingHandshakes;
        private int maxPendingHandshakesPerClient;

        private Builder() {}

        /**
         * Adds a backend to the pool the balancer creates. Cannot be combined with {@link #pool}.
         *
         * @param backend a backend with an id not added before
         * @return this
         */
        public Builder backend(Backend backend) {
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
        public Builder pool(BackendPool pool) {
            this.pool = requireNonNull(pool, "pool");
            return this;
        }

        /**
         * @param strategy how to pick a backend for a new connection (required)
         * @return this
         */
        public Builder strategy(BalancingStrategy strategy) {
            this.strategy = requireNonNull(strategy, "strategy");
            return this;
        }

        /**
         * @param affinity how to derive a client's affinity key; default {@link AffinityResolver#none()}
         * @return this
         */
        public Builder affinity(AffinityResolver affinity) {
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
        public Builder sessionStore(SessionStore sessionStore) {
            this.sessionStore = requireNonNull(sessionStore, "sessionStore");
            return this;
        }

        /**
         * @param listener notified of connection events; may be called several times to add several
         * @return this
         */
        public Builder listener(LoadBalancerListener listener) {
            listeners.add(requireNonNull(listener, "listener"));
            return this;
        }

        /**
         * @param timeout how long a TCP (and TLS) connect to a backend may take before the next backend is
         *     tried; positive; default 5 s
         * @return this
         */
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = positive(timeout, "connectTimeout");
            return this;
        }

        /**
         * @param timeout how long a connected backend may take to answer the upgrade before the next backend is
         *     tried; positive; default 10 s
         * @return this
         */
        public Builder upgradeTimeout(Duration timeout) {
            this.upgradeTimeout = positive(timeout, "upgradeTimeout");
            return this;
        }

        /**
         * @param timeout how long a proxied connection may carry no traffic either way before both sides get a
         *     1001 close; positive; default 5 minutes
         * @return this
         */
        public Builder idleTimeout(Duration timeout) {
            this.idleTimeout = positive(timeout, "idleTimeout");
            return this;
        }

        /**
         * Bounds the closing handshake: once a close frame from either side has been relayed, the other side has
         * this long to answer it and both to end the connection; then the proxy closes both sockets (the connection
         * is reported closed with the cause of the side that sent the first close frame). No timer runs before the
         * first close frame.
         *
         * @param timeout how long a closing handshake may take; positive; default 5 s
         * @return this
         */
        public Builder closeTimeout(Duration timeout) {
            this.closeTimeout = positive(timeout, "closeTimeout");
            return this;
        }

        /**
         * @param bytes the largest frame payload a client may send; a larger frame closes the connection with
         *     1009 before its payload is relayed; 125 or more, at most the {@link #maxMessageSize} when both are
         *     set; default 16 MiB, or the {@link #maxMessageSize} when only that is set and it is lower
         * @return this
         */
        public Builder maxFrameSize(long bytes) {
            if (bytes < 125) {
                throw new IllegalArgumentException("maxFrameSize must be at least 125 bytes, got " + bytes);
            }
            this.maxFrameSize = bytes;
            this.maxFrameSizeSet = true;
            return this;
        }

        /**
         * @param bytes the largest message (all frames of a fragmented message together) a client may send;
         *     125 or more; default 64 MiB, or the {@link #maxFrameSize} when only that is set and it is higher
         * @return this
         */
        public Builder maxMessageSize(long bytes) {
            if (bytes < 125) {
                throw new IllegalArgumentException("maxMessageSize must be at least 125 bytes, got " + bytes);
            }
            this.maxMessageSize = bytes;
            this.maxMessageSizeSet = true;
            return this;
        }

        /** The frame limit in force: a limit left at its default follows the other one when only that is set. */
        private long frameLimit() {
            return maxFrameSizeSet || !maxMessageSizeSet ? maxFrameSize : Math.min(DEFAULT_MAX_FRAME_SIZE, maxMessageSize);
        }

        private long messageLimit() {
            return maxMessageSizeSet || !maxFrameSizeSet ? maxMessageSize : Math.max(DEFAULT_MAX_MESSAGE_SIZE, maxFrameSize);
        }

        /**
         * @param attempts how many backends one connection may try before its 101, the first included; 1 to
         *     10; default 3
         * @return this
         */
        public Builder maxAttempts(int attempts) {
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
        public Builder trustedProxies(TrustedProxies proxies) {
            this.trustedProxies = requireNonNull(proxies, "proxies");
            return this;
        }

        /**
         * @param fallback what to do when a client's affinity names a backend that is gone or not eligible:
         *     {@link AffinityFallback#REPICK} (default) or {@link AffinityFallback#REJECT} (503)
         * @return this
         */
        public Builder affinityFallback(AffinityFallback fallback) {
            this.affinityFallback = requireNonNull(fallback, "fallback");
            return this;
        }

        /**
         * @param connections the most proxied connections at once over all backends (each backend also has its
         *     own {@link Backend#maxConnections()}); beyond it clients get 503 with {@code Retry-After}; 0 (the
         *     default) for no limit
         * @return this
         */
        public Builder maxConnections(int connections) {
            if (connections < 0) {
                throw new IllegalArgumentException("maxConnections must be 0 (no limit) or more, got " + connections);
            }
            this.maxConnections = connections;
            return this;
        }

        /**
         * @param policy passive health: when consecutive connect or upgrade failures eject a backend;
         *     {@link OutlierDetection#defaults()} unless set, {@link OutlierDetection#disabled()} to turn it off
         * @return this
         */
        public Builder outlierDetection(OutlierDetection policy) {
            this.outlierDetection = requireNonNull(policy, "policy");
            return this;
        }

        /**
         * @param window how long a backend that was just added, resumed or became healthy again takes to reach
         *     its full share of new connections, rising from 10 %; zero (the default) for at once
         * @return this
         */
        public Builder slowStart(Duration window) {
            requireNonNull(window, "window");
            if (window.isNegative()) {
                throw new IllegalArgumentException("slowStart must not be negative, got " + window);
            }
            this.slowStart = window;
            return this;
        }

        /**
         * @param interval liveness of long-lived connections: a side (client or backend) that sent nothing for
         *     this long gets a ping; if it still sends nothing (not even the pong) for another interval, its
         *     socket is taken for dead (half-open TCP, a frozen peer) and closed, and the other side gets a close
         *     frame (1001 to a backend, 1011 to a client). Pings and pongs count as traffic for the idle timeout.
         *     Zero (the default) for no pings; otherwise at least 100 ms
         * @return this
         */
        public Builder pingInterval(Duration interval) {
            requireNonNull(interval, "interval");
            if (interval.isNegative() || (!interval.isZero() && interval.compareTo(Duration.ofMillis(100)) < 0)) {
                throw new IllegalArgumentException("pingInterval must be zero (off) or at least 100ms, got " + interval);
            }
            this.pingInterval = interval;
            return this;
        }

        /**
         * @param perSecond handshakes one client address (see {@link HandshakeRequest#clientAddress()}) may start
         *     per second on average, in bursts of up to as many; beyond it the client gets 429 with
         *     {@code Retry-After} before anything else is done; 0 (the default) for no limit
         * @return this
         */
        public Builder maxHandshakesPerClientPerSecond(int perSecond) {
            if (perSecond < 0) {
                throw new IllegalArgumentException("maxHandshakesPerClientPerSecond must be 0 (no limit) or more, got " + perSecond);
            }
            this.maxHandshakesPerClientPerSecond = perSecond;
            return this;
        }

        /**
         * Caps the connections one client address (see {@link HandshakeRequest#clientAddress()}) may hold at once,
         * counting those still being set up: beyond it the client gets 429 before any backend is contacted.
         *
         * <pre>{@code
         * builder.maxConnectionsPerClient(100).maxPendingHandshakesPerClient(10).maxPendingHandshakes(2000);
         * }</pre>
         *
         * @param connections the cap, 0 (the default) for none
         * @return this
         */
        public Builder maxConnectionsPerClient(int connections) {
            this.maxConnectionsPerClient = capOrZero(connections, "maxConnectionsPerClient");
            return this;
        }

        /**
         * @param handshakes handshakes that may be pending at once (admitted, waiting for the guard or a backend's
         *     101), all clients together; beyond it new ones get 503 with {@code Retry-After}. 0 (the default): no cap
         * @return this
         */
        public Builder maxPendingHandshakes(int handshakes) {
            this.maxPendingHandshakes = capOrZero(handshakes, "maxPendingHandshakes");
            return this;
        }

        /**
         * @param handshakes handshakes one client address may have pending at once; beyond it the client gets 429.
         *     0 (the default): no cap
         * @return this
         */
        public Builder maxPendingHandshakesPerClient(int handshakes) {
            this.maxPendingHandshakesPerClient = capOrZero(handshakes, "maxPendingHandshakesPerClient");
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
        public Builder shutdownWindow(Duration window) {
            requireNonNull(window, "window");
            if (window.isNegative()) {
                throw new IllegalArgumentException("shutdownWindow must not be negative, got " + window);
            }
            this.shutdownWindow = window;
            return this;
        }

        /**
         * @param guard decides whether a valid handshake may go on, before any backend is contacted: an
         *     authentication hook (401/403), an {@link HandshakeGuard#originIn Origin allow-list}, or
         *     {@link HandshakeGuard#allOf several}; {@link HandshakeGuard#allowAll()} unless set
         * @return this
         */
        public Builder guard(HandshakeGuard guard) {
            this.guard = requireNonNull(guard, "guard");
            return this;
        }

        /**
         * @param check the active health check the server adapter runs against every backend; none unless set
         * @return this
         */
        public Builder healthCheck(HealthCheck check) {
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
        public Builder backendTls(SSLContext context) {
            this.backendTls = requireNonNull(context, "context");
            return this;
        }

        /**
         * @param ticker the clock of ejections and slow starts; {@link Ticker#system()} unless set (tests pass a
         *     fake one)
         * @return this
         */
        public Builder ticker(Ticker ticker) {
            this.ticker = requireNonNull(ticker, "ticker");
            return this;
        }

        /**
         * @return the balancer
         * @throws IllegalStateException when the strategy is missing or settings conflict
         */
        public WebSocketLoadBalancer build() {
            if (strategy == null) {
                throw new IllegalStateException("strategy is required, e.g. .strategy(BalancingStrategies.roundRobin())");
            }
            if (pool != null && !backends.isEmpty()) {
                throw new IllegalStateException("set either pool(...) or backend(...), not both");
            }
            boolean needsStore = affinity.needsSessionStore();
            if (needsStore && sessionStore == null && !strategy.usesAffinityKey()) {
                throw new IllegalStateException("affinity " + affinity + " needs a sessionStore, e.g. "
                    + ".sessionStore(SessionStores.inMemory(Duration.ofHours(1))), or a strategy that hashes the key, "
                    + "e.g. BalancingStrategies.consistentHash()");
            }
            if (!needsStore && sessionStore != null) {
                throw new IllegalStateException("sessionStore is set but affinity " + affinity
                    + " stores no keys: drop the store (or choose a resolver whose keys are stored)");
            }
            if (messageLimit() < frameLimit()) {
                throw new IllegalStateException("maxMessageSize (" + maxMessageSize + ") is below maxFrameSize ("
                    + maxFrameSize + "): a frame is part of a message; lower maxFrameSize or raise maxMessageSize");
            }
            BackendPool effective = pool != null ? pool : BackendPool.of(backends, ticker);
            return new WebSocketLoadBalancer(this, effective, strategy);
        }

        private static int capOrZero(int value, String name) {
            if (value < 0) {
                throw new IllegalArgumentException(name + " must be 0 (no cap) or more, got " + value);
            }
            return value;
        }

        private static Duration positive(Duration d, String name) {
            requireNonNull(d, name);
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + " must be positive, got " + d);
            }
            return d;
        }
    }
}
