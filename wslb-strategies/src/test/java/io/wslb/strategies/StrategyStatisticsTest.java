package io.wslb.strategies;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.wslb.Backend;
import io.wslb.BalancingStrategy;
import io.wslb.CloseCause;
import io.wslb.HandshakeRequest;
import io.wslb.LiveBackend;
import io.wslb.RoutingContext;
import io.wslb.WebSocketLoadBalancer;
import io.wslb.WebSocketLoadBalancerBuilder;
import io.wslb.spi.LoadBalancerRuntime;
import io.wslb.spi.Route;
import io.wslb.strategies.internal.ConsistentHashStrategy;
import io.wslb.strategies.internal.PowerOfTwoChoicesStrategy;
import io.wslb.strategies.internal.RandomStrategy;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/** Statistical properties of the strategies, with fixed seeds so every run sees the same numbers. */
class StrategyStatisticsTest {

    static WebSocketLoadBalancer balancer(BalancingStrategy strategy, int... weights) {
        WebSocketLoadBalancerBuilder builder = WebSocketLoadBalancer.builder().strategy(strategy);
        for (int i = 0; i < weights.length; i++) {
            builder.backend(Backend.of("b" + i, URI.create("ws://10.0.0.1:" + (3000 + i))).withWeight(weights[i]));
        }
        return builder.build();
    }

    static Route open(WebSocketLoadBalancer lb) {
        Route route = LoadBalancerRuntime.of(lb).router().route(HandshakeRequest.builder().build()).toCompletableFuture().join();
        route.established();
        return route;
    }

    static int index(LiveBackend backend) {
        return Integer.parseInt(backend.id().substring(1));
    }

    record Context(HandshakeRequest request, @Nullable String affinityKey, int attempt) implements RoutingContext {
        static Context key(String key) {
            return new Context(HandshakeRequest.builder().build(), key, 1);
        }
    }

    @Test
    void weightedRoundRobin_hitsTheConfiguredProportions() {
        int[] weights = {5, 3, 1, 1};
        WebSocketLoadBalancer lb = balancer(BalancingStrategies.weightedRoundRobin(), weights);
        int[] hits = new int[weights.length];
        for (int i = 0; i < 10_000; i++) {
            Route route = open(lb);
            hits[index(route.backend())]++;
            route.closed(CloseCause.CLIENT_CLOSED, 0, 0);
        }
        for (int i = 0; i < weights.length; i++) {
            assertThat(hits[i] / 10_000.0).as("share of b%d", i).isCloseTo(weights[i] / 10.0, within(0.02));
        }
    }

    @Test
    void weightedRoundRobin_isSmooth_neverMoreThanWeightPicksInARow() {
        int[] weights = {5, 1, 1, 3};
        WebSocketLoadBalancer lb = balancer(BalancingStrategies.weightedRoundRobin(), weights);
        int last = -1;
        int run = 0;
        for (int i = 0; i < 10_000; i++) {
            Route route = open(lb);
            int b = index(route.backend());
            run = b == last ? run + 1 : 1;
            last = b;
            assertThat(run).as("consecutive picks of b%d at pick %d", b, i).isLessThanOrEqualTo(weights[b]);
            route.closed(CloseCause.CLIENT_CLOSED, 0, 0);
        }
    }

    @Test
    void weightedRoundRobin_heavyBackend_isInterleaved_notBursted() {
        // 5:1:1 must give a b a c a a b ... style sequences: never 5 a in a row.
        WebSocketLoadBalancer lb = balancer(BalancingStrategies.weightedRoundRobin(), 5, 1, 1);
        StringBuilder sequence = new StringBuilder();
        for (int i = 0; i < 14; i++) {
            Route route = open(lb);
            sequence.append((char) ('a' + index(route.backend())));
            route.closed(CloseCause.CLIENT_CLOSED, 0, 0);
        }
        // A plain weighted round robin would send five in a row (aaaaabc); the smooth one at most four, across cycles.
        assertThat(sequence.toString()).doesNotContain("aaaaa").hasSize(14).startsWith("aabacaa");
        assertThat(sequence.chars().filter(c -> c == 'a').count()).isEqualTo(10);
    }

