package io.wslb.strategies;

import static org.assertj.core.api.Assertions.assertThat;

import io.wslb.Backend;
import io.wslb.BalancingStrategy;
import io.wslb.CloseCause;
import io.wslb.HandshakeRequest;
import io.wslb.OutlierDetection;
import io.wslb.RejectCause;
import io.wslb.WebSocketLoadBalancer;
import io.wslb.WebSocketLoadBalancerBuilder;
import io.wslb.spi.LoadBalancerRuntime;
import io.wslb.spi.Route;
import java.net.ConnectException;
import java.net.URI;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Round robin while a backend is down and outlier ejection is off: every connection first tries its turn, the dead
 * backend's turns are retried on the others, and the retries must not push the shared rotation forward, or the
 * backend that follows the dead one in the rotation takes a double share. Driven through the {@link io.wslb.spi.Router}
 * and {@link Route#retry}, as the adapters drive it.
 */
class RetryRotationTest {

    private static final HandshakeRequest REQUEST = HandshakeRequest.builder().path("/chat").build();

    /** {@code ids} in pool order, with the given weights (1 when absent); ejection off, 3 attempts. */
    private static WebSocketLoadBalancer balancer(BalancingStrategy strategy, Map<String, Integer> weights) {
        WebSocketLoadBalancerBuilder builder = WebSocketLoadBalancer.builder()
            .strategy(strategy)
            .outlierDetection(OutlierDetection.disabled())
            .maxAttempts(3);
        weights.forEach((id, weight) -> builder.backend(
            Backend.of(id, URI.create("ws://127.0.0.1:1/" + id)).withWeight(weight)));
        return builder.build();
    }

    private static WebSocketLoadBalancer balancer(BalancingStrategy strategy, List<String> ids) {
        Map<String, Integer> weights = new LinkedHashMap<>();
        ids.forEach(id -> weights.put(id, 1));
        return balancer(strategy, weights);
    }

    /** What one connection did: the backend of its first attempt, and where it ended up. */
    private record Placement(String firstTry, String placedOn) {}

    /** One client connection, as an adapter runs it: a backend in {@code dead} refuses the connect, so it is retried. */
    private static Placement connect(WebSocketLoadBalancer lb, Set<String> dead) {
        Route route = LoadBalancerRuntime.of(lb).router().route(REQUEST).toCompletableFuture().join();
        String first = route.backend().id();
        while (dead.contains(route.backend().id())) {
            route = route.retry(RejectCause.BACKEND_UNREACHABLE, new ConnectException("Connection refused"));
        }
        route.established();
        route.closed(CloseCause.CLIENT_CLOSED, 0, 0);
        return new Placement(first, route.backend().id());
    }

    private static Map<String, Integer> placements(WebSocketLoadBalancer lb, Set<String> dead, int connections) {
        Map<String, Integer> counts = new LinkedHashMap<>();
        lb.pool().backends().forEach(b -> counts.put(b.id(), 0));
        for (int i = 0; i < connections; i++) {
            counts.merge(connect(lb, dead).placedOn(), 1, Integer::sum);
        }
        return counts;
    }

    private static int spread(Collection<Integer> counts) {
        return counts.stream().mapToInt(Integer::intValue).max().orElseThrow()
            - counts.stream().mapToInt(Integer::intValue).min().orElseThrow();
    }

    @Test
    void roundRobin_withOneDeadBackendOfThree_theTwoLiveOnesShare30ConnectionsEvenly() {
        WebSocketLoadBalancer lb = balancer(BalancingStrategies.roundRobin(), List.of("a", "b", "c"));

        Map<String, Integer> counts = placements(lb, Set.of("b"), 30);

        assertThat(counts).containsEntry("b", 0);
        assertThat(spread(List.of(counts.get("a"), counts.get("c"))))
            .as("a and c share the 30 connections within one; got %s", counts).isLessThanOrEqualTo(1);
    }

    @Test
    void roundRobin_aRetryDoesNotAdvanceTheRotation_theFirstAttemptsStillTakeEveryBackendInTurn() {
        WebSocketLoadBalancer lb = balancer(BalancingStrategies.roundRobin(), List.of("a", "b", "c"));

        List<String> firstTries = new ArrayList<>();
        for (int i = 0; i < 9; i++) {
            firstTries.add(connect(lb, Set.of("b")).firstTry());
        }

        assertThat(firstTries).containsExactly("a", "b", "c", "a", "b", "c", "a", "b", "c");
    }

    @Test
    void roundRobin_whicheverBackendsAreDead_theLiveOnesStayWithinOneOfEachOtherAtTheEndOfEveryRound() {
        for (int size = 2; size <= 6; size++) {
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < size; i++) {
                ids.add("b" + i);
            }
            List<Set<String>> deadSets = new ArrayList<>();
            for (int i = 0; i < size; i++) {
                deadSets.add(Set.of(ids.get(i)));
                for (int j = i + 1; j < size && size > 2; j++) {
                    deadSets.add(Set.of(ids.get(i), ids.get(j)));
                }
            }
            for (Set<String> dead : deadSets) {
                WebSocketLoadBalancer lb = balancer(BalancingStrategies.roundRobin(), ids);
                Map<String, Integer> live = new LinkedHashMap<>();
                ids.stream().filter(id -> !dead.contains(id)).forEach(id -> live.put(id, 0));
                for (int i = 1; i <= 20 * size; i++) {
                    live.merge(connect(lb, dead).placedOn(), 1, Integer::sum);
                    // Within a round of first attempts the live ones can be two apart (one has had its turn and
                    // a retry); each round of the pool's size ends them within one.
                    int bound = i % size == 0 ? 1 : 2;
                    assertThat(spread(live.values()))
                        .as("%s dead of %s, after %d connections: %s", dead, ids, i, live).isLessThanOrEqualTo(bound);
                }
            }
        }
    }

    @Test
    void weightedRoundRobin_withOneDeadBackendOfThreeEqualOnes_theTwoLiveOnesShare30ConnectionsEvenly() {
        for (String dead : List.of("a", "b", "c")) {
            WebSocketLoadBalancer lb = balancer(BalancingStrategies.weightedRoundRobin(), List.of("a", "b", "c"));

            Map<String, Integer> counts = placements(lb, Set.of(dead), 30);

            assertThat(counts).as(dead + " dead").containsEntry(dead, 0);
            counts.remove(dead);
            assertThat(spread(counts.values())).as("%s dead: %s", dead, counts).isLessThanOrEqualTo(1);
        }
    }

    @Test
    void weightedRoundRobin_withADeadBackend_theLiveOnesShareInProportionToTheirWeights() {
        Map<String, Integer> weights = new LinkedHashMap<>();
        weights.put("a", 2);
        weights.put("b", 1);
        weights.put("c", 1);
        WebSocketLoadBalancer lb = balancer(BalancingStrategies.weightedRoundRobin(), weights);

        Map<String, Integer> counts = placements(lb, Set.of("b"), 30);

        // a weighs twice c: 20 and 10 of the 30, within one.
        assertThat(counts.get("a")).as("%s", counts).isBetween(19, 21);
        assertThat(counts.get("c")).as("%s", counts).isBetween(9, 11);
    }
}
