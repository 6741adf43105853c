package io.wslb.strategies;

import static org.assertj.core.api.Assertions.assertThat;

import io.wslb.Backend;
import io.wslb.BalancingStrategy;
import io.wslb.CloseCause;
import io.wslb.HandshakeRequest;
import io.wslb.WebSocketLoadBalancer;
import io.wslb.spi.LoadBalancerRuntime;
import io.wslb.spi.Route;
import java.net.URI;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The load-aware strategies balance the cluster's connections, not only this instance's. */
class ClusterCountsTest {

    static List<Object[]> loadAware() {
        return List.<Object[]>of(
            new Object[] {"least-connections", (Supplier<BalancingStrategy>) BalancingStrategies::leastConnections},
            new Object[] {"weighted-least-connections", (Supplier<BalancingStrategy>) BalancingStrategies::weightedLeastConnections},
            new Object[] {"power-of-two", (Supplier<BalancingStrategy>) BalancingStrategies::powerOfTwoChoices});
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("loadAware")
    void connectionsOtherInstancesHold_steerNewOnesToTheOtherBackend(String name, Supplier<BalancingStrategy> strategy) {
        WebSocketLoadBalancer lb = WebSocketLoadBalancer.builder().strategy(strategy.get())
            .backend(Backend.of("b1", URI.create("ws://127.0.0.1:1"))).backend(Backend.of("b2", URI.create("ws://127.0.0.1:2")))
            .build();
        // Another instance holds 100 connections to b1; this one holds none, so its local view alone would split.
        LoadBalancerRuntime.of(lb).peerConnections(Map.of("b1", 100));

        Map<String, Integer> picks = new HashMap<>();
        for (int i = 0; i < 100; i++) {
            Route route = LoadBalancerRuntime.of(lb).router().route(HandshakeRequest.builder().build()).toCompletableFuture().join();
            route.established();
            picks.merge(route.backend().id(), 1, Integer::sum);
        }

        assertThat(picks).as(name).containsExactly(Map.entry("b2", 100));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("loadAware")
    void withoutPeerCounts_theLocalViewSplits(String name, Supplier<BalancingStrategy> strategy) {
        WebSocketLoadBalancer lb = WebSocketLoadBalancer.builder().strategy(strategy.get())
            .backend(Backend.of("b1", URI.create("ws://127.0.0.1:1"))).backend(Backend.of("b2", URI.create("ws://127.0.0.1:2")))
            .build();
        LoadBalancerRuntime.of(lb).peerConnections(Map.of("b1", 100));
        LoadBalancerRuntime.of(lb).peerConnections(Map.of()); // the shared counts became unreachable

        Map<String, Integer> picks = new HashMap<>();
        for (int i = 0; i < 100; i++) {
            Route route = LoadBalancerRuntime.of(lb).router().route(HandshakeRequest.builder().build()).toCompletableFuture().join();
            route.established();
            picks.merge(route.backend().id(), 1, Integer::sum);
        }

        assertThat(picks.get("b1")).as(name).isBetween(45, 55);
        lb.pool().backends().forEach(b -> assertThat(b.activeConnections()).isBetween(45, 55));
    }

    @ParameterizedTest(name = "balance factor {0}")
    @MethodSource("factors")
    void boundedLoadConsistentHashing_countsTheClustersConnectionsAgainstItsBound(double factor) {
        WebSocketLoadBalancer lb = WebSocketLoadBalancer.builder().strategy(BalancingStrategies.consistentHash(factor))
            .affinity(AffinityResolvers.queryParameter("room"))
            .backend(Backend.of("b1", URI.create("ws://127.0.0.1:1"))).backend(Backend.of("b2", URI.create("ws://127.0.0.1:2")))
            .backend(Backend.of("b3", URI.create("ws://127.0.0.1:3")))
            .build();
        String key = "room-7";
        Route first = route(lb, key);
        String owner = first.backend().id();
        first.closed(CloseCause.CLIENT_CLOSED, 0, 0);
        // Other instances already hold far more than the bound (ceil(1,001 x factor / 3)) allows on the key's owner.
        LoadBalancerRuntime.of(lb).peerConnections(Map.of(owner, 1_000));

        Route next = route(lb, key);

        assertThat(next.backend().id()).as("the key moves off its overloaded owner").isNotEqualTo(owner);
    }

    static List<Double> factors() {
        return List.of(1.25, 2.0);
    }

    private static Route route(WebSocketLoadBalancer lb, String key) {
        HandshakeRequest request = HandshakeRequest.builder().path("/").query("room=" + key).build();
        Route route = LoadBalancerRuntime.of(lb).router().route(request).toCompletableFuture().join();
        route.established();
        return route;
    }
}