    @Test
    void weightedRandom_hitsTheConfiguredProportions() {
        int[] weights = {6, 3, 1};
        SplittableRandom seeded = new SplittableRandom(20261123);
        WebSocketLoadBalancer lb = balancer(new RandomStrategy(() -> seeded, true), weights);
        int[] hits = new int[weights.length];
        for (int i = 0; i < 10_000; i++) {
            Route route = open(lb);
            hits[index(route.backend())]++;
            route.closed(CloseCause.CLIENT_CLOSED, 0, 0);
        }
        for (int i = 0; i < weights.length; i++) {
            assertThat(hits[i] / 10_000.0).as("share of b%d", i).isCloseTo(weights[i] / 10.0, within(0.02));
        }
    }

    @Test
    void leastConnections_underEightConcurrentThreads_alwaysPicksAnEmptiestBackend_andOpensStayWithinOne() throws Exception {
        AtomicInteger notTheEmptiest = new AtomicInteger();
        BalancingStrategy leastConnections = BalancingStrategies.leastConnections();
        // Closes take this lock too, so that the check sees the counts the pick saw.
        Object counts = new Object();
        BalancingStrategy checked = (candidates, context) -> {
            synchronized (counts) {
                LiveBackend chosen = leastConnections.pick(candidates, context);
                int fewest = candidates.stream().mapToInt(LiveBackend::activeConnections).min().orElseThrow();
                if (chosen.activeConnections() != fewest) {
                    notTheEmptiest.incrementAndGet();
                }
                return chosen;
            }
        };
        WebSocketLoadBalancer lb = balancer(checked, 1, 1, 1, 1, 1);
        int threads = 8;
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Thread worker = new Thread(() -> {
                List<Route> mine = new ArrayList<>();
                try {
                    start.await();
                } catch (InterruptedException e) {
                    return;
                }
                SplittableRandom random = new SplittableRandom(Thread.currentThread().getId());
                for (int i = 0; i < 2_000; i++) {
                    mine.add(open(lb));
                    if (mine.size() > 4) {
                        Route leaving = mine.remove(random.nextInt(mine.size()));
                        synchronized (counts) {
                            leaving.closed(CloseCause.CLIENT_CLOSED, 0, 0);
                        }
                    }
                }
            });
            workers.add(worker);
            worker.start();
        }
        start.countDown();
        for (Thread worker : workers) {
            worker.join();
        }
        assertThat(notTheEmptiest.get()).as("picks of a backend with more than the fewest connections").isZero();

