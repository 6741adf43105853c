package io.wslb.jetty.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.wslb.CloseCause;
import io.wslb.jetty.testing.Balancers;
import io.wslb.jetty.testing.ClientSocket;
import io.wslb.jetty.testing.CloseStatus;
import io.wslb.jetty.testing.Closer;
import io.wslb.jetty.testing.EchoBackends;
import io.wslb.jetty.testing.EventLog;
import io.wslb.jetty.testing.LoadBalancerProxy;
import io.wslb.jetty.testing.WsClient;
import io.wslb.testing.RawWebSocketConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A server stop with a shutdown window turns new clients away at once and closes the open ones spread out. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ShutdownWindowTest {

    private static final int CONNECTIONS = 300;
    private static final Duration WINDOW = Duration.ofSeconds(2);

    private final Closer closer = new Closer();
    private final EventLog events = new EventLog();

    @AfterEach
    void stop() throws Exception {
        closer.close();
    }

    @Test
    void stoppingWithAWindow_refusesNewClientsAtOnce_andClosesOpenOnesWith1001SpreadOverTheWindow() throws Exception {
        EchoBackends backends = closer.add(EchoBackends.start(2));
        LoadBalancerProxy proxy = closer.add(LoadBalancerProxy.handler("/",
            Balancers.roundRobin(events, backends.members()).shutdownWindow(WINDOW).build()));
        proxy.stopTimeout(WINDOW.plusSeconds(5));
        WsClient client = closer.add(WsClient.start());
        List<ClientSocket> sockets = new ArrayList<>();
        for (int i = 0; i < CONNECTIONS; i++) {
            sockets.add(client.connect(proxy.uri("/chat")));
        }
        Map<ClientSocket, Long> closedAt = new ConcurrentHashMap<>();
        sockets.forEach(s -> s.closed().thenRun(() -> closedAt.put(s, System.nanoTime())));

        long start = System.nanoTime();
        CompletableFuture<Void> stopped = CompletableFuture.runAsync(() -> {
            try {
                proxy.stop();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        await().atMost(Duration.ofSeconds(2)).until(() -> proxy.handler().isShutdown());
        try (RawWebSocketConnection late = RawWebSocketConnection.open(proxy.port())) {
            assertThat(late.upgrade("/chat").status()).as("a new client during the window").isEqualTo(503);
        }

        stopped.get(WINDOW.plusSeconds(8).toSeconds(), TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(5)).until(() -> closedAt.size() == CONNECTIONS);
        assertThat(sockets.stream().map(s -> s.closed().join()).map(CloseStatus::code).distinct()).containsExactly(1001);
        // A close scheduled in the second half of the window cannot arrive before it, however loaded the machine:
        // about half of them come after it (SpreadCloseTest checks the scheduled moments themselves).
        long secondHalf = closedAt.values().stream().filter(t -> t - start >= WINDOW.toNanos() / 2).count();
        assertThat(secondHalf).as("closes after the first half of the window, of %d", CONNECTIONS).isGreaterThanOrEqualTo(CONNECTIONS / 4L);
        long last = closedAt.values().stream().mapToLong(t -> t - start).max().orElseThrow();
        assertThat(Duration.ofNanos(last)).isGreaterThan(WINDOW.dividedBy(2)).isLessThan(WINDOW.plusSeconds(2));
        await().atMost(Duration.ofSeconds(8)).untilAsserted(() -> assertThat(events.closed)
            .hasSize(CONNECTIONS).extracting(EventLog.Closed::cause).containsOnly(CloseCause.SHUTDOWN));
    }
}
