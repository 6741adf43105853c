package io.wslb;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * How long each stage of a proxied connection may take, and how soon a silent peer is probed: the TCP (and TLS)
 * connect to a backend, the backend's answer to the upgrade, a connection carrying no traffic, the closing
 * handshake, and the liveness ping. Start from {@link #defaults()} and change what differs.
 *
 * <pre>{@code
 * WebSocketLoadBalancer lb = WebSocketLoadBalancer.builder()
 *     .backend(Backend.of("a", URI.create("ws://10.0.0.1:3000")))
 *     .strategy(BalancingStrategies.leastConnections())
 *     .timeouts(Timeouts.defaults().withIdle(Duration.ofMinutes(10)).withPingInterval(Duration.ofSeconds(30)))
 *     .build();
 * }</pre>
 *
 * @param connect how long a TCP (and TLS) connect to a backend may take before the next backend is tried;
 *     positive; default 5 s
 * @param upgrade how long a connected backend may take to answer the upgrade before the next backend is tried;
 *     positive; default 10 s
 * @param idle how long a proxied connection may carry no traffic either way before both sides get a 1001 close;
 *     positive; default 5 minutes
 * @param close how long the closing handshake may take: once a close frame from either side has been relayed,
 *     the other side has this long to answer it and both to end the connection; then the proxy closes both sockets
 *     (the connection is reported closed with the cause of the side that sent the first close frame). No timer
 *     runs before the first close frame. Positive; default 5 s, ample for a live peer to answer across the world,
 *     short enough that peers which never answer do not pile up (HAProxy's {@code timeout client-fin} plays this
 *     part)
 * @param pingInterval liveness of long-lived connections: a side (client or backend) that sent nothing for this
 *     long gets a ping; if it still sends nothing (not even the pong) for another interval, its socket is taken for
 *     dead (half-open TCP, a frozen peer) and closed, and the other side gets a close frame (1001 to a backend,
 *     1011 to a client). Pings and pongs count as traffic for the idle timeout. Zero (the default) for no pings;
 *     otherwise at least 100 ms
 */
public record Timeouts(Duration connect, Duration upgrade, Duration idle, Duration close, Duration pingInterval) {

    private static final Duration MIN_PING_INTERVAL = Duration.ofMillis(100);
    private static final Timeouts DEFAULTS = new Timeouts(Duration.ofSeconds(5), Duration.ofSeconds(10),
        Duration.ofMinutes(5), Duration.ofSeconds(5), Duration.ZERO);

    /** Validates every component; the messages name the setting as the launcher's flags do. */
    public Timeouts {
        positive(connect, "connectTimeout");
        positive(upgrade, "upgradeTimeout");
        positive(idle, "idleTimeout");
        positive(close, "closeTimeout");
        requireNonNull(pingInterval, "pingInterval");
        if (pingInterval.isNegative() || (!pingInterval.isZero() && pingInterval.compareTo(MIN_PING_INTERVAL) < 0)) {
            throw new IllegalArgumentException("pingInterval must be zero (off) or at least 100ms, got " + pingInterval);
        }
    }

    /** @return connect 5 s, upgrade 10 s, idle 5 minutes, close 5 s, no pings */
    public static Timeouts defaults() {
        return DEFAULTS;
    }

    /**
     * @param connect how long a TCP (and TLS) connect to a backend may take; positive
     * @return a copy with this connect timeout
     */
    public Timeouts withConnect(Duration connect) {
        return new Timeouts(connect, upgrade, idle, close, pingInterval);
    }

    /**
     * @param upgrade how long a connected backend may take to answer the upgrade; positive
     * @return a copy with this upgrade timeout
     */
    public Timeouts withUpgrade(Duration upgrade) {
        return new Timeouts(connect, upgrade, idle, close, pingInterval);
    }

    /**
     * @param idle how long a proxied connection may carry no traffic either way; positive
     * @return a copy with this idle timeout
     */
    public Timeouts withIdle(Duration idle) {
        return new Timeouts(connect, upgrade, idle, close, pingInterval);
    }

    /**
     * @param close how long the closing handshake may take from the first close frame relayed; positive
     * @return a copy with this close timeout
     */
    public Timeouts withClose(Duration close) {
        return new Timeouts(connect, upgrade, idle, close, pingInterval);
    }

    /**
     * @param pingInterval how long a side may stay silent before it is pinged; zero for no pings, else at least
     *     100 ms
     * @return a copy with this ping interval
     */
    public Timeouts withPingInterval(Duration pingInterval) {
        return new Timeouts(connect, upgrade, idle, close, pingInterval);
    }

    private static void positive(Duration d, String name) {
        requireNonNull(d, name);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be positive, got " + d);
        }
    }
}
