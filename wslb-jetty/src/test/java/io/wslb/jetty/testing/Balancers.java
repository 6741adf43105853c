package io.wslb.jetty.testing;

import io.wslb.Backend;
import io.wslb.Timeouts;
import io.wslb.WebSocketLoadBalancer;
import io.wslb.WebSocketLoadBalancerBuilder;
import io.wslb.strategies.BalancingStrategies;
import java.time.Duration;
import java.util.List;

/** Balancer builders with test-friendly settings. */
public final class Balancers {

    /** The timeouts of {@link #roundRobin}: 2 s to connect and to upgrade, so that a failing test fails fast. */
    public static final Timeouts TIMEOUTS = Timeouts.defaults().withConnect(Duration.ofSeconds(2)).withUpgrade(Duration.ofSeconds(2));

    private Balancers() {}

    /**
     * @param log records the events
     * @param backends the pool
     * @return a round-robin builder with 2 s connect and upgrade timeouts and the log as listener; change a timeout with
     *     {@code .timeouts(Balancers.TIMEOUTS.withIdle(...))}
     */
    public static WebSocketLoadBalancerBuilder roundRobin(EventLog log, List<Backend> backends) {
        WebSocketLoadBalancerBuilder builder = WebSocketLoadBalancer.builder()
            .strategy(BalancingStrategies.roundRobin())
            .timeouts(TIMEOUTS)
            .listener(log);
        backends.forEach(builder::backend);
        return builder;
    }

    /** @see #roundRobin(EventLog, List) */
    public static WebSocketLoadBalancerBuilder roundRobin(EventLog log, Backend... backends) {
        return roundRobin(log, List.of(backends));
    }
}
