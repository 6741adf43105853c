package io.wslb.jetty.e2e.affinity;

import static org.assertj.core.api.Assertions.assertThat;

import io.wslb.BalancingStrategy;
import io.wslb.WebSocketLoadBalancer;
import io.wslb.WebSocketLoadBalancerBuilder;
import io.wslb.jetty.testing.Closer;
import io.wslb.jetty.testing.EchoBackends;
import io.wslb.jetty.testing.EventLog;
import io.wslb.jetty.testing.LoadBalancerProxy;
import io.wslb.strategies.BalancingStrategies;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Weighted strategies through the proxy: exact proportions, interleaving, and weight 0 meaning "nothing new". */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WeightedStrategiesTest {

    private final Closer closer = new Closer();
    private final EventLog events = new EventLog();
    private EchoBackends backends;

    @AfterEach
    void stop() throws Exception {
        closer.close();
    }

    private LoadBalancerProxy proxy(BalancingStrategy strategy, int... weights) throws Exception {
        backends = closer.add(EchoBackends.start(weights.length));
        WebSocketLoadBalancerBuilder builder = WebSocketLoadBalancer.builder().strategy(strategy).listener(events);
        for (int i = 0; i < weights.length; i++) {
            builder.backend(backends.get(i).backend().withWeight(weights[i]));
        }
        return closer.add(LoadBalancerProxy.handler("/", builder.build()));
    }

    private static Map<String, Integer> count(List<String> landed) {
        Map<String, Integer> counts = new TreeMap<>();
        landed.forEach(b -> counts.merge(b, 1, Integer::sum));
        return counts;
    }

    @Test
    void weightedRoundRobin_threeToOne_overFortySequentialConnections_isExactly30To10_neverMoreThanThreeInARow() throws Exception {
        LoadBalancerProxy proxy = proxy(BalancingStrategies.weightedRoundRobin(), 3, 1);
        Probe probe = new Probe(proxy, backends);

        List<String> order = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            order.add(probe.land("/").backend());
        }
        assertThat(count(order)).as("order: %s", order).isEqualTo(Map.of("b1", 30, "b2", 10));
        int run = 0;
        int longest = 0;
        for (String b : order) {
            run = b.equals("b1") ? run + 1 : 0;
            longest = Math.max(longest, run);
        }
        assertThat(longest).as("longest run on the heavy backend in %s", order).isLessThanOrEqualTo(3);
        for (int cycle = 0; cycle < 10; cycle++) {
            assertThat(count(order.subList(cycle * 4, cycle * 4 + 4))).as("cycle %d of %s", cycle, order)
                .isEqualTo(Map.of("b1", 3, "b2", 1));
        }
        assertThat(events.chosen).as("one pick per connection, no retries").hasSize(40);
        proxy.awaitNothingOpen();
    }

    @Test
    void weightedLeastConnections_twoToOne_holdingThirtySequentialConnections_ends20To10() throws Exception {
        LoadBalancerProxy proxy = proxy(BalancingStrategies.weightedLeastConnections(), 2, 1);
        Probe probe = new Probe(proxy, backends);
        List<Probe.Open> held = new ArrayList<>();
        try {
            for (int i = 0; i < 30; i++) {
                held.add(probe.open("/"));
            }
            assertThat(backends.connectionsPerBackend()).isEqualTo(Map.of("b1", 20, "b2", 10));
            assertThat(proxy.activeConnections()).isEqualTo(Map.of("b1", 20, "b2", 10));
        } finally {
            for (Probe.Open o : held) {
                o.closeNormally();
            }
        }
        proxy.awaitNothingOpen();
    }

    @Test
    void weightedLeastConnections_twoToOne_thirtyConcurrentConnections_end20To10() throws Exception {
        LoadBalancerProxy proxy = proxy(BalancingStrategies.weightedLeastConnections(), 2, 1);
        Probe probe = new Probe(proxy, backends);
        List<CompletableFuture<Probe.Open>> pending = new ArrayList<>();
        try {
            for (int i = 0; i < 30; i++) {
                pending.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        return probe.open("/");
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }));
            }
            for (CompletableFuture<Probe.Open> p : pending) {
                p.get(20, TimeUnit.SECONDS);
            }
            assertThat(backends.connectionsPerBackend()).isEqualTo(Map.of("b1", 20, "b2", 10));
            assertThat(proxy.activeConnections()).isEqualTo(Map.of("b1", 20, "b2", 10));
        } finally {
            for (CompletableFuture<Probe.Open> p : pending) {
                p.exceptionally(t -> null).get(20, TimeUnit.SECONDS);
            }
            for (CompletableFuture<Probe.Open> p : pending) {
                Probe.Open o = p.getNow(null);
                if (o != null) {
                    o.closeNormally();
                }
            }
        }
        proxy.awaitNothingOpen();
    }

    /** A strategy and a name for it. */
    record Named(String name, Supplier<BalancingStrategy> strategy) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Named> everyStrategy() {
        return Stream.of(
            new Named("roundRobin", BalancingStrategies::roundRobin),
            new Named("weightedRoundRobin", BalancingStrategies::weightedRoundRobin),
            new Named("random", BalancingStrategies::random),
            new Named("weightedRandom", BalancingStrategies::weightedRandom),
            new Named("leastConnections", BalancingStrategies::leastConnections),
            new Named("weightedLeastConnections", BalancingStrategies::weightedLeastConnections),
            new Named("powerOfTwoChoices", BalancingStrategies::powerOfTwoChoices),
            new Named("consistentHash", BalancingStrategies::consistentHash),
            new Named("consistentHash(1.25)", () -> BalancingStrategies.consistentHash(1.25)),
            new Named("lowestScore(active connections)", () -> BalancingStrategies.lowestScore((b, ctx) -> b.activeConnections())));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("everyStrategy")
    void everyStrategy_sendsNothingToAWeightZeroBackend_andUsesTheOthers(Named named) throws Exception {
        backends = closer.add(EchoBackends.start(3));
        WebSocketLoadBalancer lb = WebSocketLoadBalancer.builder()
            .strategy(named.strategy().get())
            .listener(events)
            .affinity(ConsistentHashTest.hashedHeader("X-User")) // a key for consistent hashing; ignored by the others
            .backend(backends.get(0).backend())
            .backend(backends.get(1).backend().withWeight(0))
            .backend(backends.get(2).backend())
            .build();
        LoadBalancerProxy proxy = closer.add(LoadBalancerProxy.handler("/", lb));
        Probe probe = new Probe(proxy, backends);

        List<Probe.Open> held = new ArrayList<>();
        List<String> landed = new ArrayList<>();
        try {
            for (int i = 0; i < 60; i++) {
                Probe.Open o = probe.open("/", "X-User: user-" + i);
                landed.add(o.landing().backend());
                if (i % 2 == 0) {
                    held.add(o); // half held, so the connection-counting strategies see load
                } else {
                    o.closeNormally();
                }
            }
        } finally {
            for (Probe.Open o : held) {
                o.closeNormally();
            }
        }
        Map<String, Integer> counts = count(landed);
        assertThat(counts).as("60 connections with b2 at weight 0 (%s)", named).doesNotContainKey("b2")
            .containsOnlyKeys("b1", "b3");
        proxy.awaitNothingOpen();
    }
}
