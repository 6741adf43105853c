package io.wslb;

/**
 * What happens when a client's affinity names a backend that is gone or not eligible (removed, weight 0,
 * unhealthy, full).
 *
 * <pre>{@code
 * WebSocketLoadBalancer lb = WebSocketLoadBalancer.builder()
 *     .backend(Backend.of("a", URI.create("ws://10.0.0.1:3000")))
 *     .backend(Backend.of("b", URI.create("ws://10.0.0.2:3000")))
 *     .strategy(BalancingStrategies.roundRobin())
 *     .affinity(AffinityResolvers.appCookie("JSESSIONID"))
 *     .sessionStore(SessionStores.inMemory(Duration.ofHours(1)))
 *     .affinityFallback(AffinityFallback.REJECT)   // the session state lives on that backend only
 *     .build();
 * }</pre>
 */
public enum AffinityFallback {
    /** Pick another backend with the strategy and record it for the key (the default). */
    REPICK,
    /** Answer 503: the client must not land anywhere else (its state exists on that backend only). */
    REJECT
}
