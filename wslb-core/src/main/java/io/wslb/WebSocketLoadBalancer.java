package io.wslb;

import io.wslb.internal.Admission;
import io.wslb.internal.BalancerAccess;
import io.wslb.internal.HandshakeRateLimiter;
import io.wslb.internal.Listeners;
import io.wslb.internal.RouterFactory;
import io.wslb.internal.RouterLimits;
import io.wslb.spi.ChannelHub;
import io.wslb.spi.Router;
import java.time.Duration;
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
 *     .timeouts(Timeouts.defaults().withIdle(Duration.ofMinutes(10)))
 *     .build();
 * server.setHandler(WebSocketLoadBalancerHandler.at("/ws", lb));
 * }</pre>
 */
public final class WebSocketLoadBalancer {

    /** Default {@link WebSocketLoadBalancerBuilder#maxAttempts}: 3. */
    public static final int DEFAULT_MAX_ATTEMPTS = 3;

    static {
        // Adapters reach the router and listeners through io.wslb.spi.LoadBalancerRuntime, not through this type.
        BalancerAccess.register(new BalancerAccess.Access() {
            @Override
            public Router router(WebSocketLoadBalancer balancer) {
                return balancer.router;
            }

            @Override
            public LoadBalancerListener events(WebSocketLoadBalancer balancer) {
                return balancer.events;
            }
        });
    }

    private final BackendPool pool;
    private final BalancingStrategy strategy;
    private final AffinityResolver affinity;
    private final @Nullable SessionStore sessionStore;
    private final Listeners events;
    private final Router router;
    private final Timeouts timeouts;
    private final FrameLimits frameLimits;
    private final AdmissionLimits admissionLimits;
    private final int maxAttempts;
    private final TrustedProxies trustedProxies;
    private final AffinityFallback affinityFallback;
    private final OutlierDetection outlierDetection;
    private final Duration slowStart;
    private final @Nullable HealthCheck healthCheck;
    private final HandshakeGuard guard;
    private final Duration shutdownWindow;
    private final @Nullable SSLContext backendTls;
    private final ChannelHub channels = new ChannelHub();

    WebSocketLoadBalancer(WebSocketLoadBalancerBuilder b, BackendPool pool, BalancingStrategy strategy) {
        this.pool = pool;
        this.strategy = strategy;
        this.affinity = b.affinity;
        this.sessionStore = b.sessionStore;
        this.events = new Listeners(List.copyOf(b.listeners));
        this.timeouts = b.timeouts;
        this.frameLimits = b.frameLimits;
        this.admissionLimits = b.admissionLimits;
        this.maxAttempts = b.maxAttempts;
        this.trustedProxies = b.trustedProxies;
        this.affinityFallback = b.affinityFallback;
        this.outlierDetection = b.outlierDetection;
        this.slowStart = b.slowStart;
        this.healthCheck = b.healthCheck;
        this.guard = b.guard;
        this.shutdownWindow = b.shutdownWindow;
        this.backendTls = b.backendTls;
        this.router = RouterFactory.get().create(pool, pool.control(), strategy, affinity, sessionStore, maxAttempts, events, affinityFallback,
            new RouterLimits(admissionLimits.maxConnections().orElse(0), outlierDetection, slowStart, guard,
                rateLimiter(admissionLimits, b.ticker), admission(admissionLimits)));
    }

    private static @Nullable HandshakeRateLimiter rateLimiter(AdmissionLimits limits, Ticker ticker) {
        return limits.maxHandshakesPerClientPerSecond().isPresent()
            ? new HandshakeRateLimiter(limits.maxHandshakesPerClientPerSecond().getAsInt(), ticker) : null;
    }

    /** The pending-handshake and per-client counts, kept only when one of them is capped (0 is no cap in Admission). */
    private static @Nullable Admission admission(AdmissionLimits limits) {
        if (limits.maxPendingHandshakes().isEmpty() && limits.maxPendingHandshakesPerClient().isEmpty()
            && limits.maxConnectionsPerClient().isEmpty()) {
            return null;
        }
        return new Admission(limits.maxPendingHandshakes().orElse(0), limits.maxPendingHandshakesPerClient().orElse(0),
            limits.maxConnectionsPerClient().orElse(0));
    }

    /** @return a new builder */
    public static WebSocketLoadBalancerBuilder builder() {
        return new WebSocketLoadBalancerBuilder();
    }

    /**
     * @return the balancer's channels: publish to the clients a backend tagged with a channel (see {@link Channels})
     */
    public Channels channels() {
        return channels;
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

    /**
     * @return the TLS context for {@code wss://} backends (trust anchors, and the client certificate if any), or
     *     null for the JDK's default trust store and no client certificate
     */
    public @Nullable SSLContext backendTls() {
        return backendTls;
    }

    /** @return the connect, upgrade, idle and close timeouts and the liveness ping interval */
    public Timeouts timeouts() {
        return timeouts;
    }

    /** @return the largest frame and message a client may send */
    public FrameLimits frameLimits() {
        return frameLimits;
    }

    /** @return the caps on connections and pending handshakes, and the per-client handshake rate */
    public AdmissionLimits admissionLimits() {
        return admissionLimits;
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

    /** @return the passive health policy */
    public OutlierDetection outlierDetection() {
        return outlierDetection;
    }

    /** @return how long a new or recovered backend takes to reach its full share; zero when off */
    public Duration slowStart() {
        return slowStart;
    }

    /** @return how long a server stop spreads the closing of the proxied connections over; zero for at once */
    public Duration shutdownWindow() {
        return shutdownWindow;
    }

    /** @return what decides whether a handshake may go on before any backend is contacted */
    public HandshakeGuard guard() {
        return guard;
    }

    /** @return the active health check the server adapter runs, or null for none */
    public @Nullable HealthCheck healthCheck() {
        return healthCheck;
    }

    @Override
    public String toString() {
        return "WebSocketLoadBalancer{pool=" + pool + ", strategy=" + strategy + ", affinity=" + affinity + "}";
    }
}
