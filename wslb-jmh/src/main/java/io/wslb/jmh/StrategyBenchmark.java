package io.wslb.jmh;

import io.wslb.Backend;
import io.wslb.BalancingStrategy;
import io.wslb.HandshakeRequest;
import io.wslb.LiveBackend;
import io.wslb.RoutingContext;
import io.wslb.WebSocketLoadBalancer;
import io.wslb.WebSocketLoadBalancerBuilder;
import io.wslb.spi.LoadBalancerRuntime;
import io.wslb.spi.Route;
import io.wslb.strategies.BalancingStrategies;
import java.net.URI;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The cost of one pick of a strategy among N eligible backends, as the router calls it. Every backend holds a
 * random number (1 to 100) of open connections, so that least connections really compares them, and a
 * weight from 1 to 10; the affinity key (for consistent hashing) changes at every pick, as it does between clients.
 *
 * <pre>{@code java -jar wslb-jmh/target/wslb-jmh.jar StrategyBenchmark -prof gc}</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
// JMH sets the @Param fields and calls @Setup before any benchmark method, so no field is read before it is set.
@SuppressWarnings("NullAway.Init")
public class StrategyBenchmark {

    @Param({"round-robin", "weighted-round-robin", "random", "weighted-random", "least-connections",
        "weighted-least-connections", "power-of-two", "consistent-hash", "consistent-hash-bounded", "lowest-score"})
    public String strategy;

    @Param({"1", "10", "100", "1000"})
    public int backends;

    private BalancingStrategy pick;
    private List<LiveBackend> candidates;
    private String[] keys;
    private Context[] contexts;
    private int next;

    @Setup
    public void setUp() {
        pick = Strategies.byName(strategy);
        WebSocketLoadBalancerBuilder builder = WebSocketLoadBalancer.builder().strategy(BalancingStrategies.roundRobin());
        for (int i = 0; i < backends; i++) {
            builder.backend(Backend.of("b" + i, URI.create("ws://10.0.0." + (i % 250 + 1) + ":" + (3000 + i)))
                .withWeight(1 + (i * 7) % 10));
        }
        WebSocketLoadBalancer lb = builder.build();
        HandshakeRequest request = HandshakeRequest.builder().path("/ws").build();
        SplittableRandom random = new SplittableRandom(42);
        keys = new String[1024];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = "user-" + random.nextInt(1_000_000);
        }
        // Open 1..100 connections on each backend through the real router (round robin over the pool).
        int total = 0;
        int[] wanted = new int[backends];
        for (int i = 0; i < backends; i++) {
            wanted[i] = 1 + random.nextInt(100);
            total += wanted[i];
        }
        for (int round = 0; round < 100; round++) {
            for (int i = 0; i < backends; i++) {
                Route route = LoadBalancerRuntime.of(lb).router().route(request).toCompletableFuture().join();
                if (round < wanted[i]) {
                    route.established();
                } else {
                    route.abandon(io.wslb.RejectCause.CLIENT_GONE, 0);
                }
            }
        }
        candidates = lb.pool().eligible();
        contexts = new Context[keys.length];
        for (int i = 0; i < keys.length; i++) {
            contexts[i] = new Context(request, keys[i]);
        }
        if (total <= 0 || candidates.size() != backends) {
            throw new IllegalStateException("set-up failed");
        }
    }

    // A strategy may decline (null); the benchmark hands JMH whatever it returned.
    @Benchmark
    public @Nullable LiveBackend pick() {
        RoutingContext context = contexts[next++ & (contexts.length - 1)];
        return pick.pick(candidates, context);
    }

    record Context(HandshakeRequest request, @Nullable String affinityKey) implements RoutingContext {
        @Override
        public int attempt() {
            return 1;
        }
    }
}
