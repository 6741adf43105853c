package io.wslb.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.wslb.testing.Frame;
import io.wslb.testing.RawHttpResponse;
import io.wslb.testing.RawWebSocketConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class FrameRelayProxyTest {
    private static EchoServer echo;
    private static FrameRelayProxy relay;

    @BeforeAll
    static void start() throws Exception {
        echo = new EchoServer("127.0.0.1", 0, 8, Duration.ofMinutes(1)).start();
        relay = new FrameRelayProxy("127.0.0.1", 0, List.of(URI.create("ws://127.0.0.1:" + echo.port())), 8,
            Duration.ofMinutes(1), Duration.ofSeconds(5)).start();
    }

    @AfterAll
    static void stop() throws Exception {
        relay.stop();
        echo.stop();
    }

    @Test
    void relay_echoesTextAndBinary() throws Exception {
        try (RawWebSocketConnection ws = upgraded(relay.port())) {
            assertThat(ws.responseHead()).doesNotContainIgnoringCase("Sec-WebSocket-Extensions: permessage");
            ws.send(Frame.text("hello"));
            assertThat(ws.readMessage().text()).isEqualTo("hello");
            byte[] bin = {1, 2, 3, 4, 5};
            ws.send(Frame.binary(bin));
            Frame f = ws.readMessage();
            assertThat(f.opcode()).isEqualTo(2);
            assertThat(f.payload()).containsExactly(bin);
        }
    }

    @Test
    void relay_passesFragmentsAndPing() throws Exception {
        try (RawWebSocketConnection ws = upgraded(relay.port())) {
            ws.send(Frame.text("frag").fin(false));
            ws.send(Frame.continuation("ment".getBytes(StandardCharsets.UTF_8)));
            assertThat(ws.readMessage().text()).isEqualTo("fragment");
            ws.send(Frame.ping("p".getBytes(StandardCharsets.UTF_8)));
            Frame pong = ws.read();
            assertThat(pong.opcode()).isEqualTo(10);
            assertThat(pong.text()).isEqualTo("p");
        }
    }

    @Test
    void relay_carriesTwoMebibyteMessage() throws Exception {
        byte[] big = new byte[2 * 1024 * 1024 + 7];
        for (int i = 0; i < big.length; i++) {
            big[i] = (byte) (i * 31);
        }
        try (RawWebSocketConnection ws = upgraded(relay.port())) {
            ws.send(Frame.binary(big));
            Frame f = ws.readMessage();
            assertThat(f.payload().length).isEqualTo(big.length);
            assertThat(Arrays.equals(f.payload(), big)).isTrue();
        }
    }

    @Test
    void clientClose_codeAndReasonReachBackendAndBack() throws Exception {
        try (RawWebSocketConnection ws = upgraded(relay.port())) {
            ws.send(Frame.close(4001, "bye"));
            Frame f = ws.read();
            assertThat(f.opcode()).isEqualTo(8);
            assertThat(f.closeStatus()).isEqualTo(4001);
            assertThat(f.closeReasonText()).isEqualTo("bye");
            assertThat(ws.awaitEndOfStream(Duration.ofSeconds(10))).isTrue();
        }
    }

    @Test
    void backendClose_codeAndReasonReachClient() throws Exception {
        try (RawWebSocketConnection ws = upgraded(relay.port())) {
            ws.send(Frame.text("close:4002:gone"));
            Frame f = ws.read();
            assertThat(f.opcode()).isEqualTo(8);
            assertThat(f.closeStatus()).isEqualTo(4002);
            assertThat(f.closeReasonText()).isEqualTo("gone");
            ws.send(Frame.close(4002, "gone"));
            assertThat(ws.awaitEndOfStream(Duration.ofSeconds(10))).isTrue();
        }
    }

    @Test
    void deadBackend_gives502() throws Exception {
        int deadPort;
        try (ServerSocket s = new ServerSocket(0)) {
            deadPort = s.getLocalPort();
        }
        FrameRelayProxy broken = new FrameRelayProxy("127.0.0.1", 0, List.of(URI.create("ws://127.0.0.1:" + deadPort)), 8,
            Duration.ofMinutes(1), Duration.ofSeconds(2)).start();
        try (RawWebSocketConnection ws = RawWebSocketConnection.open(broken.port())) {
            assertThat(ws.upgrade("/chat?x=1").status()).isEqualTo(502);
        } finally {
            broken.stop();
        }
    }

    /** A connection through the relay whose handshake got its 101, as a client sends it. */
    private static RawWebSocketConnection upgraded(int port) throws Exception {
        RawWebSocketConnection ws = RawWebSocketConnection.open(port).readTimeout(Duration.ofSeconds(10));
        RawHttpResponse answer = ws.upgrade("/chat?x=1");
        assertThat(answer.status()).as(answer.toString()).isEqualTo(101);
        return ws;
    }

    @Test
    void loadClient_echoesThroughRelayWithoutErrors() throws Exception {
        try (LoadClient client = new LoadClient(List.of(URI.create("ws://127.0.0.1:" + relay.port() + "/")), 1)) {
            assertThat(client.connect(20, 10, Duration.ofSeconds(20))).isEqualTo(20);
            LoadClient.EchoWindow w = client.echo(3, 70_000, Duration.ofMillis(200), Duration.ofMillis(800),
                new LoadClient.WindowListener() {
                    @Override
                    public void windowStart() {
                    }

                    @Override
                    public void windowEnd() {
                    }
                });
            assertThat(w.roundTrips()).isPositive();
            assertThat(w.lengthErrors()).isZero();
            assertThat(client.closedByPeer.get()).isZero();
            client.closeAll(Duration.ofSeconds(5));
            assertThat(client.openConnections()).isZero();
        }
    }
}
