package io.wslb.jmh;

import io.wslb.BalancingStrategy;
import io.wslb.strategies.BalancingStrategies;

/** Strategy names of the benchmarks, as the launcher spells them. */
final class Strategies {

    private Strategies() {}

    static BalancingStrategy byName(String name) {
        return switch (name) {
            case "round-robin" -> BalancingStrategies.roundRobin();
            case "weighted-round-robin" -> BalancingStrategies.weightedRoundRobin();
            case "random" -> BalancingStrategies.random();
            case "weighted-random" -> BalancingStrategies.weightedRandom();
            case "least-connections" -> BalancingStrategies.leastConnections();
            case "weighted-least-connections" -> BalancingStrategies.weightedLeastConnections();
            case "power-of-two" -> BalancingStrategies.powerOfTwoChoices();
            case "consistent-hash" -> BalancingStrategies.consistentHash();
            case "consistent-hash-bounded" -> BalancingStrategies.consistentHash(1.25);
            case "lowest-score" -> BalancingStrategies.lowestScore((backend, context) -> backend.activeConnections());
            default -> throw new IllegalArgumentException("unknown strategy " + name);
        };
    }
}
