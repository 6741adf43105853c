package io.wslb.jetty.internal;

import io.wslb.CloseCause;
import io.wslb.WebSocketLoadBalancer;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * What every connection of one mounted balancer shares: the balancer, the server's executor, scheduler and
 * buffer pool, the backend connector, and the set of live tunnels (for shutdown and figures).
 */
public final class ProxyContext {

    /** Bytes read from a socket at a time; a buffer is held only while data flows. */
    static final int BUFFER_SIZE = 16 * 1024;

    private final WebSocketLoadBalancer balancer;
    private final Executor executor;
    private final Scheduler scheduler;
    private final ByteBufferPool bufferPool;
    private final BackendConnector connector;
    private final Set<WebSocketTunnel> tunnels = ConcurrentHashMap.newKeySet();

    public ProxyContext(WebSocketLoadBalancer balancer, Executor executor, Scheduler scheduler, ByteBufferPool bufferPool,
                        BackendConnector connector) {
        this.balancer = balancer;
        this.executor = executor;
        this.scheduler = scheduler;
        this.bufferPool = bufferPool;
        this.connector = connector;
    }

    public WebSocketLoadBalancer balancer() {
        return balancer;
    }

    Executor executor() {
        return executor;
    }

    Scheduler scheduler() {
        return scheduler;
    }

    ByteBufferPool bufferPool() {
        return bufferPool;
    }

    int bufferSize() {
        return BUFFER_SIZE;
    }

    BackendConnector connector() {
        return connector;
    }

    Duration idleTimeout() {
        return balancer.idleTimeout();
    }

    long maxFrameSize() {
        return balancer.maxFrameSize();
    }

    long maxMessageSize() {
        return balancer.maxMessageSize();
    }

    void register(WebSocketTunnel tunnel) {
        tunnels.add(tunnel);
    }

    void unregister(WebSocketTunnel tunnel) {
        tunnels.remove(tunnel);
    }

    /** @return proxied connections open now (past both handshakes, not yet closed) */
    public int openTunnels() {
        return tunnels.size();
    }

    /**
     * Ends every proxied connection with a 1001 close to both sides.
     *
     * @param reason the close reason sent
     */
    public void closeAll(String reason) {
        for (WebSocketTunnel tunnel : tunnels) {
            tunnel.end(CloseCause.SHUTDOWN, reason);
        }
    }
}
