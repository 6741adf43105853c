package io.wslb.jetty.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import io.wslb.Backend;
import io.wslb.CloseCause;
import io.wslb.RejectCause;
import io.wslb.WebSocketLoadBalancer;
import io.wslb.jetty.testing.Balancers;
import io.wslb.jetty.testing.ClientSocket;
import io.wslb.jetty.testing.CloseStatus;
import io.wslb.jetty.testing.Closer;
import io.wslb.jetty.testing.EchoBackend;
import io.wslb.jetty.testing.EchoBackends;
import io.wslb.jetty.testing.EventLog;
import io.wslb.jetty.testing.LoadBalancerProxy;
import io.wslb.jetty.testing.Ports;
import io.wslb.jetty.testing.RawBackend;
import io.wslb.jetty.testing.WsClient;
import io.wslb.testing.Frame;
import io.wslb.testing.RawHttpResponse;
import io.wslb.testing.RawWebSocketConnection;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.websocket.api.exceptions.UpgradeException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Backends that refuse, are down, die mid-session or answer badly: what the client gets. */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class BackendFailureTest {

    private final Closer closer = new Closer();
    private final EventLog events = new EventLog();

    @AfterEach
    void stop() throws Exception {
        closer.close();
    }

    private LoadBalancerProxy proxy(WebSocketLoadBalancer lb) throws Exception {
        return closer.add(LoadBalancerProxy.handler("/", lb));
    }

    private static Backend down(String id) throws Exception {
        return Backend.of(id, URI.create("ws://127.0.0.1:" + Ports.closedPort()));
    }

    @Test
    void refusedUpgrade_relaysTheBackendStatusAndBody() throws Exception {
        EchoBackend backend = closer.add(EchoBackends.start(1)).get(0);
        backend.refuseUpgrades(403, "forbidden by the backend");
        LoadBalancerProxy proxy = proxy(Balancers.roundRobin(events, backend.backend()).build());

        try (RawWebSocketConnection raw = RawWebSocketConnection.open(proxy.port())) {
            RawHttpResponse answer = raw.upgrade("/private", "Authorization: Bearer expired");

            assertThat(answer.status()).as(answer.toString()).isEqualTo(403);
            assertThat(answer.bodyText()).contains("forbidden by the backend");
            assertThat(answer.header("Sec-WebSocket-Accept")).isNull();
        }
        assertThat(backend.upgrades()).hasSize(1);
        assertThat(events.rejected).singleElement()
            .isEqualTo(new EventLog.Rejected("/private", RejectCause.BACKEND_REFUSED, 403));
        assertThat(events.opened).isEmpty();
        proxy.awaitNothingOpen();
    }

    @Test
    void refusedUpgrade_isSeenByAJettyClientAsA403NotAClose() throws Exception {
        EchoBackend backend = closer.add(EchoBackends.start(1)).get(0);
        backend.refuseUpgrades(403, "nope");
        LoadBalancerProxy proxy = proxy(Balancers.roundRobin(events, backend.backend()).build());
        WsClient client = closer.add(WsClient.start());

        Throwable failure = catchThrowable(() -> client.connect(proxy.uri("/")));

        assertThat(failure).isNotNull();
        Throwable root = failure;
        while (root.getCause() != null && !(root instanceof UpgradeException)) {
            root = root.getCause();
        }
        assertThat(root).as("the client's failure").isInstanceOf(UpgradeException.class);
        assertThat(((UpgradeException) root).getResponseStatusCode()).isEqualTo(403);
        proxy.awaitNothingOpen();
    }

    @Test
    void backendDownAtConnectTime_isSkippedAndTheClientServedByAnother() throws Exception {
        EchoBackend live = closer.add(EchoBackends.start(1)).get(0);
        LoadBalancerProxy proxy = proxy(Balancers.roundRobin(events, down("dead"), live.backend()).maxAttempts(2).build());
        WsClient client = closer.add(WsClient.start());

        for (int i = 0; i < 4; i++) {
            ClientSocket socket = client.connect(proxy.uri("/"));
            assertThat(socket.echo("try " + i)).isEqualTo("try " + i);
            socket.close(1000, "done");
        }

        assertThat(live.connections()).hasSize(4);
        assertThat(events.opened).containsOnly(live.name());
        assertThat(events.retried).isNotEmpty().allSatisfy(r -> {
            assertThat(r.backendId()).isEqualTo("dead");
            assertThat(r.reason()).isEqualTo(RejectCause.BACKEND_UNREACHABLE);
        });
        proxy.awaitNothingOpen();
    }

    @Test
    void allBackendsDown_gives502() throws Exception {
        LoadBalancerProxy proxy = proxy(Balancers.roundRobin(events, down("d1"), down("d2")).build());

        try (RawWebSocketConnection raw = RawWebSocketConnection.open(proxy.port())) {
            RawHttpResponse answer = raw.upgrade("/");

            assertThat(answer.status()).as(answer.toString()).isEqualTo(502);
        }
        assertThat(events.rejected).singleElement().extracting(EventLog.Rejected::cause).isEqualTo(RejectCause.BACKEND_UNREACHABLE);
        proxy.awaitNothingOpen();
    }

    @Test
    void emptyPool_gives503WithRetryAfter() throws Exception {
        LoadBalancerProxy proxy = proxy(Balancers.roundRobin(events, List.of()).build());

        try (RawWebSocketConnection raw = RawWebSocketConnection.open(proxy.port())) {
            RawHttpResponse answer = raw.upgrade("/");

            assertThat(answer.status()).as(answer.toString()).isEqualTo(503);
            assertThat(answer.header("Retry-After")).as(answer.toString()).isNotNull().matches("\\d+");
        }
        assertThat(events.rejected).singleElement().extracting(EventLog.Rejected::cause).isEqualTo(RejectCause.NO_BACKEND);
    }

    @Test
    void backendKilledMidSession_givesTheClientA1011Or1012CloseWithinTwoSeconds() throws Exception {
        EchoBackend backend = closer.add(EchoBackends.start(1)).get(0);
        LoadBalancerProxy proxy = proxy(Balancers.roundRobin(events, backend.backend()).build());
        try (RawWebSocketConnection raw = RawWebSocketConnection.open(proxy.port())) {
            assertThat(raw.upgrade("/").status()).isEqualTo(101);
            raw.send(Frame.text("alive?"));
            assertThat(raw.read().text()).isEqualTo("alive?");

            long killed = System.nanoTime();
            backend.kill();
            Frame close = raw.awaitCloseFrame(Duration.ofSeconds(3));
            long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killed);

            assertThat(close.closeStatus()).as(close.toString()).isIn(1011, 1012);
            assertThat(elapsedMillis).as("ms from the kill to the close frame").isLessThan(2000);
            assertThat(raw.discardUntilEndOfStream(Duration.ofSeconds(3))).as("the proxy closes the socket afterwards").isTrue();
        }
        proxy.awaitNothingOpen();
        assertThat(events.closed).singleElement().extracting(EventLog.Closed::cause).isEqualTo(CloseCause.BACKEND_GONE);
    }

    @Test
    void backendKilledMidSession_jettyClientSeesAProperCloseNot1006() throws Exception {
        EchoBackend backend = closer.add(EchoBackends.start(1)).get(0);
        LoadBalancerProxy proxy = proxy(Balancers.roundRobin(events, backend.backend()).build());
        WsClient client = closer.add(WsClient.start());
        ClientSocket socket = client.connect(proxy.uri("/"));
        assertThat(socket.echo("alive?")).isEqualTo("alive?");

        backend.kill();

        CloseStatus seen = socket.closed().get(3, TimeUnit.SECONDS);
        assertThat(seen.code()).as(seen.toString()).isIn(1011, 1012);
        proxy.awaitNothingOpen();
    }

    @Test
    void backendAnswering200InsteadOf101_gives502AndIsNotTunnelled() throws Exception {
        RawBackend plain = closer.add(RawBackend.start(request ->
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello".getBytes(StandardCharsets.ISO_8859_1)));
        LoadBalancerProxy proxy = proxy(Balancers.roundRobin(events, Backend.of("plain", plain.uri())).maxAttempts(1).build());

        try (RawWebSocketConnection raw = RawWebSocketConnection.open(proxy.port())) {
            RawHttpResponse answer = raw.upgrade("/");

            assertThat(answer.status()).as(answer.toString()).isEqualTo(502);
        }
        assertThat(events.rejected).singleElement().extracting(EventLog.Rejected::cause).isEqualTo(RejectCause.BACKEND_INVALID_RESPONSE);
        proxy.awaitNothingOpen();
    }

    @Test
    void backendAnsweringAWrongAcceptValue_gives502() throws Exception {
        RawBackend wrong = closer.add(RawBackend.start(request ->
            ("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: "
                + RawWebSocketConnection.acceptFor(RawWebSocketConnection.newKey()) + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1)));
        LoadBalancerProxy proxy = proxy(Balancers.roundRobin(events, Backend.of("wrong", wrong.uri())).maxAttempts(1).build());

        try (RawWebSocketConnection raw = RawWebSocketConnection.open(proxy.port())) {
            RawHttpResponse answer = raw.upgrade("/");

            assertThat(answer.status()).as(answer.toString()).isEqualTo(502);
        }
        proxy.awaitNothingOpen();
    }

    @Test
    void backendChoosingASubprotocolTheClientDidNotOffer_gives502() throws Exception {
        RawBackend rogue = closer.add(RawBackend.start(request ->
            ("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: "
                + RawWebSocketConnection.acceptFor(RawBackend.keyOf(request)) + "\r\nSec-WebSocket-Protocol: admin\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1)));
        LoadBalancerProxy proxy = proxy(Balancers.roundRobin(events, Backend.of("rogue", rogue.uri())).maxAttempts(1).build());

        try (RawWebSocketConnection raw = RawWebSocketConnection.open(proxy.port())) {
            RawHttpResponse answer = raw.upgrade("/", "Sec-WebSocket-Protocol: chat");

            assertThat(answer.status()).as(answer.toString()).isEqualTo(502);
        }
        proxy.awaitNothingOpen();
    }

    @Test
    void backendThatNeverAnswersTheUpgrade_gives504AfterTheUpgradeTimeout() throws Exception {
        RawBackend silent = closer.add(RawBackend.start(request -> null));
        LoadBalancerProxy proxy = proxy(Balancers.roundRobin(events, Backend.of("silent", silent.uri()))
            .timeouts(Balancers.TIMEOUTS.withUpgrade(Duration.ofMillis(500))).maxAttempts(1).build());

        TimedUpgrade upgrade = timedUpgrade(proxy);

        assertThat(upgrade.answer().status()).as(upgrade.answer().toString()).isEqualTo(504);
        assertThat(upgrade.elapsedMillis()).isBetween(400L, 3000L);
        assertThat(silent.requests()).hasSize(1);
        proxy.awaitNothingOpen();
    }

    @Test
    void backendThatNeverCompletesTheTcpHandshake_gives504AfterTheBalancersConnectTimeout() throws Exception {
        // A listening socket that never accepts, its queue filled: the kernel then drops further SYNs, so a connect
        // to it neither succeeds nor fails before the connector's timeout (Jetty's own default is 15 s).
        ServerSocket full = closer.add(new ServerSocket(0, 1, InetAddress.getLoopbackAddress()));
        assertThat(fillListenQueue(full)).as("the listen queue filled up").isTrue();
        LoadBalancerProxy proxy = proxy(Balancers.roundRobin(events,
                Backend.of("full", URI.create("ws://127.0.0.1:" + full.getLocalPort())))
            .timeouts(Balancers.TIMEOUTS.withConnect(Duration.ofMillis(500))).maxAttempts(1).build());

        TimedUpgrade upgrade = timedUpgrade(proxy);

        assertThat(upgrade.answer().status()).as(upgrade.answer().toString()).isEqualTo(504);
        assertThat(upgrade.elapsedMillis()).as("the balancer's connect timeout, not Jetty's").isBetween(400L, 3000L);
        proxy.awaitNothingOpen();
    }

    /** Connects to {@code server} until a connect times out (its queue is full); the sockets close with the test. */
    private boolean fillListenQueue(ServerSocket server) throws IOException {
        for (int i = 0; i < 16; i++) {
            Socket socket = closer.add(new Socket());
            try {
                socket.connect(server.getLocalSocketAddress(), 200);
            } catch (SocketTimeoutException dropped) {
                return true;
            }
        }
        return false;
    }

    /** The answer to an upgrade through {@code proxy}, and how long it took. */
    private record TimedUpgrade(RawHttpResponse answer, long elapsedMillis) {}

    private static TimedUpgrade timedUpgrade(LoadBalancerProxy proxy) throws Exception {
        try (RawWebSocketConnection raw = RawWebSocketConnection.open(proxy.port())) {
            long start = System.nanoTime();
            RawHttpResponse answer = raw.upgrade("/");
            return new TimedUpgrade(answer, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
        }
    }

    @Test
    void backendThatSendsAFrameTogetherWithIts101_hasThatFrameRelayed() throws Exception {
        RawBackend eager = closer.add(RawBackend.start(request -> {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.writeBytes(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: "
                + RawWebSocketConnection.acceptFor(RawBackend.keyOf(request)) + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.writeBytes(Frame.of(0x1, "welcome".getBytes(StandardCharsets.UTF_8)).encode());
            return out.toByteArray();
        }));
        LoadBalancerProxy proxy = proxy(Balancers.roundRobin(events, Backend.of("eager", eager.uri())).build());

        try (RawWebSocketConnection raw = RawWebSocketConnection.open(proxy.port())) {
            assertThat(raw.upgrade("/").status()).isEqualTo(101);

            Frame greeting = raw.read();
            assertThat(greeting.opcode()).isEqualTo(0x1);
            assertThat(greeting.text()).isEqualTo("welcome");
        }
        proxy.awaitNothingOpen();
    }

    @Test
    void backendClosingTheConnectionWithoutAnswering_isRetriedOnAnotherBackend() throws Exception {
        RawBackend hangsUp = closer.add(RawBackend.start(request -> RawBackend.HANG_UP));
        EchoBackend live = closer.add(EchoBackends.start(1)).get(0);
        LoadBalancerProxy proxy = proxy(Balancers.roundRobin(events, Backend.of("hangs-up", hangsUp.uri()), live.backend()).build());
        WsClient client = closer.add(WsClient.start());

        for (int i = 0; i < 2; i++) {
            ClientSocket socket = client.connect(proxy.uri("/"));
            assertThat(socket.echo("x" + i)).isEqualTo("x" + i);
            socket.close(1000, "done");
        }

        assertThat(live.connections()).hasSize(2);
        assertThat(hangsUp.requests()).isNotEmpty();
        assertThat(events.retried).isNotEmpty().allSatisfy(r -> assertThat(r.backendId()).isEqualTo("hangs-up"));
        proxy.awaitNothingOpen();
    }

    @Test
    void silentBackend_timesOutAndTheClientIsServedByAnother() throws Exception {
        RawBackend silent = closer.add(RawBackend.start(request -> null));
        EchoBackend live = closer.add(EchoBackends.start(1)).get(0);
        LoadBalancerProxy proxy = proxy(Balancers.roundRobin(events, Backend.of("silent", silent.uri()), live.backend())
            .timeouts(Balancers.TIMEOUTS.withUpgrade(Duration.ofMillis(300))).build());
        WsClient client = closer.add(WsClient.start());

        ClientSocket first = client.connect(proxy.uri("/"));
        ClientSocket second = client.connect(proxy.uri("/"));

        assertThat(first.echo("a")).isEqualTo("a");
        assertThat(second.echo("b")).isEqualTo("b");
        assertThat(live.connections()).hasSize(2);
        assertThat(events.retried).isNotEmpty().containsOnly(new EventLog.Retried("silent", RejectCause.BACKEND_TIMEOUT));
        first.close(1000, "done");
        second.close(1000, "done");
        proxy.awaitNothingOpen();
    }

    @Test
    void clientLeavingWhileTheBackendHandshakeIsPending_releasesTheBackendAttempt() throws Exception {
        RawBackend silent = closer.add(RawBackend.start(request -> null));
        LoadBalancerProxy proxy = proxy(Balancers.roundRobin(events, Backend.of("silent", silent.uri()))
            .timeouts(Balancers.TIMEOUTS.withUpgrade(Duration.ofSeconds(10))).maxAttempts(1).build());
        RawWebSocketConnection raw = closer.add(RawWebSocketConnection.open(proxy.port()));
        raw.write(raw.upgradeRequest("/", RawWebSocketConnection.newKey()));
        await().atMost(Duration.ofSeconds(3)).until(() -> silent.requests().size() == 1);
        assertThat(proxy.activeConnections()).containsEntry("silent", 1);

        long left = System.nanoTime();
        raw.close();

        // Well before the 10 s upgrade timeout: the attempt is abandoned and its backend socket closed.
        proxy.awaitNothingOpen(Duration.ofSeconds(3));
        await("the backend socket closed by the proxy").atMost(Duration.ofSeconds(3))
            .until(() -> silent.openConnections() == 0);
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - left)).isLessThan(3000);
        await().atMost(Duration.ofSeconds(3)).until(() -> !events.rejected.isEmpty());
        assertThat(events.rejected).singleElement().extracting(EventLog.Rejected::cause).isEqualTo(RejectCause.CLIENT_GONE);
    }
}
