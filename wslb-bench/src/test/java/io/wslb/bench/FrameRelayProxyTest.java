package io.wslb.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ServerSocket;
import java.net.URI;
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
        try (RawWebSocket ws = new RawWebSocket(relay.port())) {
            assertThat(ws.statusLine).contains("101");
            assertThat(ws.responseHead).doesNotContainIgnoringCase("Sec-WebSocket-Extensions: permessage");
            ws.sendText("hello");
            assertThat(ws.readMessage().text()).isEqualTo("hello");
            byte[] bin = {1, 2, 3, 4, 5};
            ws.send(2, true, bin);
            RawWebSocket.RawFrame f = ws.readMessage();
            assertThat(f.opcode()).isEqualTo(2);
            assertThat(f.payload()).containsExactly(bin);
        }
    }

    @Test
    void relay_passesFragmentsAndPing() throws Exception {
        try (RawWebSocket ws = new RawWebSocket(relay.port())) {
            ws.send(1, false, "frag".getBytes());
            ws.send(0, true, "ment".getBytes());
            assertThat(ws.readMessage().text()).isEqualTo("fragment");
            ws.send(9, true, "p".getBytes());
            RawWebSocket.RawFrame pong = ws.read();
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
        try (RawWebSocket ws = new RawWebSocket(relay.port())) {
            ws.send(2, true, big);
            RawWebSocket.RawFrame f = ws.readMessage();
            assertThat(f.payload().length).isEqualTo(big.length);
            assertThat(Arrays.equals(f.payload(), big)).isTrue();
        }
    }

    @Test
    void clientClose_codeAndReasonReachBackendAndBack() throws Exception {
        try (RawWebSocket ws = new RawWebSocket(relay.port())) {
            ws.sendClose(4001, "bye");
            RawWebSocket.RawFrame f = ws.read();
            assertThat(f.opcode()).isEqualTo(8);
            assertThat(f.closeCode()).isEqualTo(4001);
            assertThat(f.closeReason()).isEqualTo("bye");
            assertThat(ws.awaitEof()).isTrue();
        }
    }

    @Test
    void backendClose_codeAndReasonReachClient() throws Exception {
        try (RawWebSocket ws = new RawWebSocket(relay.port())) {
            ws.sendText("close:4002:gone");
            RawWebSocket.RawFrame f = ws.read();
            assertThat(f.opcode()).isEqualTo(8);
            assertThat(f.closeCode()).isEqualTo(4002);
            assertThat(f.closeReason()).isEqualTo("gone");
            ws.sendClose(4002, "gone");
            assertThat(ws.awaitEof()).isTrue();
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
        try (RawWebSocket ws = new RawWebSocket(broken.port())) {
            assertThat(ws.statusLine).contains("502");
        } finally {
            broken.stop();
        }
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
