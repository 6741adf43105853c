package io.wslb.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The raw frame toolkit: encoding, parsing, chopping, and both sides of a handshake over real sockets. */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class RawWebSocketTest {

    private static final HexFormat HEX = HexFormat.of();

    @Test
    void encode_writesTheRfcHeaderBits() {
        assertThat(HEX.formatHex(Frame.text("Hi").encode())).isEqualTo("81024869");
        assertThat(HEX.formatHex(Frame.text("Hi").fin(false).encode())).isEqualTo("01024869");
        assertThat(HEX.formatHex(Frame.text("Hi").rsv(4).encode())).isEqualTo("c1024869");
        assertThat(HEX.formatHex(Frame.text("Hi").rsv(7).opcode(0xB).encode())).isEqualTo("fb024869");
        assertThat(HEX.formatHex(Frame.closeWithPayload(new byte[0]).encode())).isEqualTo("8800");
        assertThat(HEX.formatHex(Frame.close(1002, "").encode())).isEqualTo("880203ea");
    }

    @Test
    void masking_xorsThePayloadWithTheKey_andSetsTheMaskBit() {
        byte[] key = {1, 2, 3, 4};

        byte[] wire = Frame.binary(new byte[] {0x10, 0x20, 0x30, 0x40, 0x50}).masked(key).encode();

        assertThat(HEX.formatHex(wire)).isEqualTo("8285" + "01020304" + "1122334451");
        assertThat(Frame.text("x").masked().maskKey()).hasSize(4);
        assertThat(Frame.text("x").masked(key).unmasked().isMasked()).isFalse();
    }

    @Test
    void payloadLength_usesTheShortestFormUnlessForced() {
        assertThat(Frame.binary(new byte[125]).header()).hasSize(2);
        assertThat(HEX.formatHex(Frame.binary(new byte[126]).header())).isEqualTo("827e007e");
        assertThat(HEX.formatHex(Frame.binary(new byte[65535]).header())).isEqualTo("827effff");
        assertThat(HEX.formatHex(Frame.binary(new byte[65536]).header())).isEqualTo("827f0000000000010000");
        assertThat(HEX.formatHex(Frame.binary(new byte[5]).payloadLength(Frame.PayloadLength.BITS_16).header())).isEqualTo("827e0005");
        assertThat(HEX.formatHex(Frame.binary(new byte[5]).payloadLength(Frame.PayloadLength.BITS_64).header()))
            .isEqualTo("827f0000000000000005");
        assertThatThrownBy(() -> Frame.binary(new byte[126]).payloadLength(Frame.PayloadLength.BITS_7))
            .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void reader_reportsExactlyWhatArrived_maskRsvLengthFormAndCloseFields() throws IOException {
        byte[] key = {9, 8, 7, 6};
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        wire.writeBytes(Frame.text("fragment").fin(false).rsv(2).masked(key).encode());
        wire.writeBytes(Frame.ping(new byte[] {1, 2}).payloadLength(Frame.PayloadLength.BITS_64).encode());
        wire.writeBytes(Frame.close(1001, "going").encode());
        wire.writeBytes(Frame.closeWithPayload(new byte[] {'a'}).encode());
        wire.writeBytes(Frame.of(0x3, new byte[0]).encode());

        List<Frame> frames = FrameReader.parseAll(wire.toByteArray());

        assertThat(frames).hasSize(5);
        Frame first = frames.get(0);
        assertThat(first.fin()).isFalse();
        assertThat(first.rsv()).isEqualTo(2);
        assertThat(first.opcode()).isEqualTo(Frame.TEXT);
        assertThat(first.isMasked()).isTrue();
        assertThat(first.maskKey()).containsExactly(key);
        assertThat(first.text()).isEqualTo("fragment");
        assertThat(frames.get(1).isMasked()).isFalse();
        assertThat(frames.get(1).payloadLength()).isEqualTo(Frame.PayloadLength.BITS_64);
        assertThat(frames.get(1).payload()).containsExactly(1, 2);
        assertThat(frames.get(2).closeCode()).hasValue(1001);
        assertThat(frames.get(2).closeReasonText()).isEqualTo("going");
        assertThat(frames.get(3).closeCode()).isEmpty();
        assertThat(frames.get(3).length()).isEqualTo(1);
        assertThat(frames.get(4).opcode()).isEqualTo(3);
        assertThat(frames.get(0)).isEqualTo(Frame.text("fragment").fin(false).rsv(2).masked(key)
            .payloadLength(Frame.PayloadLength.BITS_7));
    }

    @Test
    void reader_failsOnATruncatedFrame_andOnALengthOverItsLimit() {
        byte[] whole = Frame.binary(new byte[10]).encode();

        assertThatThrownBy(() -> FrameReader.parseAll(Arrays.copyOf(whole, 6)))
            .isInstanceOf(EOFException.class).hasMessageContaining("inside a frame");
        byte[] huge = Frame.binary(new byte[0]).payloadLength(Frame.PayloadLength.BITS_64).encode();
        huge[2] = 0x01; // announces 2^56 bytes
        assertThatThrownBy(() -> FrameReader.of(new java.io.ByteArrayInputStream(huge), 1024).read())
            .isInstanceOf(IOException.class).hasMessageContaining("over the reader's limit");
    }

    @Test
    void chopping_cutsEachFrameOnItsOwn() {
        Frame a = Frame.text("abc");   // 5 bytes
        Frame b = Frame.text("defgh"); // 7 bytes

        assertThat(Chopping.whole().chunks(List.of(a, b))).extracting(c -> c.length).containsExactly(12);
        assertThat(Chopping.perFrame().chunks(List.of(a, b))).extracting(c -> c.length).containsExactly(5, 7);
        assertThat(Chopping.every(3).chunks(List.of(a, b))).extracting(c -> c.length).containsExactly(3, 2, 3, 3, 1);
        assertThat(Chopping.every(1).chunks(List.of(a))).hasSize(5);
        assertThatThrownBy(() -> Chopping.every(0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void clientAndServer_handshake_andExchangeFramesInTheirRoles() throws Exception {
        try (RawWebSocketServer server = RawWebSocketServer.start()) {
            CompletableFuture<RawWebSocketConnection> connecting = CompletableFuture.supplyAsync(() -> {
                try {
                    return RawWebSocketConnection.connect(new InetSocketAddress("127.0.0.1", server.port()), "/room?x=1");
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            RawWebSocketConnection serverSide = server.accept(Duration.ofSeconds(5));
            try (RawWebSocketConnection client = connecting.get(5, TimeUnit.SECONDS)) {
                assertThat(serverSide.requestHead()).startsWith("GET /room?x=1 HTTP/1.1\r\n");
                assertThat(client.role()).isEqualTo(RawWebSocketConnection.Role.CLIENT);

                client.send(Chopping.every(1), Frame.text("from the client"));
                Frame received = serverSide.read();
                serverSide.send(Frame.binary("from the server".getBytes(StandardCharsets.UTF_8)).masked());
                Frame answer = client.read();

                assertThat(received.isMasked()).as("a client's frame is masked").isTrue();
                assertThat(received.text()).isEqualTo("from the client");
                assertThat(answer.isMasked()).as("a server's frame is sent unmasked even when built masked").isFalse();
                assertThat(answer.text()).isEqualTo("from the server");

                client.sendAsIs(Chopping.whole(), List.of(Frame.text("deliberately unmasked")));
                assertThat(serverSide.read().isMasked()).isFalse();

                serverSide.close();
                assertThat(client.awaitEndOfStream(Duration.ofSeconds(5))).isTrue();
            }
        }
    }

    @Test
    void awaitEndOfStream_isFalseWhileThePeerStaysOpen_andReportsBytesBeforeTheEnd() throws Exception {
        try (RawWebSocketServer server = RawWebSocketServer.start()) {
            CompletableFuture<RawWebSocketConnection> connecting = CompletableFuture.supplyAsync(() -> {
                try {
                    return RawWebSocketConnection.connect(new InetSocketAddress("127.0.0.1", server.port()), "/");
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            RawWebSocketConnection serverSide = server.accept(Duration.ofSeconds(5));
            try (RawWebSocketConnection client = connecting.get(5, TimeUnit.SECONDS)) {
                assertThat(client.awaitEndOfStream(Duration.ofMillis(50))).isFalse();

                serverSide.send(Frame.text("late"));
                serverSide.close();

                assertThatThrownBy(() -> client.awaitEndOfStream(Duration.ofSeconds(5)))
                    .isInstanceOf(IOException.class).hasMessageContaining("6 unexpected bytes");
            }
        }
    }

    @Test
    void serverAnswers400ToARequestThatIsNotAnUpgrade() throws Exception {
        try (RawWebSocketServer server = RawWebSocketServer.start();
             java.net.Socket plain = new java.net.Socket("127.0.0.1", server.port())) {
            plain.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));

            assertThatThrownBy(() -> server.accept(Duration.ofSeconds(5))).isInstanceOf(IOException.class);
            assertThat(new String(plain.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1)).startsWith("HTTP/1.1 400");
        }
    }
}
