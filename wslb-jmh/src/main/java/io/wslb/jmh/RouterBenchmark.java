package io.wslb.jmh;

import io.wslb.Backend;
import io.wslb.CloseCause;
import io.wslb.HandshakeRequest;
import io.wslb.WebSocketLoadBalancer;
import io.wslb.WebSocketLoadBalancerBuilder;
import io.wslb.spi.LoadBalancerRuntime;
import io.wslb.spi.Route;
import io.wslb.strategies.AffinityResolvers;
import io.wslb.strategies.SessionStores;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
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
 * The whole routing decision of one connection, from the handshake to its close: affinity key, store lookup,
 * strategy, store update on establish, release on close. This is the per-connection cost outside the sockets.
 *
 * <pre>{@code java -jar wslb-jmh/target/wslb-jmh.jar RouterBenchmark -prof gc}</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
// JMH sets the @Param fields and calls @Setup before any benchmark method, so no field is read before it is set.
@SuppressWarnings("NullAway.Init")
public class RouterBenchmark {

    @Param({"round-robin", "least-connections"})
    public String strategy;

    @Param({"none", "ip"})
    public String affinity;

    @Param({"100"})
    public int backends;

    private WebSocketLoadBalancer balancer;
    private HandshakeRequest request;

    @Setup
    public void setUp() {
        WebSocketLoadBalancerBuilder builder = WebSocketLoadBalancer.builder().strategy(Strategies.byName(strategy));
        for (int i = 0; i < backends; i++) {
            builder.backend(Backend.of("b" + i, URI.create("ws://10.0.0." + (i % 250 + 1) + ":" + (3000 + i))));
        }
        if (affinity.equals("ip")) {
            builder.affinity(AffinityResolvers.clientIp()).sessionStore(SessionStores.inMemory(Duration.ofHours(1)));
        }
        balancer = builder.build();
        request = HandshakeRequest.builder().path("/ws").remoteAddress(new InetSocketAddress("10.1.2.3", 50000)).build();
    }

    @Benchmark
    public Route routeEstablishClose() {
        Route route = LoadBalancerRuntime.of(balancer).router().route(request).toCompletableFuture().join();
        route.established();
        route.closed(CloseCause.CLIENT_CLOSED, 0, 0);
        return route;
    }
}
