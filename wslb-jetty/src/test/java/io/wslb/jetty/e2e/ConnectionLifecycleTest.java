package io.wslb.jetty.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.wslb.CloseCause;
import io.wslb.jetty.testing.Balancers;
import io.wslb.jetty.testing.ClientSocket;
import io.wslb.jetty.testing.Closer;
import io.wslb.jetty.testing.EchoBackends;
import io.wslb.jetty.testing.EventLog;
import io.wslb.jetty.testing.LoadBalancerProxy;
import io.wslb.jetty.testing.WsClient;
import io.wslb.testing.Chopping;
import io.wslb.testing.Frame;
import io.wslb.testing.RawWebSocketConnection;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.websocket.client.ClientUpgradeRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Counts follow connections up and back down, however the connections end. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ConnectionLifecycleTest {

    private final Closer closer = new Closer();
    private final EventLog events = new EventLog();

    @AfterEach
    void stop() throws Exception {
        closer.close();
    }

    @Test
    void countsReturnToZero_howeverTheConnectionsEnd() throws Exception {
        EchoBackends backends = closer.add(EchoBackends.start(2));
        LoadBalancerProxy proxy = closer.add(LoadBalancerProxy.handler("/", Balancers.roundRobin(events, backends.members()).build()));
        WsClient client = closer.add(WsClient.start());

        ClientSocket closedByClient = tagged(client, proxy, "client-close");
        ClientSocket closedByBackend = tagged(client, proxy, "backend-close");
        RawWebSocketConnection vanishing = closer.add(RawWebSocketConnection.open(proxy.port()));
        assertThat(vanishing.upgrade("/", "X-Test-Id: vanish").status()).isEqualTo(101);
        RawWebSocketConnection violating = closer.add(RawWebSocketConnection.open(proxy.port()));
        assertThat(violating.upgrade("/", "X-Test-Id: violate").status()).isEqualTo(101);
        ClientSocket survivor = tagged(client, proxy, "survivor");

        // The tunnel is counted once Jetty has installed it, a moment after the client read its 101.
        await().atMost(Duration.ofSeconds(3)).until(() -> proxy.handler().getOpenConnections() == 5);
        assertThat(proxy.activeConnections().values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(5);

        closedByClient.close(1000, "bye");
        backends.connectionWith("X-Test-Id", "backend-close").close(1000, "bye");
        assertThat(closedByBackend.closed().get(5, TimeUnit.SECONDS).code()).isEqualTo(1000);
        vanishing.abort();
        violating.sendAsIs(Chopping.whole(), List.of(Frame.of(0x1, "unmasked".getBytes(StandardCharsets.UTF_8))));
        Frame close = violating.awaitCloseFrame(Duration.ofSeconds(3));
        assertThat(close.closeStatus()).isEqualTo(1002);
        violating.answerCloseAndAwaitEnd(close, Duration.ofSeconds(3));

        await().atMost(Duration.ofSeconds(5))
            .until(() -> proxy.handler().getOpenConnections() == 1);
        assertThat(survivor.echo("still here")).isEqualTo("still here");
        String survivorBackend = backends.connectionWith("X-Test-Id", "survivor").backend().name();
        Map<String, Integer> expected = survivorBackend.equals("b1") ? Map.of("b1", 1, "b2", 0) : Map.of("b1", 0, "b2", 1);
        assertThat(proxy.activeConnections()).isEqualTo(expected);

        survivor.close(1000, "last");
        proxy.awaitNothingOpen();
        assertThat(events.closed).extracting(EventLog.Closed::cause).containsExactlyInAnyOrder(
            CloseCause.CLIENT_CLOSED, CloseCause.BACKEND_CLOSED, CloseCause.CLIENT_GONE,
            CloseCause.CLIENT_PROTOCOL_ERROR, CloseCause.CLIENT_CLOSED);
        assertThat(events.opened).hasSize(5);
    }

    @Test
    void manyShortConnections_leaveNothingBehind() throws Exception {
        EchoBackends backends = closer.add(EchoBackends.start(3));
        LoadBalancerProxy proxy = closer.add(LoadBalancerProxy.handler("/", Balancers.roundRobin(events, backends.members()).build()));
        WsClient client = closer.add(WsClient.start());

        for (int i = 0; i < 60; i++) {
            ClientSocket socket = client.connect(proxy.uri("/"));
            assertThat(socket.echo("#" + i)).isEqualTo("#" + i);
            socket.close(1000, "next");
        }

        proxy.awaitNothingOpen();
        assertThat(events.opened).hasSize(60);
        await().atMost(Duration.ofSeconds(5)).until(() -> events.closed.size() == 60);
        assertThat(backends.all()).allSatisfy(b -> assertThat(b.openConnections()).isEmpty());
        assertThat(proxy.balancer().pool().backends()).allSatisfy(b -> assertThat(b.totalConnections()).isEqualTo(20));
    }

    private static ClientSocket tagged(WsClient client, LoadBalancerProxy proxy, String tag) throws Exception {
        ClientUpgradeRequest request = new ClientUpgradeRequest(proxy.uri("/"));
        request.setHeader("X-Test-Id", tag);
        return client.connect(request);
    }
}
