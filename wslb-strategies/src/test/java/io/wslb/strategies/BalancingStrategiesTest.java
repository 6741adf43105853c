package io.wslb.strategies;

import static org.assertj.core.api.Assertions.assertThat;

import io.wslb.Backend;
import io.wslb.BackendPool;
import io.wslb.BalancingStrategy;
import io.wslb.CloseCause;
import io.wslb.HandshakeRequest;
import io.wslb.LiveBackend;
import io.wslb.WebSocketLoadBalancer;
import io.wslb.WebSocketLoadBalancerBuilder;
import io.wslb.spi.LoadBalancerRuntime;
import io.wslb.spi.Route;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BalancingStrategiesTest {

    static WebSocketLoadBalancer balancer(BalancingStrategy strategy, String... ids) {
        WebSocketLoadBalancerBuilder builder = WebSocketLoadBalancer.builder().strategy(strategy);
        for (String id : ids) {
            builder.backend(Backend.of(id, URI.create("ws://127.0.0.1:1/" + id)));
        }
        return builder.build();
    }

    static Route open(WebSocketLoadBalancer lb) {
        Route route = LoadBalancerRuntime.of(lb).router().route(HandshakeRequest.builder().build()).toCompletableFuture().join();
        route.established();
        return route;
    }

    @Test
    void roundRobin_cyclesThroughBackendsInPoolOrder() {
        WebSocketLoadBalancer lb = balancer(BalancingStrategies.roundRobin(), "a", "b", "c");
        List<String> picks = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            picks.add(open(lb).backend().id());
        }
        assertThat(picks).containsExactly("a", "b", "c", "a", "b", "c", "a");
    }

    @Test
    void roundRobin_spreads30ConnectionsEvenlyOver3Backends() {
        WebSocketLoadBalancer lb = balancer(BalancingStrategies.roundRobin(), "a", "b", "c");
        for (int i = 0; i < 30; i++) {
            open(lb);
        }
        assertThat(lb.pool().backends()).extracting(LiveBackend::activeConnections).containsExactly(10, 10, 10);
    }

    @Test
    void leastConnections_prefersTheEmptierBackend() {
        WebSocketLoadBalancer lb = balancer(BalancingStrategies.leastConnections(), "a", "b");
        Route first = open(lb);
        Route second = open(lb);
        assertThat(List.of(first.backend().id(), second.backend().id())).containsExactlyInAnyOrder("a", "b");
        Route third = open(lb);
        // Close the connection on the backend that did not get the third one: it becomes the emptier.
        Route onOther = first.backend() == third.backend() ? second : first;
        onOther.closed(CloseCause.CLIENT_CLOSED, 0, 0);
        assertThat(open(lb).backend()).isSameAs(onOther.backend());
        assertThat(open(lb).backend()).as("tie again: any").isNotNull();
    }

    @Test
    void leastConnections_breaksTiesFairly_notAlwaysTowardTheFirst() {
        BalancingStrategy strategy = BalancingStrategies.leastConnections();
        WebSocketLoadBalancer lb = balancer(strategy, "a", "b", "c", "d");
        Map<String, Integer> firstPicks = new HashMap<>();
        for (int i = 0; i < 400; i++) {
            Route route = open(lb);
            firstPicks.merge(route.backend().id(), 1, Integer::sum);
            route.closed(CloseCause.CLIENT_CLOSED, 0, 0); // every pick sees a four-way tie
        }
        assertThat(firstPicks).containsOnlyKeys("a", "b", "c", "d");
        assertThat(firstPicks.values()).allSatisfy(n -> assertThat(n).isEqualTo(100));
    }

    @Test
    void leastConnections_keepsCountsLevel_underConcurrentOpenAndClose() throws Exception {
        WebSocketLoadBalancer lb = balancer(BalancingStrategies.leastConnections(), "a", "b", "c");
        BackendPool pool = lb.pool();
        int threads = 8;
        List<Thread> workers = new ArrayList<>();
        List<List<Route>> held = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            List<Route> mine = new ArrayList<>();
            held.add(mine);
            workers.add(new Thread(() -> {
                for (int i = 0; i < 2000; i++) {
                    mine.add(open(lb));
                    if (mine.size() > 3) {
                        mine.remove(0).closed(CloseCause.CLIENT_CLOSED, 0, 0);
                    }
                }
            }));
        }
        workers.forEach(Thread::start);
        for (Thread worker : workers) {
            worker.join();
        }
        int total = held.stream().mapToInt(List::size).sum();
        assertThat(pool.backends().stream().mapToInt(LiveBackend::activeConnections).sum()).isEqualTo(total);
        int max = pool.backends().stream().mapToInt(LiveBackend::activeConnections).max().orElseThrow();
        int min = pool.backends().stream().mapToInt(LiveBackend::activeConnections).min().orElseThrow();
        assertThat(max - min).isLessThanOrEqualTo(threads);
    }
}
