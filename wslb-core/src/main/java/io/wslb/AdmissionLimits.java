package io.wslb;

import static java.util.Objects.requireNonNull;

import java.util.OptionalInt;

/**
 * How many connections and handshakes the balancer admits, checked before any backend is contacted: caps on
 * connections and on handshakes waiting for a backend's answer (all clients together and per client address, see
 * {@link HandshakeRequest#clientAddress()}), and a rate of handshakes per client. An empty value has no cap; start
 * from {@link #unlimited()} and set the ones you need.
 *
 * <pre>{@code
 * WebSocketLoadBalancer lb = WebSocketLoadBalancer.builder()
 *     .backend(Backend.of("a", URI.create("ws://10.0.0.1:3000")))
 *     .strategy(BalancingStrategies.leastConnections())
 *     .admissionLimits(AdmissionLimits.unlimited()
 *         .withMaxConnections(50_000)
 *         .withMaxConnectionsPerClient(100)
 *         .withMaxPendingHandshakesPerClient(10)
 *         .withMaxHandshakesPerClientPerSecond(20))
 *     .build();
 * }</pre>
 *
 * @param maxConnections the most proxied connections at once over all backends (each backend also has its own
 *     {@link Backend#maxConnections()}); beyond it clients get 503 with {@code Retry-After}
 * @param maxConnectionsPerClient connections one client address may hold at once, counting those still being set
 *     up; beyond it the client gets 429
 * @param maxPendingHandshakes handshakes that may be pending at once (admitted, waiting for the guard or a
 *     backend's 101), all clients together; beyond it new ones get 503 with {@code Retry-After}
 * @param maxPendingHandshakesPerClient handshakes one client address may have pending at once; beyond it the
 *     client gets 429
 * @param maxHandshakesPerClientPerSecond handshakes one client address may start per second on average, in bursts
 *     of up to as many; beyond it the client gets 429 with {@code Retry-After} before anything else is done
 */
public record AdmissionLimits(OptionalInt maxConnections, OptionalInt maxConnectionsPerClient,
                              OptionalInt maxPendingHandshakes, OptionalInt maxPendingHandshakesPerClient,
                              OptionalInt maxHandshakesPerClientPerSecond) {

    private static final AdmissionLimits UNLIMITED = new AdmissionLimits(OptionalInt.empty(), OptionalInt.empty(),
        OptionalInt.empty(), OptionalInt.empty(), OptionalInt.empty());

    /** Validates every component: a limit that is present is 1 or more (a limit of 0 would refuse everyone). */
    public AdmissionLimits {
        positiveIfPresent(maxConnections, "maxConnections");
        positiveIfPresent(maxConnectionsPerClient, "maxConnectionsPerClient");
        positiveIfPresent(maxPendingHandshakes, "maxPendingHandshakes");
        positiveIfPresent(maxPendingHandshakesPerClient, "maxPendingHandshakesPerClient");
        positiveIfPresent(maxHandshakesPerClientPerSecond, "maxHandshakesPerClientPerSecond");
    }

    /** @return no cap and no rate limit: the default */
    public static AdmissionLimits unlimited() {
        return UNLIMITED;
    }

    /**
     * @param connections the most proxied connections at once over all backends; 1 or more
     * @return a copy with this cap
     */
    public AdmissionLimits withMaxConnections(int connections) {
        return new AdmissionLimits(OptionalInt.of(connections), maxConnectionsPerClient, maxPendingHandshakes,
            maxPendingHandshakesPerClient, maxHandshakesPerClientPerSecond);
    }

    /**
     * @param connections connections one client address may hold at once, those being set up included; 1 or more
     * @return a copy with this cap
     */
    public AdmissionLimits withMaxConnectionsPerClient(int connections) {
        return new AdmissionLimits(maxConnections, OptionalInt.of(connections), maxPendingHandshakes,
            maxPendingHandshakesPerClient, maxHandshakesPerClientPerSecond);
    }

    /**
     * @param handshakes handshakes that may be pending at once, all clients together; 1 or more
     * @return a copy with this cap
     */
    public AdmissionLimits withMaxPendingHandshakes(int handshakes) {
        return new AdmissionLimits(maxConnections, maxConnectionsPerClient, OptionalInt.of(handshakes),
            maxPendingHandshakesPerClient, maxHandshakesPerClientPerSecond);
    }

    /**
     * @param handshakes handshakes one client address may have pending at once; 1 or more
     * @return a copy with this cap
     */
    public AdmissionLimits withMaxPendingHandshakesPerClient(int handshakes) {
        return new AdmissionLimits(maxConnections, maxConnectionsPerClient, maxPendingHandshakes,
            OptionalInt.of(handshakes), maxHandshakesPerClientPerSecond);
    }

    /**
     * @param perSecond handshakes one client address may start per second on average; 1 or more
     * @return a copy with this rate
     */
    public AdmissionLimits withMaxHandshakesPerClientPerSecond(int perSecond) {
        return new AdmissionLimits(maxConnections, maxConnectionsPerClient, maxPendingHandshakes,
            maxPendingHandshakesPerClient, OptionalInt.of(perSecond));
    }

    private static void positiveIfPresent(OptionalInt limit, String name) {
        requireNonNull(limit, name);
        if (limit.isPresent() && limit.getAsInt() < 1) {
            throw new IllegalArgumentException(name + " must be 1 or more (AdmissionLimits.unlimited() has no cap), got "
                + limit.getAsInt());
        }
    }
}
