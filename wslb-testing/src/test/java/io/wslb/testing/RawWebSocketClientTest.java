package io.wslb.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The client side before and after the handshake: opening a connection, sending any upgrade request, reading any
 * answer, then the message and closing-handshake helpers a proxy's end-to-end tests rely on.
 */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class RawWebSocketClientTest {

    private static final HexFormat HEX = HexFormat.of();

    @Test
    void openThenUpgrade_sendsTheExtraHeaders_andFramesFollowOnTheSameSocket() throws Exception {
        try (RawWebSocketServer server = RawWebSocketServer.start();
             RawWebSocketConnection client = RawWebSocketConnection.open(server.port())) {
            assertThat(client.requestHead()).as("nothing sent yet").isEmpty();

            CompletableFuture<RawHttpResponse> upgrading = CompletableFuture.supplyAsync(() -> {
                try {
                    return client.upgrade("/room?x=1", "Cookie: a=1");
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            RawWebSocketConnection serverSide = server.accept(Duration.ofSeconds(5));
            RawHttpResponse answer = upgrading.get(5, TimeUnit.SECONDS);
            client.send(Frame.text("hello"));

            assertThat(answer.status()).isEqualTo(101);
            assertThat(answer.header("sec-websocket-accept")).isNotNull();
            assertThat(serverSide.requestHead()).startsWith("GET /room?x=1 HTTP/1.1\r\n").contains("\r\nCookie: a=1\r\n")
                .contains("\r\nHost: 127.0.0.1:" + server.port() + "\r\n");
            assertThat(client.requestHead()).isEqualTo(serverSide.requestHead());
            assertThat(client.responseHead()).startsWith("HTTP/1.1 101");
            assertThat(serverSide.read().text()).isEqualTo("hello");
        }
    }

    @Test
    void upgrade_returnsARefusalWithEveryHeaderAndTheBody_andConnectFailsOnIt() throws Exception {
        String refusal = "HTTP/1.1 403 Forbidden\r\nX-Why: one\r\nx-why: two\r\nContent-Length: 4\r\n\r\nnope";
        try (ServerSocket server = answering(refusal, 2);
             RawWebSocketConnection client = RawWebSocketConnection.open(server.getLocalPort())) {
            RawHttpResponse answer = client.upgrade("/");

            assertThat(answer.status()).isEqualTo(403);
            assertThat(answer.headers("X-WHY")).containsExactly("one", "two");
            assertThat(answer.header("Retry-After")).isNull();
            assertThat(answer.bodyText()).isEqualTo("nope");
            assertThat(client.responseHead()).as("only a 101 becomes the response head").isEmpty();
            assertThatThrownBy(() -> RawWebSocketConnection.connect(new InetSocketAddress("127.0.0.1", server.getLocalPort()), "/"))
                .isInstanceOf(IOException.class).hasMessageContaining("upgrade refused").hasMessageContaining("403");
        }
    }

    @Test
    void upgradeRequest_isAValidHead_whoseConnectionLineTheCallerMayReplace() throws Exception {
        try (ServerSocket server = answering("", 1);
             RawWebSocketConnection client = RawWebSocketConnection.open(server.getLocalPort())) {
            String key = RawWebSocketConnection.newKey();

            String plain = client.upgradeRequest("/", key);
            String replaced = client.upgradeRequest("/", key, "Connection: keep-alive, Upgrade");

            assertThat(plain).startsWith("GET / HTTP/1.1\r\n").contains("\r\nConnection: Upgrade\r\n")
                .contains("\r\nSec-WebSocket-Key: " + key + "\r\n").contains("\r\nSec-WebSocket-Version: 13\r\n").endsWith("\r\n\r\n");
            assertThat(replaced).contains("\r\nConnection: keep-alive, Upgrade\r\n").doesNotContain("Connection: Upgrade\r\n");
            assertThat(java.util.Base64.getDecoder().decode(key)).hasSize(16);
        }
    }

    @Test
    void openFrom_connectsFromTheGivenLoopbackAddress() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"));
             RawWebSocketConnection client = RawWebSocketConnection.openFrom("127.0.0.7", server.getLocalPort());
             Socket accepted = server.accept()) {
            assertThat(accepted.getInetAddress().getHostAddress()).isEqualTo("127.0.0.7");
            assertThat(accepted.getPort()).isEqualTo(client.localPort());
        }
    }

    @Test
    void readMessage_joinsFragments_skipsPings_andFailsOnAClose() throws Exception {
        try (Pair pair = Pair.open()) {
            pair.server().send(Frame.text("hel").fin(false), Frame.ping(new byte[] {1}),
                Frame.continuation("lo".getBytes(StandardCharsets.UTF_8)), Frame.close(1001, "away"));

            Frame message = pair.client().readMessage();

            assertThat(message.opcode()).isEqualTo(Frame.TEXT);
            assertThat(message.fin()).isTrue();
            assertThat(message.text()).isEqualTo("hello");
            assertThatThrownBy(() -> pair.client().readMessage()).isInstanceOf(IOException.class).hasMessageContaining("close");
        }
    }

    @Test
    void closeNormally_sends1000_andReturnsThePeersClose_onceThePeerEndedTheConnection() throws Exception {
        try (Pair pair = Pair.open()) {
            pair.client().send(Frame.text("in flight"));
            CompletableFuture<Frame> peerSaw = CompletableFuture.supplyAsync(() -> {
                try {
                    pair.server().read();
                    Frame close = pair.server().read();
                    pair.server().send(Frame.close(1000, "ok"));
                    pair.server().close();
                    return close;
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });

            Frame answer = pair.client().closeNormally();

            assertThat(peerSaw.get(5, TimeUnit.SECONDS).closeStatus()).isEqualTo(1000);
            assertThat(answer.closeStatus()).isEqualTo(1000);
            assertThat(answer.closeReasonText()).isEqualTo("ok");
            assertThat(pair.client().isClosed()).isTrue();
        }
    }

    @Test
    void awaitCloseFrame_skipsDataFrames_andFailsWhenTheConnectionEndsWithoutOne() throws Exception {
        try (Pair pair = Pair.open()) {
            pair.server().send(Frame.text("first"), Frame.closeWithPayload(new byte[0]), Frame.text("after"));
            pair.server().close();

            Frame close = pair.client().awaitCloseFrame(Duration.ofSeconds(5));

            assertThat(close.closeStatus()).as("a close without a code reads as 1005").isEqualTo(1005);
            assertThatThrownBy(() -> pair.client().awaitCloseFrame(Duration.ofSeconds(5)))
                .isInstanceOf(AssertionError.class).hasMessageContaining("1006");
        }
    }

    @Test
    void answerCloseAndAwaitEnd_echoesTheCode_andDiscardsWhatStillArrives() throws Exception {
        try (Pair pair = Pair.open()) {
            pair.server().send(Frame.close(4001, "custom"));
            Frame received = pair.client().read();
            CompletableFuture<Frame> peerSaw = CompletableFuture.supplyAsync(() -> {
                try {
                    Frame answer = pair.server().read();
                    pair.server().send(Frame.text("late"));
                    pair.server().close();
                    return answer;
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });

            boolean ended = pair.client().answerCloseAndAwaitEnd(received, Duration.ofSeconds(5));

            assertThat(ended).isTrue();
            assertThat(peerSaw.get(5, TimeUnit.SECONDS).closeStatus()).isEqualTo(4001);
            assertThat(pair.client().isClosed()).isTrue();
        }
    }

    @Test
    void discardUntilEndOfStream_isFalseWhileThePeerStaysOpen_andSkipsFramesInFlight() throws Exception {
        try (Pair pair = Pair.open()) {
            assertThat(pair.client().discardUntilEndOfStream(Duration.ofMillis(50))).isFalse();

            pair.server().send(Frame.binary(new byte[5000]));
            pair.server().close();

            assertThat(pair.client().discardUntilEndOfStream(Duration.ofSeconds(5))).isTrue();
        }
    }

    @Test
    void rawHttpResponse_readsBodiesBySizeOrToTheEnd_andNoneForA204() throws IOException {
        RawHttpResponse sized = RawHttpResponse.read(stream("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA"));
        RawHttpResponse unsized = RawHttpResponse.read(stream("HTTP/1.1 503 Service Unavailable\r\n\r\nall of it"));
        RawHttpResponse empty = RawHttpResponse.read(stream("HTTP/1.1 204 No Content\r\n\r\nnext"));

        assertThat(sized.bodyText()).isEqualTo("ok");
        assertThat(unsized.status()).isEqualTo(503);
        assertThat(unsized.bodyText()).isEqualTo("all of it");
        assertThat(empty.body()).isEmpty();
        assertThat(sized.toString()).contains("HTTP 200", "Content-Length: 2", "body: ok");
        assertThatThrownBy(() -> RawHttpResponse.read(stream("HTTP/1.1 200 OK\r\n"))).isInstanceOf(IOException.class)
            .hasMessageContaining("end of stream");
    }

    @Test
    void frame_closeStatusIs1005WithoutACode_andHeaderAnnouncingLiesAboutTheLength() {
        assertThat(Frame.closeWithPayload(new byte[0]).closeStatus()).isEqualTo(1005);
        assertThat(Frame.close(1009, "big").closeStatus()).isEqualTo(1009);
        assertThatThrownBy(() -> Frame.text("x").closeStatus()).isInstanceOf(IllegalStateException.class);

        byte[] key = {1, 2, 3, 4};
        assertThat(HEX.formatHex(Frame.binary(new byte[0]).masked(key).headerAnnouncing(1L << 40)))
            .isEqualTo("82ff" + "0000010000000000" + "01020304");
        assertThat(HEX.formatHex(Frame.text("abc").fin(false).headerAnnouncing(70000))).isEqualTo("017f0000000000011170");
        assertThat(HEX.formatHex(Frame.binary(new byte[0]).headerAnnouncing(300))).isEqualTo("827e012c");
        assertThatThrownBy(() -> Frame.binary(new byte[0]).headerAnnouncing(-1)).isInstanceOf(IllegalArgumentException.class);
    }

    private static ByteArrayInputStream stream(String text) {
        return new ByteArrayInputStream(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    /** A server that answers each of its first {@code connections} connections' request head with {@code answer}. */
    private static ServerSocket answering(String answer, int connections) throws IOException {
        ServerSocket server = new ServerSocket(0, connections, InetAddress.getByName("127.0.0.1"));
        Thread thread = new Thread(() -> {
            for (int i = 0; i < connections; i++) {
                try (Socket socket = server.accept()) {
                    RawHttpResponse.readHead(socket.getInputStream());
                    socket.getOutputStream().write(answer.getBytes(StandardCharsets.ISO_8859_1));
                } catch (IOException e) {
                    return;
                }
            }
        }, "answering");
        thread.setDaemon(true);
        thread.start();
        return server;
    }

    /** A client connection and the server side of it, both after the handshake. */
    private record Pair(RawWebSocketServer listener, RawWebSocketConnection client, RawWebSocketConnection server)
        implements AutoCloseable {

        static Pair open() throws IOException {
            RawWebSocketServer listener = RawWebSocketServer.start();
            CompletableFuture<RawWebSocketConnection> connecting = CompletableFuture.supplyAsync(() -> {
                try {
                    return RawWebSocketConnection.connect(new InetSocketAddress("127.0.0.1", listener.port()), "/");
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            RawWebSocketConnection server = listener.accept(Duration.ofSeconds(5));
            return new Pair(listener, connecting.join(), server);
        }

        @Override
        public void close() throws IOException {
            client.close();
            listener.close();
        }
    }
}
