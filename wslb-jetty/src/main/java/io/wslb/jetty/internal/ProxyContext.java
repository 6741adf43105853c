package io.wslb.jetty.internal;

import io.wslb.CloseCause;
import io.wslb.HealthCheck;
import io.wslb.LoadBalancerListener;
import io.wslb.WebSocketLoadBalancer;
import io.wslb.jetty.internal.drain.BackendDrain;
import io.wslb.jetty.internal.drain.SpreadClose;
import io.wslb.jetty.internal.health.HealthChecker;
import io.wslb.jetty.internal.io.BackendConnector;
import io.wslb.jetty.internal.tunnel.FrameRules;
import io.wslb.jetty.internal.tunnel.WebSocketTunnel;
import io.wslb.spi.ChannelHub;
import io.wslb.spi.LoadBalancerRuntime;
import io.wslb.spi.Router;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.component.LifeCycle;
import org.eclipse.jetty.util.thread.Scheduler;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every connection of one mounted balancer shares: the balancer, the server's executor, scheduler and
 * buffer pool, the backend connector, and the set of live tunnels (for shutdown and figures).
 */
public final class ProxyContext {

    /** How long a server stop waits for proxied connections to finish closing, at most. */
    static final long STOP_GRACE_MILLIS = 1_000;

    private static final Logger LOG = LoggerFactory.getLogger(ProxyContext.class);

    /**
     * Bytes read from a socket at a time; a buffer is held only while data flows. 64 KiB is the largest size the
     * server's default pool keeps: smaller buffers cost more CPU per large message and save nothing for small ones,
     * and larger ones are not pooled.
     */
    static final int BUFFER_SIZE = 64 * 1024;

