package io.wslb.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.wslb.Backend;
import io.wslb.WebSocketLoadBalancer;
import io.wslb.jetty.testing.Closer;
import io.wslb.jetty.testing.EchoBackend;
import io.wslb.micrometer.testing.Lab;
import io.wslb.micrometer.testing.Proxy;
import io.wslb.strategies.BalancingStrategies;
import io.wslb.testing.Frame;
import io.wslb.testing.RawHttpResponse;
import io.wslb.testing.RawWebSocketConnection;
import io.wslb.testing.RawWebSocketServer;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The gauges of connections: open in total and per backend, and handshakes waiting for their backend. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ConnectionGaugesTest {

    private final Closer closer = new Closer();

    @AfterEach
    void stop() throws Exception {
        closer.close();
    }

    @Test
    void openingAndClosingConnections_movesTheOpenGauges_inTotalAndPerBackend() throws Exception {
        EchoBackend a = closer.add(EchoBackend.start("a"));
        EchoBackend b = closer.add(EchoBackend.start("b"));
        Lab lab = closer.add(Lab.start(builder -> builder.backend(a.backend()).backend(b.backend())));
        assertThat(lab.gauge("wslb.connections.open")).isZero();

        RawWebSocketConnection first = lab.connect("/");
        RawWebSocketConnection second = lab.connect("/");
        RawWebSocketConnection third = lab.connect("/");

        assertThat(lab.gauge("wslb.connections.open")).isEqualTo(3);
        assertThat(lab.gauge("wslb.backend.connections.open", "backend", "a")).isEqualTo(2);
        assertThat(lab.gauge("wslb.backend.connections.open", "backend", "b")).isEqualTo(1);

        first.send(Frame.close(1000, "bye"));
        first.awaitCloseFrame(Duration.ofSeconds(5));
        await().atMost(Duration.ofSeconds(5)).until(() -> lab.gauge("wslb.connections.open") == 2);
        assertThat(lab.gauge("wslb.backend.connections.open", "backend", "a")).isEqualTo(1);

        second.close();
        third.close();
        await().atMost(Duration.ofSeconds(5)).until(() -> lab.gauge("wslb.connections.open") == 0);
        assertThat(lab.gauge("wslb.backend.connections.open", "backend", "a")).isZero();
        assertThat(lab.gauge("wslb.backend.connections.open", "backend", "b")).isZero();
    }

    @Test
    void aHandshakeWaitingForItsBackend_isPending_untilTheBackendAnswers() throws Exception {
        // The backend's kernel accepts the balancer's connection; the upgrade waits until the test answers it.
        RawWebSocketServer slow = closer.add(RawWebSocketServer.start());
        Lab lab = closer.add(Lab.start(builder -> builder.backend(Backend.of("slow", slow.uri()))));
        assertThat(lab.gauge("wslb.handshakes.pending")).isZero();

        RawWebSocketConnection client = closer.add(RawWebSocketConnection.open(lab.port()));
        client.write(client.upgradeRequest("/", RawWebSocketConnection.newKey()));

        await().atMost(Duration.ofSeconds(5)).until(() -> lab.gauge("wslb.handshakes.pending") == 1);
        assertThat(lab.gauge("wslb.connections.open")).as("not open before its 101").isZero();

        RawWebSocketConnection backendSide = slow.accept(Duration.ofSeconds(5));
        RawHttpResponse answer = client.readResponse();
        assertThat(answer.status()).isEqualTo(101);
        await().atMost(Duration.ofSeconds(5)).until(() -> lab.gauge("wslb.handshakes.pending") == 0);
        assertThat(lab.gauge("wslb.connections.open")).isEqualTo(1);
        assertThat(lab.gauge("wslb.backend.connections.open", "backend", "slow")).isEqualTo(1);
        backendSide.close();
    }

    @Test
    void aRegistryBoundAfterConnectionsOpened_seesThem_becauseTheListenerCountsWithoutOne() throws Exception {
        EchoBackend a = closer.add(EchoBackend.start("a"));
        WslbMetrics metrics = WslbMetrics.create();
        WebSocketLoadBalancer lb = WebSocketLoadBalancer.builder()
            .backend(a.backend())
            .strategy(BalancingStrategies.roundRobin())
            .listener(metrics.listener())
            .build();
        Proxy proxy = closer.add(Proxy.start(lb));
        closer.add(RawWebSocketConnection.connect(new InetSocketAddress("127.0.0.1", proxy.port()), "/"));
        closer.add(RawWebSocketConnection.connect(new InetSocketAddress("127.0.0.1", proxy.port()), "/"));

        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        metrics.binder(lb).bindTo(registry);

        assertThat(registry.get("wslb.connections.open").gauge().value()).isEqualTo(2);
        assertThat(registry.get("wslb.backend.connections.open").tag("backend", "a").gauge().value()).isEqualTo(2);
        assertThat(registry.get("wslb.handshakes").tag("outcome", "upgraded").counter().count())
            .as("events before the binding are not recorded").isZero();
    }
}
