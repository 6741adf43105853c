package io.wslb.jetty.testing;

import io.wslb.Backend;
import io.wslb.WebSocketLoadBalancer;
import io.wslb.strategies.BalancingStrategies;
import java.time.Duration;
import java.util.List;

/** Balancer builders with test-friendly settings. */
public final class Balancers {

    private Balancers() {}

    /**
     * @param log records the events
     * @param backends the pool
     * @return a round-robin builder with 2 s connect and upgrade timeouts and the log as listener
     */
    public static WebSocketLoadBalancer.Builder roundRobin(EventLog log, List<Backend> backends) {
        WebSocketLoadBalancer.Builder builder = WebSocketLoadBalancer.builder()
            .strategy(BalancingStrategies.roundRobin())
            .connectTimeout(Duration.ofSeconds(2))
            .upgradeTimeout(Duration.ofSeconds(2))
            .listener(log);
        backends.forEach(builder::backend);
        return builder;
    }

    /** @see #roundRobin(EventLog, List) */
    public static WebSocketLoadBalancer.Builder roundRobin(EventLog log, Backend... backends) {
        return roundRobin(log, List.of(backends));
    }
}
