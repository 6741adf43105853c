package io.wslb.jetty.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.wslb.CloseCause;
import io.wslb.jetty.testing.Balancers;
import io.wslb.jetty.testing.ClientSocket;
import io.wslb.jetty.testing.CloseStatus;
import io.wslb.jetty.testing.Closer;
import io.wslb.jetty.testing.EchoBackend;
import io.wslb.jetty.testing.EventLog;
import io.wslb.jetty.testing.LoadBalancerProxy;
import io.wslb.jetty.testing.WsClient;
import io.wslb.strategies.BalancingStrategies;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Draining a backend closes its connections with 1012, spread over the window, while new clients go elsewhere;
 * other backends' connections are untouched.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class DrainTest {

    private static final int CONNECTIONS = 1000;
    private static final Duration WINDOW = Duration.ofSeconds(3);

    private final Closer closer = new Closer();
    private final EventLog events = new EventLog();

    @AfterEach
    void stop() throws Exception {
        closer.close();
    }

    @Test
    void drainingABackendWith1000Connections_closesThemSpreadOverTheWindow_andSendsNewClientsElsewhere() throws Exception {
        EchoBackend a = closer.add(EchoBackend.start("a"));
        EchoBackend b = closer.add(EchoBackend.start("b"));
        LoadBalancerProxy proxy = closer.add(LoadBalancerProxy.handler("/", Balancers.roundRobin(events, a.backend())
            .strategy(BalancingStrategies.leastConnections()).build()));
        WsClient client = closer.add(WsClient.start());
        List<ClientSocket> onA = new ArrayList<>();
        for (int i = 0; i < CONNECTIONS; i++) {
            onA.add(client.connect(proxy.uri("/chat")));
        }
        proxy.balancer().pool().add(b.backend());
        ClientSocket bystander = client.connect(proxy.uri("/chat"));
        assertThat(proxy.activeConnections()).containsEntry("a", CONNECTIONS).containsEntry("b", 1);
        int upgradesOnA = a.upgrades().size();
        Map<ClientSocket, Long> closedAtNanos = new ConcurrentHashMap<>();
        for (ClientSocket socket : onA) {
            socket.closed().thenRun(() -> closedAtNanos.put(socket, System.nanoTime()));
        }

        long start = System.nanoTime();
        proxy.balancer().pool().drain("a", WINDOW);
        List<ClientSocket> newcomers = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            newcomers.add(client.connect(proxy.uri("/chat")));
        }

        await().atMost(WINDOW.plusSeconds(10)).until(() -> closedAtNanos.size() == CONNECTIONS);
        List<Integer> codes = onA.stream().map(s -> s.closed().join()).map(CloseStatus::code).distinct().toList();
        assertThat(codes).containsExactly(1012);
        // Spread: a close scheduled at a moment in the window cannot reach its client before that moment, however
        // loaded the machine, so about two thirds of the closes come after the first third and one third after the
        // second (the exact, clock-free distribution of the scheduled moments is SpreadCloseTest's).
        Map<Integer, Long> perThird = closedAtNanos.values().stream()
            .collect(Collectors.groupingBy(t -> (int) Math.min(3, (t - start) * 3 / WINDOW.toNanos()), Collectors.counting()));
        long afterFirstThird = perThird.entrySet().stream().filter(e -> e.getKey() >= 1).mapToLong(Map.Entry::getValue).sum();
        long afterSecondThird = perThird.entrySet().stream().filter(e -> e.getKey() >= 2).mapToLong(Map.Entry::getValue).sum();
        assertThat(afterFirstThird).as("closes after the first third of the window: %s", perThird).isGreaterThanOrEqualTo(580L);
        assertThat(afterSecondThird).as("closes after the second third of the window: %s", perThird).isGreaterThanOrEqualTo(250L);
        long lastClose = closedAtNanos.values().stream().mapToLong(t -> t - start).max().orElseThrow();
        assertThat(Duration.ofNanos(lastClose)).as("the last close, after the drain began").isLessThan(WINDOW.plusSeconds(1));
        assertThat(a.upgrades()).as("no new connection reached the draining backend").hasSize(upgradesOnA);
        for (ClientSocket newcomer : newcomers) {
            assertThat(newcomer.echo("hello")).isEqualTo("hello");
        }
        assertThat(bystander.echo("still here")).isEqualTo("still here");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(proxy.activeConnections()).containsEntry("a", 0).containsEntry("b", 21);
            assertThat(events.closed.stream().filter(c -> c.cause() == CloseCause.DRAINED).count()).isEqualTo(CONNECTIONS);
        });
    }

    @Test
    void removingWithAZeroWindow_closesEveryConnectionAtOnce_andForgetsTheBackend() throws Exception {
        EchoBackend a = closer.add(EchoBackend.start("a"));
        EchoBackend b = closer.add(EchoBackend.start("b"));
        LoadBalancerProxy proxy = closer.add(LoadBalancerProxy.handler("/",
            Balancers.roundRobin(events, a.backend(), b.backend()).build()));
        WsClient client = closer.add(WsClient.start());
        List<ClientSocket> sockets = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            sockets.add(client.connect(proxy.uri("/chat")));
        }

        proxy.balancer().pool().remove("a", Duration.ZERO);

        await().atMost(Duration.ofSeconds(5)).until(() -> sockets.stream().filter(s -> s.closed().isDone()).count() == 5);
        assertThat(proxy.balancer().pool().get("a")).isNull();
        for (ClientSocket socket : sockets) {
            if (socket.closed().isDone()) {
                assertThat(socket.closed().join().code()).isEqualTo(1012);
            } else {
                assertThat(socket.echo("b is fine")).isEqualTo("b is fine");
            }
        }
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
            assertThat(proxy.activeConnections()).containsExactlyEntriesOf(Map.of("b", 5)));
    }

    @Test
    void aDrainStartedJustAfterAClientsUpgrade_stillClosesThatClientWith1012() throws Exception {
        EchoBackend a = closer.add(EchoBackend.start("a"));
        LoadBalancerProxy proxy = closer.add(LoadBalancerProxy.handler("/", Balancers.roundRobin(events, a.backend()).build()));
        WsClient client = closer.add(WsClient.start());
        for (int i = 0; i < 60; i++) {
            // The client's 101 may arrive before its tunnel is registered: a drain in that gap must still find it.
            ClientSocket socket = client.connect(proxy.uri("/chat"));
            proxy.balancer().pool().drain("a", Duration.ZERO);

            assertThat(socket.closed().get(5, TimeUnit.SECONDS).code()).as("connection %d", i).isEqualTo(1012);
            proxy.balancer().pool().resume("a");
        }
    }
}
