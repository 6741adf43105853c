package io.wslb.jetty.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.wslb.Backend;
import io.wslb.BackendHealth;
import io.wslb.OutlierDetection;
import io.wslb.RejectCause;
import io.wslb.jetty.testing.Balancers;
import io.wslb.jetty.testing.ClientSocket;
import io.wslb.jetty.testing.Closer;
import io.wslb.jetty.testing.EchoBackend;
import io.wslb.jetty.testing.EventLog;
import io.wslb.jetty.testing.LoadBalancerProxy;
import io.wslb.jetty.testing.Ports;
import io.wslb.jetty.testing.WsClient;
import io.wslb.testing.RawHttpResponse;
import io.wslb.testing.RawWebSocketConnection;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Connection caps answer 503 with Retry-After; backups take over from dead primaries without a failed handshake. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class CapacityAndBackupTest {

    private final Closer closer = new Closer();
    private final EventLog events = new EventLog();

    @AfterEach
    void stop() throws Exception {
        closer.close();
    }

    @Test
    void aBackendAtItsCap_turnsTheNextClientAway_with503AndRetryAfter_untilASlotFrees() throws Exception {
        EchoBackend backend = closer.add(EchoBackend.start("a"));
        LoadBalancerProxy proxy = closer.add(LoadBalancerProxy.handler("/",
            Balancers.roundRobin(events, backend.backend().withMaxConnections(1)).build()));
        WsClient client = closer.add(WsClient.start());
        ClientSocket first = client.connect(proxy.uri("/chat"));

        RawHttpResponse refused;
        try (RawWebSocketConnection second = RawWebSocketConnection.open(proxy.port())) {
            refused = second.upgrade("/chat");
        }

        assertThat(refused.status()).isEqualTo(503);
        assertThat(refused.header("Retry-After")).isNotBlank();
        assertThat(first.echo("still here")).isEqualTo("still here");
        assertThat(events.rejected).extracting(EventLog.Rejected::cause).contains(RejectCause.AT_CAPACITY);

        first.close(1000, "done");
        proxy.awaitNothingOpen();
        ClientSocket third = client.connect(proxy.uri("/chat"));
        assertThat(third.echo("in")).isEqualTo("in");
    }

    @Test
    void deadPrimaries_sendEveryClientToTheBackup_withoutAFailedHandshake_andAreEjected() throws Exception {
        EchoBackend spare = closer.add(EchoBackend.start("spare"));
        Backend deadA = Backend.of("dead-a", URI.create("ws://127.0.0.1:" + Ports.closedPort()));
        Backend deadB = Backend.of("dead-b", URI.create("ws://127.0.0.1:" + Ports.closedPort()));
        LoadBalancerProxy proxy = closer.add(LoadBalancerProxy.handler("/",
            Balancers.roundRobin(events, deadA, spare.backend().asBackup(), deadB)
                .outlierDetection(OutlierDetection.of(2, Duration.ofMinutes(1), Duration.ofMinutes(5), 1.0))
                .build()));
        WsClient client = closer.add(WsClient.start());

        for (int i = 0; i < 6; i++) {
            ClientSocket socket = client.connect(proxy.uri("/chat"));
            assertThat(socket.echo("hello " + i)).isEqualTo("hello " + i);
            socket.close(1000, "done");
        }

        assertThat(spare.upgrades()).hasSize(6);
        assertThat(events.rejected).isEmpty();
        assertThat(proxy.balancer().pool().get("dead-a").health()).isEqualTo(BackendHealth.EJECTED);
        assertThat(proxy.balancer().pool().get("dead-b").health()).isEqualTo(BackendHealth.EJECTED);
        assertThat(proxy.balancer().pool().eligible()).extracting(b -> b.id()).containsExactly("spare");
    }
}
