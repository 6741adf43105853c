package io.wslb.jmh;

import io.wslb.BalancingStrategy;
import io.wslb.strategies.BalancingStrategies;

/** Strategy names of the benchmarks, as the launcher spells them. */
final class Strategies {

    private Strategies() {}

    static BalancingStrategy byName(String name) {
        return switch (name) {
            case "round-robin" -> BalancingStrategies.roundRobin();
            case "least-connections" -> BalancingStrategies.leastConnections();
            default -> throw new IllegalArgumentException("unknown strategy " + name);
        };
    }
}