        // Opens alone, from 8 threads at once, keep the counts within 1 of each other.
        WebSocketLoadBalancer fresh = balancer(BalancingStrategies.leastConnections(), 1, 1, 1, 1, 1);
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> openers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Thread opener = new Thread(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < 500; i++) {
                    open(fresh);
                }
            });
            openers.add(opener);
            opener.start();
        }
        go.countDown();
        for (Thread opener : openers) {
            opener.join();
        }
        int max = fresh.pool().backends().stream().mapToInt(LiveBackend::activeConnections).max().orElseThrow();
        int min = fresh.pool().backends().stream().mapToInt(LiveBackend::activeConnections).min().orElseThrow();
        assertThat(max + min).isGreaterThan(0);
        assertThat(max - min).isLessThanOrEqualTo(1);
    }

    @Test
    void powerOfTwoChoices_keepsTheMaximumLoadCloseToTheMean_whereRandomDoesNot() {
        int n = 50;
        int connections = 1_000;
        int[] equal = new int[n];
        java.util.Arrays.fill(equal, 1);
        SplittableRandom seed1 = new SplittableRandom(7);
        SplittableRandom seed2 = new SplittableRandom(7);
        double p2c = maxOverMean(balancer(new PowerOfTwoChoicesStrategy(() -> seed1), equal), connections);
        double random = maxOverMean(balancer(new RandomStrategy(() -> seed2, false), equal), connections);
        assertThat(p2c).as("power of two choices, max/mean").isLessThan(1.3);
        assertThat(random).as("random, max/mean").isGreaterThan(1.3);
    }

    private static double maxOverMean(WebSocketLoadBalancer lb, int connections) {
        for (int i = 0; i < connections; i++) {
            open(lb);
        }
        int max = lb.pool().backends().stream().mapToInt(LiveBackend::activeConnections).max().orElseThrow();
        return max / ((double) connections / lb.pool().size());
    }

    @Test
    void consistentHash_movesAtMost1point2OverNOfTheKeys_whenABackendJoinsOrLeaves() {
        int n = 10;
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            keys.add("user-" + i);
        }
        int[] equal = new int[n];
        java.util.Arrays.fill(equal, 1);
        Map<String, String> before = placements(balancer(new ConsistentHashStrategy(0), equal), keys);

        int[] plusOne = new int[n + 1];
        java.util.Arrays.fill(plusOne, 1);
        Map<String, String> joined = placements(balancer(new ConsistentHashStrategy(0), plusOne), keys);
        double movedOnJoin = moved(before, joined, keys);
        assertThat(movedOnJoin).as("share of keys moved when b%d joins", n).isLessThanOrEqualTo(1.2 / (n + 1));
        assertThat(joined.values().stream().filter(("b" + n)::equals).count()).as("the newcomer takes keys").isPositive();
        assertThat(keys).allSatisfy(k -> {
            if (!joined.get(k).equals(before.get(k))) {
                assertThat(joined.get(k)).as("a moved key goes to the newcomer").isEqualTo("b" + n);
            }
        });

        // Remove b3: only its keys move.
        WebSocketLoadBalancer lb = balancer(new ConsistentHashStrategy(0), equal);
        lb.pool().remove("b3");
        Map<String, String> left = placements(lb, keys);
        double movedOnLeave = moved(before, left, keys);
        assertThat(movedOnLeave).as("share of keys moved when b3 leaves").isLessThanOrEqualTo(1.2 / n);
        assertThat(keys).allSatisfy(k -> {
            if (!before.get(k).equals("b3")) {
                assertThat(left.get(k)).isEqualTo(before.get(k));
            }
        });

        Map<String, Long> spread = new HashMap<>();
        before.values().forEach(b -> spread.merge(b, 1L, Long::sum));
        assertThat(spread).hasSize(n);
        assertThat(spread.values()).allSatisfy(count -> assertThat(count / 20_000.0).isBetween(0.5 / n, 1.5 / n));
    }

    private static Map<String, String> placements(WebSocketLoadBalancer lb, List<String> keys) {
        BalancingStrategy strategy = lb.strategy();
        Map<String, String> placed = new HashMap<>();
        for (String key : keys) {
            placed.put(key, strategy.pick(lb.pool().eligible(), Context.key(key)).id());
        }
        return placed;
    }

    private static double moved(Map<String, String> before, Map<String, String> after, List<String> keys) {
        return keys.stream().filter(k -> !before.get(k).equals(after.get(k))).count() / (double) keys.size();
    }

    @Test
    void consistentHash_withABalanceFactor_neverExceedsFactorTimesTheAverage_evenForOneHotKey() {
        double factor = 1.25;
        WebSocketLoadBalancer lb = balancer(BalancingStrategies.consistentHash(factor), 1, 1, 1, 1);
        List<Route> open = new ArrayList<>();
        SplittableRandom random = new SplittableRandom(3);
        for (int i = 0; i < 2_000; i++) {
            // 80% of the clients share one key: without the bound they would all land on one backend.
            String key = random.nextInt(10) < 8 ? "hot" : "k" + random.nextInt(1000);
            Route route = LoadBalancerRuntime.of(lb).router().route(HandshakeRequest.builder().header("X-K", key).build())
                .toCompletableFuture().join();
            open.add(route);
            long total = lb.pool().backends().stream().mapToLong(LiveBackend::activeConnections).sum();
            int max = lb.pool().backends().stream().mapToInt(LiveBackend::activeConnections).max().orElseThrow();
            assertThat(max).as("after %d connections", total).isLessThanOrEqualTo((int) Math.ceil(factor * total / 4.0) + 1);
            if (i % 3 == 0) {
                open.remove(random.nextInt(open.size())).abandon(io.wslb.RejectCause.CLIENT_GONE, 0);
            }
        }
        // Without the bound, the hot key piles onto a single backend.
        WebSocketLoadBalancer unbounded = balancer(BalancingStrategies.consistentHash(), 1, 1, 1, 1);
        for (int i = 0; i < 100; i++) {
            LoadBalancerRuntime.of(unbounded).router().route(HandshakeRequest.builder().build()).toCompletableFuture().join();
        }
        assertThat(unbounded.pool().backends().stream().mapToInt(LiveBackend::activeConnections).max().orElseThrow())
            .isEqualTo(100);
    }

}
