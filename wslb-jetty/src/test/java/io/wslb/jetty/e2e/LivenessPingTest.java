package io.wslb.jetty.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.wslb.Backend;
import io.wslb.CloseCause;
import io.wslb.Timeouts;
import io.wslb.jetty.testing.Balancers;
import io.wslb.jetty.testing.ClientSocket;
import io.wslb.jetty.testing.CloseStatus;
import io.wslb.jetty.testing.Closer;
import io.wslb.jetty.testing.EchoBackend;
import io.wslb.jetty.testing.EventLog;
import io.wslb.jetty.testing.LoadBalancerProxy;
import io.wslb.jetty.testing.WsClient;
import io.wslb.testing.Fault;
import io.wslb.testing.FaultProxy;
import io.wslb.testing.Frame;
import io.wslb.testing.RawWebSocketConnection;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Liveness pings find a side that stopped answering (half-open TCP, a frozen peer) and close the tunnel properly. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class LivenessPingTest {

    private static final Duration PING = Duration.ofMillis(300);

    private final Closer closer = new Closer();
    private final EventLog events = new EventLog();

    @AfterEach
    void stop() throws Exception {
        closer.close();
    }

    @Test
    void aClientThatNeverAnswersPings_isDropped_andItsBackendGetsA1001() throws Exception {
        EchoBackend backend = closer.add(EchoBackend.start("a"));
        LoadBalancerProxy proxy = closer.add(LoadBalancerProxy.handler("/",
            Balancers.roundRobin(events, backend.backend()).timeouts(Balancers.TIMEOUTS.withPingInterval(PING)).build()));
        RawWebSocketConnection silent = closer.add(RawWebSocketConnection.open(proxy.port()));
        assertThat(silent.upgrade("/chat").status()).isEqualTo(101);

        Frame ping = silent.read();
        assertThat(ping.opcode()).as("the proxy pings a silent client").isEqualTo(0x9);
        assertThat(ping.isMasked()).as("frames to a client are not masked").isFalse();

        CloseStatus atBackend = backend.connections().get(0).closed().get(5, TimeUnit.SECONDS);
        assertThat(atBackend.code()).isEqualTo(1001);
        await().atMost(Duration.ofSeconds(8)).untilAsserted(() ->
            assertThat(events.closed).extracting(EventLog.Closed::cause).containsExactly(CloseCause.CLIENT_UNRESPONSIVE));
        proxy.awaitNothingOpen(Duration.ofSeconds(8));
    }

    @Test
    void peersThatAnswerPings_stayConnected_throughManyIdleIntervals() throws Exception {
        EchoBackend backend = closer.add(EchoBackend.start("a"));
        LoadBalancerProxy proxy = closer.add(LoadBalancerProxy.handler("/",
            Balancers.roundRobin(events, backend.backend()).timeouts(Balancers.TIMEOUTS.withPingInterval(PING)).build()));
        WsClient client = closer.add(WsClient.start());
        ClientSocket socket = client.connect(proxy.uri("/chat"));

        // Jetty's client and backend answer pings by themselves; six intervals without a message go by.
        await().pollDelay(PING.multipliedBy(6)).atMost(Duration.ofSeconds(10)).untilAsserted(() ->
            assertThat(socket.closed()).isNotDone());

        assertThat(socket.echo("still here")).isEqualTo("still here");
        assertThat(events.closed).isEmpty();
    }

    @Test
    void aBackendThatGoesSilent_halfOpen_isDetected_andTheClientGets1011() throws Exception {
        EchoBackend behind = closer.add(EchoBackend.start("a"));
        FaultProxy network = closer.add(FaultProxy.to(new InetSocketAddress("127.0.0.1", behind.port())));
        LoadBalancerProxy proxy = closer.add(LoadBalancerProxy.handler("/",
            Balancers.roundRobin(events, Backend.of("a", URI.create("ws://127.0.0.1:" + network.port())))
                .timeouts(Balancers.TIMEOUTS.withPingInterval(PING)).build()));
        WsClient client = closer.add(WsClient.start());
        ClientSocket socket = client.connect(proxy.uri("/chat"));
        assertThat(socket.echo("before")).isEqualTo("before");

        long silentAt = System.nanoTime();
        network.set(Fault.HALF_OPEN);

        CloseStatus closed = socket.closed().get(5, TimeUnit.SECONDS);
        assertThat(closed.code()).isEqualTo(1011);
        assertThat(Duration.ofNanos(System.nanoTime() - silentAt)).as("detected within three ping intervals")
            .isLessThan(PING.multipliedBy(3).plusMillis(500));
        await().atMost(Duration.ofSeconds(8)).untilAsserted(() ->
            assertThat(events.closed).extracting(EventLog.Closed::cause).containsExactly(CloseCause.BACKEND_UNRESPONSIVE));
        proxy.awaitNothingOpen(Duration.ofSeconds(8));
    }

    @Test
    void pingInterval_rejectsNonsense() {
        assertThatThrownBy(() -> Timeouts.defaults().withPingInterval(Duration.ofMillis(10)))
            .hasMessageContaining("at least 100ms");
        assertThatThrownBy(() -> Timeouts.defaults().withPingInterval(Duration.ofSeconds(-1)))
            .hasMessageContaining("zero (off)");
    }
}
