package io.wslb.jetty.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.wslb.AdmissionLimits;
import io.wslb.Backend;
import io.wslb.OutlierDetection;
import io.wslb.RejectCause;
import io.wslb.jetty.testing.Balancers;
import io.wslb.jetty.testing.ClientSocket;
import io.wslb.jetty.testing.Closer;
import io.wslb.jetty.testing.EchoBackend;
import io.wslb.jetty.testing.EventLog;
import io.wslb.jetty.testing.LoadBalancerProxy;
import io.wslb.jetty.testing.WsClient;
import io.wslb.spi.LoadBalancerRuntime;
import io.wslb.testing.Fault;
import io.wslb.testing.FaultProxy;
import io.wslb.testing.RawHttpResponse;
import io.wslb.testing.RawWebSocketConnection;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Caps per client address and in total, end to end: connections per address (429), pending handshakes per
 * address (429) and in total (503). Every loopback address 127.0.0.x is another client.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ClientCapsTest {

    private final Closer closer = new Closer();
    private final EventLog events = new EventLog();

    @AfterEach
    void stop() throws Exception {
        closer.close();
    }

    /** Writes an upgrade request and leaves it waiting for an answer. */
    private RawWebSocketConnection startHandshake(String fromIp, LoadBalancerProxy proxy) throws Exception {
        RawWebSocketConnection raw = closer.add(RawWebSocketConnection.openFrom(fromIp, proxy.port()));
        raw.write(raw.upgradeRequest("/", RawWebSocketConnection.newKey()));
        return raw;
    }

    @Test
    void aClientAtItsConnectionCap_gets429WithRetryAfter_whileItsOpenConnectionsAndOtherClientsAreServed() throws Exception {
        EchoBackend backend = closer.add(EchoBackend.start("b1"));
        LoadBalancerProxy proxy = closer.add(LoadBalancerProxy.handler("/",
            Balancers.roundRobin(events, backend.backend()).admissionLimits(AdmissionLimits.unlimited().withMaxConnectionsPerClient(2)).build()));
        WsClient client = closer.add(WsClient.start());
        ClientSocket one = client.connect(proxy.uri("/1"));
        ClientSocket two = client.connect(proxy.uri("/2"));

        try (RawWebSocketConnection third = RawWebSocketConnection.openFrom("127.0.0.1", proxy.port())) {
            RawHttpResponse answer = third.upgrade("/3");
            assertThat(answer.status()).as(answer.toString()).isEqualTo(429);
            assertThat(answer.header("Retry-After")).isEqualTo("1");
        }
        try (RawWebSocketConnection other = RawWebSocketConnection.openFrom("127.0.0.2", proxy.port())) {
            assertThat(other.upgrade("/other").status()).as("another address is not limited").isEqualTo(101);
        }
        assertThat(one.echo("still")).isEqualTo("still");
        assertThat(two.echo("served")).isEqualTo("served");
        assertThat(events.rejected).extracting(EventLog.Rejected::cause).containsExactly(RejectCause.TOO_MANY_CONNECTIONS);
        assertThat(backend.upgrades()).extracting(u -> u.path()).doesNotContain("/3");

        one.close(1000, "make room");
        await().atMost(Duration.ofSeconds(5)).until(() -> proxy.handler().getOpenConnections() == 1);
        assertThat(client.connect(proxy.uri("/4")).echo("room again")).isEqualTo("room again");
    }

    @Test
    void pendingHandshakes_areCappedPerAddressWith429_andInTotalWith503_andFreedWhenTheirClientsLeave() throws Exception {
        EchoBackend behind = closer.add(EchoBackend.start("hung"));
        FaultProxy hang = closer.add(FaultProxy.to(new InetSocketAddress("127.0.0.1", behind.port())));
        hang.set(Fault.BLACKHOLE); // accepts TCP, never answers: every handshake stays pending
        Backend hung = Backend.of("hung", URI.create("ws://127.0.0.1:" + hang.port()));
        LoadBalancerProxy proxy = closer.add(LoadBalancerProxy.handler("/",
            Balancers.roundRobin(events, hung)
                .admissionLimits(AdmissionLimits.unlimited().withMaxPendingHandshakesPerClient(2).withMaxPendingHandshakes(3))
                .maxAttempts(1).timeouts(Balancers.TIMEOUTS.withUpgrade(Duration.ofSeconds(20))).outlierDetection(OutlierDetection.disabled())
                .build()));
        List<RawWebSocketConnection> waiting = new ArrayList<>();
        waiting.add(startHandshake("127.0.0.11", proxy));
        waiting.add(startHandshake("127.0.0.11", proxy));
        await().atMost(Duration.ofSeconds(5)).until(() -> LoadBalancerRuntime.of(proxy.balancer()).router().pendingHandshakes() == 2);

        try (RawWebSocketConnection third = RawWebSocketConnection.openFrom("127.0.0.11", proxy.port())) {
            assertThat(third.upgrade("/").status()).as("a third from the same address").isEqualTo(429);
        }
        waiting.add(startHandshake("127.0.0.12", proxy));
        await().atMost(Duration.ofSeconds(5)).until(() -> LoadBalancerRuntime.of(proxy.balancer()).router().pendingHandshakes() == 3);
        try (RawWebSocketConnection fourth = RawWebSocketConnection.openFrom("127.0.0.13", proxy.port())) {
            RawHttpResponse answer = fourth.upgrade("/");
            assertThat(answer.status()).as("over the total: " + answer).isEqualTo(503);
            assertThat(answer.header("Retry-After")).isNotNull();
        }
        assertThat(events.rejected).extracting(EventLog.Rejected::cause)
            .containsExactly(RejectCause.TOO_MANY_CONNECTIONS, RejectCause.TOO_MANY_PENDING_HANDSHAKES);

        for (RawWebSocketConnection raw : waiting) {
            raw.close();
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> LoadBalancerRuntime.of(proxy.balancer()).router().pendingHandshakes() == 0);
        hang.set(Fault.PASS);
        try (RawWebSocketConnection again = RawWebSocketConnection.openFrom("127.0.0.11", proxy.port())) {
            assertThat(again.upgrade("/").status()).as("the address's slots were given back").isEqualTo(101);
        }
        proxy.awaitNothingOpen();
    }
}
