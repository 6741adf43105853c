package io.wslb;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * Active health: how the server adapter probes every backend, off the request path. An {@link Kind#HTTP} check
 * sends {@code GET path} (over {@code http://} for a {@code ws://} backend, {@code https://} for {@code wss://})
 * and expects a 2xx; a {@link Kind#WEBSOCKET} check performs a real upgrade on {@code path}, optionally sends a
 * ping and expects the pong, then closes with 1000. A probe that fails or takes longer than {@code timeout}
 * counts as a failure; {@code fall} failures in a row mark the backend unhealthy
 * ({@link BackendPool#markUnhealthy}), {@code rise} successes in a row mark it healthy again. Probes run every
 * {@code interval}, each one moved at random by up to {@code jitter} of it, so that many balancers do not probe in
 * step.
 *
 * <pre>{@code
 * WebSocketLoadBalancer lb = WebSocketLoadBalancer.builder()
 *     .backend(Backend.of("a", URI.create("ws://10.0.0.1:3000")))
 *     .backend(Backend.of("b", URI.create("ws://10.0.0.2:3000")))
 *     .strategy(BalancingStrategies.roundRobin())
 *     .healthCheck(HealthCheck.webSocket("/ws").withPing(true).withInterval(Duration.ofSeconds(2)))
 *     .build();
 * }</pre>
 *
 * @param kind HTTP GET or WebSocket upgrade
 * @param path the request path (and query), starting with {@code /}; it replaces the backend URI's path
 * @param interval time between two probes of one backend, at least 100 ms
 * @param timeout how long a probe may take, more than zero and at most {@code interval}
 * @param rise successes in a row that make an unhealthy backend healthy, 1 or more
 * @param fall failures in a row that make a healthy backend unhealthy, 1 or more
 * @param jitter the largest random shift of a probe, as a share of {@code interval}, from 0 to 0.5
 * @param ping for a WebSocket check: send a ping after the upgrade and expect its pong within the timeout
 */
public record HealthCheck(Kind kind, String path, Duration interval, Duration timeout, int rise, int fall, double jitter,
                          boolean ping) {

    /** How a backend is probed. */
    public enum Kind {
        /** {@code GET path}, expecting a 2xx. */
        HTTP,
        /** A WebSocket upgrade on {@code path}, expecting a valid 101. */
        WEBSOCKET
    }

    /** Validates every component; see the record's description for the rules. */
    public HealthCheck {
        requireNonNull(kind, "kind");
        requireNonNull(path, "path");
        requireNonNull(interval, "interval");
        requireNonNull(timeout, "timeout");
        if (!path.startsWith("/") || path.chars().anyMatch(c -> c <= ' ' || c == 0x7f || c == '#')) {
            throw new IllegalArgumentException("health check path must start with / and hold no spaces, controls or #, got '"
                + path + "'");
        }
        if (interval.compareTo(Duration.ofMillis(100)) < 0) {
            throw new IllegalArgumentException("health check interval must be at least 100ms, got " + interval);
        }
        if (timeout.isNegative() || timeout.isZero() || timeout.compareTo(interval) > 0) {
            throw new IllegalArgumentException("health check timeout must be more than zero and at most the interval ("
                + interval + "), got " + timeout);
        }
        if (rise < 1 || fall < 1) {
            throw new IllegalArgumentException("health check rise and fall must be 1 or more, got rise " + rise + ", fall " + fall);
        }
        if (!(jitter >= 0 && jitter <= 0.5)) {
            throw new IllegalArgumentException("health check jitter must be from 0 to 0.5, got " + jitter);
        }
        if (ping && kind != Kind.WEBSOCKET) {
            throw new IllegalArgumentException("a ping needs a WebSocket health check");
        }
    }

    /**
     * @param path the path to GET, e.g. {@code /health}
     * @return an HTTP check: every 5 s, 2 s timeout, rise 2, fall 3, jitter 10 %
     */
    public static HealthCheck http(String path) {
        return new HealthCheck(Kind.HTTP, path, Duration.ofSeconds(5), Duration.ofSeconds(2), 2, 3, 0.1, false);
    }

    /**
     * @param path the path to upgrade on, e.g. {@code /ws}
     * @return a WebSocket check: every 5 s, 2 s timeout, rise 2, fall 3, jitter 10 %, no ping
     */
    public static HealthCheck webSocket(String path) {
        return new HealthCheck(Kind.WEBSOCKET, path, Duration.ofSeconds(5), Duration.ofSeconds(2), 2, 3, 0.1, false);
    }

    /**
     * @param interval time between two probes; the timeout shrinks to it if it was longer
     * @return a copy with this interval
     */
    public HealthCheck withInterval(Duration interval) {
        requireNonNull(interval, "interval");
        return new HealthCheck(kind, path, interval, timeout.compareTo(interval) > 0 ? interval : timeout, rise, fall,
            jitter, ping);
    }

    /**
     * @param timeout how long a probe may take
     * @return a copy with this timeout
     */
    public HealthCheck withTimeout(Duration timeout) {
        return new HealthCheck(kind, path, interval, timeout, rise, fall, jitter, ping);
    }

    /**
     * @param rise successes in a row to become healthy
     * @param fall failures in a row to become unhealthy
     * @return a copy with these thresholds
     */
    public HealthCheck withThresholds(int rise, int fall) {
        return new HealthCheck(kind, path, interval, timeout, rise, fall, jitter, ping);
    }

    /**
     * @param jitter the largest random shift of a probe, as a share of the interval (0 to 0.5)
     * @return a copy with this jitter
     */
    public HealthCheck withJitter(double jitter) {
        return new HealthCheck(kind, path, interval, timeout, rise, fall, jitter, ping);
    }

    /**
     * @param ping whether a WebSocket check also sends a ping and waits for the pong
     * @return a copy with this setting
     */
    public HealthCheck withPing(boolean ping) {
        return new HealthCheck(kind, path, interval, timeout, rise, fall, jitter, ping);
    }
}
