package io.wslb.jetty.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.wslb.CloseCause;
import io.wslb.ConnectionEnd;
import io.wslb.RejectCause;
import io.wslb.Rejection;
import io.wslb.jetty.testing.Balancers;
import io.wslb.jetty.testing.ClientSocket;
import io.wslb.jetty.testing.Closer;
import io.wslb.jetty.testing.EchoBackend;
import io.wslb.jetty.testing.EchoBackends;
import io.wslb.jetty.testing.EventLog;
import io.wslb.jetty.testing.LoadBalancerProxy;
import io.wslb.jetty.testing.WsClient;
import io.wslb.testing.Frame;
import io.wslb.testing.RawWebSocketConnection;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What the listeners learn of each connection from the tunnel: whole messages each way (however fragmented), the
 * close code the client got or sent, the bytes, and the timings of the handshake, the backend and the connection.
 */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class ConnectionSummaryTest {

    private final Closer closer = new Closer();
    private final EventLog events = new EventLog();
    private EchoBackend backend;
    private LoadBalancerProxy proxy;

    @BeforeEach
    void start() throws Exception {
        backend = closer.add(EchoBackends.start(1)).get(0);
        proxy = closer.add(LoadBalancerProxy.handler("/", Balancers.roundRobin(events, backend.backend()).build()));
    }

    @AfterEach
    void stop() throws Exception {
        closer.close();
    }

    private EventLog.Ended awaitEnd() {
        await().atMost(Duration.ofSeconds(10)).until(() -> !events.ends.isEmpty());
        assertThat(events.ends).hasSize(1);
        return events.ends.get(0);
    }

    @Test
    void clientClose_countsWholeMessagesEachWayAndReportsTheClientsCode() throws Exception {
        RawWebSocketConnection raw = closer.add(RawWebSocketConnection.open(proxy.port()));
        assertThat(raw.upgrade("/").status()).isEqualTo(101);
        raw.send(Frame.text("one"));
        raw.send(Frame.text("tw").fin(false), Frame.ping(new byte[0]), Frame.continuation("o".getBytes(StandardCharsets.UTF_8)));
        raw.send(Frame.binary(new byte[] {1, 2, 3}));
        assertThat(new String(raw.readMessage().payload(), StandardCharsets.UTF_8)).isEqualTo("one");
        assertThat(new String(raw.readMessage().payload(), StandardCharsets.UTF_8)).isEqualTo("two");
        assertThat(raw.readMessage().payload()).containsExactly(1, 2, 3);

        raw.send(Frame.close(4001, "bye"));
        raw.awaitCloseFrame(Duration.ofSeconds(5));

        EventLog.Ended ended = awaitEnd();
        ConnectionEnd end = ended.end();
        assertThat(end.cause()).isEqualTo(CloseCause.CLIENT_CLOSED);
        assertThat(end.closeCode()).isEqualTo(4001);
        assertThat(end.closeCodeClass()).isEqualTo("4xxx");
        assertThat(end.messagesFromClient()).as("a fragmented message counts once, pings not at all").isEqualTo(3);
        assertThat(end.messagesFromBackend()).isEqualTo(3);
        assertThat(end.bytesFromClient()).isGreaterThan(end.messagesFromClient() * 6);
        assertThat(end.bytesFromBackend()).isPositive();
        assertThat(ended.route().handshakeTime()).isPositive();
        assertThat(ended.route().lifetime()).isPositive();
        assertThat(events.connectTimes).singleElement().satisfies(took -> assertThat(took).isPositive());
        assertThat(events.upgradeTimes).singleElement().satisfies(took -> assertThat(took).isPositive());
    }

    @Test
    void closeFrameWithoutACode_isReportedAs1005() throws Exception {
        RawWebSocketConnection raw = closer.add(RawWebSocketConnection.open(proxy.port()));
        assertThat(raw.upgrade("/").status()).isEqualTo(101);

        raw.send(Frame.closeWithPayload(new byte[0]));
        raw.awaitCloseFrame(Duration.ofSeconds(5));

        ConnectionEnd end = awaitEnd().end();
        assertThat(end.cause()).isEqualTo(CloseCause.CLIENT_CLOSED);
        assertThat(end.closeCode()).isEqualTo(ConnectionEnd.NO_STATUS_CODE);
        assertThat(end.messagesFromClient()).isZero();
    }

    @Test
    void backendClose_reportsTheBackendsCode() throws Exception {
        WsClient client = closer.add(WsClient.start());
        ClientSocket socket = client.connect(proxy.uri("/"));
        assertThat(socket.echo("hello")).isEqualTo("hello");

        backend.connections().get(0).close(4002, "backend says bye");
        socket.closed().get(5, TimeUnit.SECONDS);

        ConnectionEnd end = awaitEnd().end();
        assertThat(end.cause()).isEqualTo(CloseCause.BACKEND_CLOSED);
        assertThat(end.closeCode()).isEqualTo(4002);
        assertThat(end.messagesFromClient()).isEqualTo(1);
        assertThat(end.messagesFromBackend()).isEqualTo(1);
    }

    @Test
    void backendCrash_reportsTheBalancers1011() throws Exception {
        WsClient client = closer.add(WsClient.start());
        ClientSocket socket = client.connect(proxy.uri("/"));
        assertThat(socket.echo("hello")).isEqualTo("hello");

        backend.kill();

        assertThat(socket.closed().get(5, TimeUnit.SECONDS).code()).isEqualTo(1011);
        ConnectionEnd end = awaitEnd().end();
        assertThat(end.cause()).isEqualTo(CloseCause.BACKEND_GONE);
        assertThat(end.closeCode()).isEqualTo(1011);
        assertThat(end.closeCodeClass()).isEqualTo("1xxx");
        assertThat(end.messagesFromBackend()).isEqualTo(1);
    }

    @Test
    void refusedHandshake_reportsTheBackendTheAttemptsAndTheTime() throws Exception {
        backend.refuseUpgrades(403, "not you");
        RawWebSocketConnection raw = closer.add(RawWebSocketConnection.open(proxy.port()));

        assertThat(raw.upgrade("/").status()).isEqualTo(403);

        await().atMost(Duration.ofSeconds(5)).until(() -> !events.rejections.isEmpty());
        Rejection rejection = events.rejections.get(0);
        assertThat(rejection.cause()).isEqualTo(RejectCause.BACKEND_REFUSED);
        assertThat(rejection.status()).isEqualTo(403);
        assertThat(rejection.attempts()).isEqualTo(1);
        assertThat(rejection.backend()).contains(backend.backend().id());
        assertThat(rejection.handshakeTime()).isPositive();
        assertThat(events.ends).isEmpty();
    }
}