    private final WebSocketLoadBalancer balancer;
    private final LoadBalancerListener events;
    private final ChannelHub channels;
    private final Router router;
    private final Executor executor;
    private final Scheduler scheduler;
    private final ByteBufferPool bufferPool;
    private final BackendConnector connector;
    private final Set<WebSocketTunnel> tunnels = ConcurrentHashMap.newKeySet();
    private final BackendDrain drain = new BackendDrain(this);
    private @Nullable HealthChecker healthChecker;
    private final FrameRules[] clientRules;
    private final FrameRules[] backendRules;
    private final LifeCycle.Listener serverStopping = new LifeCycle.Listener() {
        @Override
        public void lifeCycleStopping(LifeCycle event) {
            // Jetty closes its connectors right after this event when it has no stop timeout: give the tunnels
            // a moment to write their close frames (a relay busy on a selector thread writes it when it is done).
            try {
                shutdown().get(STOP_GRACE_MILLIS, TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                LOG.debug("{} proxied connections still closing when the server stopped", tunnels.size());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException e) {
                LOG.debug("shutdown failed", e);
            }
        }
    };
    private volatile boolean shuttingDown;
    private volatile @Nullable CompletableFuture<Void> drained;
    private @Nullable Server server;

    public ProxyContext(WebSocketLoadBalancer balancer, Executor executor, Scheduler scheduler, ByteBufferPool bufferPool,
                        BackendConnector connector) {
        this.balancer = balancer;
        LoadBalancerRuntime runtime = LoadBalancerRuntime.of(balancer);
        this.router = runtime.router();
        this.events = runtime.events();
        this.channels = runtime.channels();
        this.executor = executor;
        this.scheduler = scheduler;
        this.bufferPool = bufferPool;
        this.connector = connector;
        this.clientRules = ruleSet(true, balancer.frameLimits().maxFrameSize(), balancer.frameLimits().maxMessageSize());
        this.backendRules = ruleSet(false, Long.MAX_VALUE, Long.MAX_VALUE);
    }

    /**
     * The shared frame rules of one direction, for the reserved bits that the negotiated extensions allow.
     *
     * @param fromClient true for the client-to-backend direction (masked frames, size limits)
     * @param rsvFirst reserved bits allowed on a message's first frame
     * @param rsvContinuation reserved bits allowed on continuation frames
     * @return rules shared by every tunnel with the same extensions
     */
    public FrameRules rules(boolean fromClient, int rsvFirst, int rsvContinuation) {
        FrameRules[] set = fromClient ? clientRules : backendRules;
        for (FrameRules r : set) {
            if (r.rsvFirstFrame() == rsvFirst && r.rsvContinuation() == rsvContinuation) {
                return r;
            }
        }
        return fromClient
            ? new FrameRules(true, balancer.frameLimits().maxFrameSize(), balancer.frameLimits().maxMessageSize(), rsvFirst, rsvContinuation)
            : new FrameRules(false, Long.MAX_VALUE, Long.MAX_VALUE, rsvFirst, rsvContinuation);
    }

    private static FrameRules[] ruleSet(boolean fromClient, long maxFrame, long maxMessage) {
        int[][] extensions = {{0, 0}, {FrameRules.RSV1, 0}, {FrameRules.RSV_ALL, FrameRules.RSV_ALL}};
        FrameRules[] set = new FrameRules[extensions.length];
        for (int i = 0; i < extensions.length; i++) {
            set[i] = new FrameRules(fromClient, maxFrame, maxMessage, extensions[i][0], extensions[i][1]);
        }
        return set;
    }

    public WebSocketLoadBalancer balancer() {
        return balancer;
    }

    /** @return the balancer's routing decision */
    public Router router() {
        return router;
    }

    /** @return the balancer's channels, where each tunnel registers */
    public ChannelHub channels() {
        return channels;
    }

    /** @return the balancer's listeners, for the events only the adapter sees (backend connect and upgrade times) */
    public LoadBalancerListener events() {
        return events;
    }

    public Executor executor() {
        return executor;
    }

    public Scheduler scheduler() {
        return scheduler;
    }

    public ByteBufferPool bufferPool() {
        return bufferPool;
    }

    public int bufferSize() {
        return BUFFER_SIZE;
    }

    public BackendConnector connector() {
        return connector;
    }

    public Duration idleTimeout() {
        return balancer.timeouts().idle();
    }

    public Duration pingInterval() {
        return balancer.timeouts().pingInterval();
    }

    public Duration closeTimeout() {
        return balancer.timeouts().close();
    }

    /** @return the live tunnels (a concurrent view) */
    public Set<WebSocketTunnel> tunnels() {
        return tunnels;
    }

    public void register(WebSocketTunnel tunnel) {
        tunnels.add(tunnel);
    }

    public void unregister(WebSocketTunnel tunnel) {
        tunnels.remove(tunnel);
        CompletableFuture<Void> waiting = drained;
        if (waiting != null && tunnels.isEmpty()) {
            waiting.complete(null);
        }
    }

    /**
     * Watches the server: as soon as it starts stopping, before its connectors close the client sockets, every
     * proxied connection gets its 1001 close frames and new handshakes get 503.
     *
     * @param server the server the balancer is mounted in
     */
    public void attach(Server server) {
        this.server = server;
        server.addEventListener(serverStopping);
        balancer.pool().addListener(drain);
        HealthCheck check = balancer.healthCheck();
        if (check != null) {
            HealthChecker checker = new HealthChecker(check, balancer.pool(), scheduler, executor, balancer.backendTls());
            healthChecker = checker;
            checker.start();
        }
    }

    /** Stops watching the server. */
    public void detach() {
        balancer.pool().removeListener(drain);
        HealthChecker checker = healthChecker;
        if (checker != null) {
            checker.stop();
            healthChecker = null;
        }
        Server s = server;
        if (s != null) {
            s.removeEventListener(serverStopping);
        }
        server = null;
    }

    /** @return true once shutdown began: new handshakes are answered 503 */
    public boolean isShuttingDown() {
        return shuttingDown;
    }

    /**
     * Begins the graceful shutdown: new handshakes get 503, every proxied connection gets a 1001 close frame on
     * both sides. Idempotent.
     *
     * @return completes when no proxied connection is left (within the linger time of their closing)
     */
    public CompletableFuture<Void> shutdown() {
        CompletableFuture<Void> waiting;
        synchronized (this) {
            waiting = drained;
            if (waiting == null) {
                waiting = drained = new CompletableFuture<>();
                shuttingDown = true;
            }
        }
        closeAll("server stopping");
        if (tunnels.isEmpty()) {
            waiting.complete(null);
        }
        return waiting;
    }

    /** @return proxied connections open now (past both handshakes, not yet closed) */
    public int openTunnels() {
        return tunnels.size();
    }

    /**
     * Ends every proxied connection with a 1001 close to both sides, spread over the balancer's shutdown window
     * (at once when it is zero).
     *
     * @param reason the close reason sent
     */
    public void closeAll(String reason) {
        SpreadClose.close(List.copyOf(tunnels), balancer.shutdownWindow(), CloseCause.SHUTDOWN, reason, scheduler);
    }
}
