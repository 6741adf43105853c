package io.wslb.jetty.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.wslb.jetty.testing.BackendConnection;
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
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.client.ClientUpgradeRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Data passes through the proxy unchanged: text, binary, large, fragmented, control frames, subprotocols. */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class EchoThroughProxyTest {

    private final Closer closer = new Closer();
    private final EventLog events = new EventLog();
    private EchoBackend backend;
    private LoadBalancerProxy proxy;
    private WsClient client;

    @BeforeEach
    void start() throws Exception {
        EchoBackends backends = closer.add(EchoBackends.start(1));
        backend = backends.get(0);
        proxy = closer.add(LoadBalancerProxy.handler("/", Balancers.roundRobin(events, backends.members()).build()));
        client = closer.add(WsClient.start());
    }

    @AfterEach
    void stop() throws Exception {
        closer.close();
    }

    @Test
    void textMessage_isEchoedUnchanged() throws Exception {
        ClientSocket socket = client.connect(proxy.uri("/chat"));
        String text = "hello, wslb: \u00e9\u00e8 \u4f60\u597d \uD83D\uDE00";

        assertThat(socket.echo(text)).isEqualTo(text);
        assertThat(backend.connections()).singleElement()
            .satisfies(c -> assertThat(c.texts()).containsExactly(text));

        socket.close(1000, "done");
        proxy.awaitNothingOpen();
    }

    @Test
    void binaryMessage_isEchoedByteForByte() throws Exception {
        ClientSocket socket = client.connect(proxy.uri("/"));
        byte[] bytes = new byte[256 * 3];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) i; // every byte value, several times
        }

        socket.sendBinary(bytes);

        assertThat(socket.nextBinary()).isEqualTo(bytes);
        assertThat(backend.connections().get(0).binaries().poll()).isEqualTo(bytes);
        socket.close(1000, "done");
        proxy.awaitNothingOpen();
    }

    @Test
    void oneMebibyteTextAndBinaryMessages_areEchoedWhole() throws Exception {
        ClientSocket socket = client.connect(proxy.uri("/big"));
        Random random = new Random(42);
        byte[] bytes = new byte[1 << 20];
        random.nextBytes(bytes);
        StringBuilder text = new StringBuilder(1 << 20);
        for (int i = 0; i < (1 << 20); i++) {
            text.append((char) ('a' + random.nextInt(26)));
        }

        socket.sendBinary(bytes);
        assertThat(socket.nextBinary()).isEqualTo(bytes);
        socket.sendText(text.toString());
        assertThat(socket.nextText()).isEqualTo(text.toString());

        BackendConnection seen = backend.connections().get(0);
        assertThat(seen.binaries().poll()).hasSize(1 << 20);
        assertThat(seen.texts().poll()).hasSize(1 << 20);
        socket.close(1000, "done");
        proxy.awaitNothingOpen();
    }

    @Test
    void oneMebibyteSingleFrame_isRelayedWholeBothWays() throws Exception {
        try (RawWebSocketConnection raw = RawWebSocketConnection.open(proxy.port())) {
            assertThat(raw.upgrade("/").status()).isEqualTo(101);
            byte[] bytes = new byte[1 << 20];
            new Random(3).nextBytes(bytes);

            raw.send(Frame.of(0x2, bytes));

            assertThat(raw.readMessage().payload()).isEqualTo(bytes);
            assertThat(backend.connections().get(0).binaries().poll()).isEqualTo(bytes);
            assertThat(raw.closeNormally().closeStatus()).isEqualTo(1000);
        }
        proxy.awaitNothingOpen();
    }

    @Test
    void messageFragmentedByTheClient_arrivesWhole() throws Exception {
        ClientSocket socket = client.connect(proxy.uri("/"));

        Callback.Completable t1 = new Callback.Completable();
        socket.session().sendPartialText("frag", false, t1);
        t1.get(5, TimeUnit.SECONDS);
        Callback.Completable t2 = new Callback.Completable();
        socket.session().sendPartialText("men", false, t2);
        t2.get(5, TimeUnit.SECONDS);
        Callback.Completable t3 = new Callback.Completable();
        socket.session().sendPartialText("ted", true, t3);
        t3.get(5, TimeUnit.SECONDS);
        assertThat(socket.nextText()).isEqualTo("fragmented");

        Callback.Completable b1 = new Callback.Completable();
        socket.session().sendPartialBinary(ByteBuffer.wrap(new byte[] {1, 2, 3}), false, b1);
        b1.get(5, TimeUnit.SECONDS);
        Callback.Completable b2 = new Callback.Completable();
        socket.session().sendPartialBinary(ByteBuffer.wrap(new byte[] {4, 5}), true, b2);
        b2.get(5, TimeUnit.SECONDS);
        assertThat(socket.nextBinary()).containsExactly(1, 2, 3, 4, 5);

        BackendConnection seen = backend.connections().get(0);
        assertThat(seen.texts()).containsExactly("fragmented");
        assertThat(seen.binaries()).singleElement().isEqualTo(new byte[] {1, 2, 3, 4, 5});
        socket.close(1000, "done");
        proxy.awaitNothingOpen();
    }

    @Test
    void ping_isAnsweredByAPongWithTheSamePayload() throws Exception {
        ClientSocket socket = client.connect(proxy.uri("/"));
        byte[] payload = "are you there?".getBytes(StandardCharsets.UTF_8);

        Callback.Completable sent = new Callback.Completable();
        socket.session().sendPing(ByteBuffer.wrap(payload), sent);
        sent.get(5, TimeUnit.SECONDS);

        assertThat(socket.nextPong()).isEqualTo(payload);
        assertThat(socket.echo("still fine")).isEqualTo("still fine");
        socket.close(1000, "done");
        proxy.awaitNothingOpen();
    }

    @Test
    void subprotocolChosenByTheBackend_reachesTheClient() throws Exception {
        backend.acceptSubprotocols("chat.v2");
        ClientUpgradeRequest request = new ClientUpgradeRequest(proxy.uri("/"));
        request.setSubProtocols("chat.v1", "chat.v2");

        ClientSocket socket = client.connect(request);

        assertThat(socket.session().getUpgradeResponse().getAcceptedSubProtocol()).isEqualTo("chat.v2");
        assertThat(backend.upgrades()).singleElement()
            .satisfies(u -> assertThat(u.offeredSubprotocols()).containsExactly("chat.v1", "chat.v2"));
        assertThat(socket.echo("v2 talk")).isEqualTo("v2 talk");
        socket.close(1000, "done");
        proxy.awaitNothingOpen();
    }

    @Test
    void manyMessagesBothWays_keepTheirOrder() throws Exception {
        ClientSocket socket = client.connect(proxy.uri("/"));
        for (int i = 0; i < 500; i++) {
            socket.session().sendText("m" + i, Callback.NOOP);
        }
        for (int i = 0; i < 500; i++) {
            assertThat(socket.nextText()).isEqualTo("m" + i);
        }
        socket.close(1000, "done");
        proxy.awaitNothingOpen();
        assertThat(events.closed).singleElement().satisfies(c -> {
            assertThat(c.fromClient()).isGreaterThan(500L * 6);
            assertThat(c.fromBackend()).isGreaterThan(500L * 2);
        });
    }

    @Test
    void permessageDeflateNegotiatedEndToEnd_compressedFramesPassThrough() throws Exception {
        ClientUpgradeRequest request = new ClientUpgradeRequest(proxy.uri("/"));
        request.addExtensions("permessage-deflate");

        ClientSocket socket = client.connect(request);

        assertThat(socket.session().getUpgradeResponse().getExtensions())
            .extracting(org.eclipse.jetty.websocket.api.ExtensionConfig::getName).contains("permessage-deflate");
        String compressible = "abcabcabc ".repeat(20_000);
        assertThat(socket.echo(compressible)).isEqualTo(compressible);
        assertThat(socket.echo("short")).isEqualTo("short");
        socket.close(1000, "done");
        proxy.awaitNothingOpen();
        assertThat(events.closed).singleElement().satisfies(c -> assertThat(c.fromClient()).isLessThan(compressible.length() / 4));
    }

    @Test
    void framesWrittenOneByteAtATime_areRelayedIntact() throws Exception {
        try (RawWebSocketConnection raw = RawWebSocketConnection.open(proxy.port())) {
            assertThat(raw.upgrade("/").status()).isEqualTo(101);
            byte[] small = "tiny".getBytes(StandardCharsets.UTF_8);
            byte[] medium = new byte[300]; // 16-bit length form
            byte[] large = new byte[70_000]; // 64-bit length form
            new Random(7).nextBytes(medium);
            new Random(8).nextBytes(large);

            for (byte[] payload : List.of(small, medium)) {
                for (byte b : Frame.of(0x2, payload).masked().encode()) {
                    raw.write(new byte[] {b});
                }
            }
            byte[] largeFrame = Frame.of(0x2, large).masked().encode();
            for (int i = 0; i < 20; i++) {
                raw.write(new byte[] {largeFrame[i]}); // the header and the start of the payload, byte by byte
            }
            raw.write(Arrays.copyOfRange(largeFrame, 20, largeFrame.length));

            assertThat(raw.readMessage().payload()).isEqualTo(small);
            assertThat(raw.readMessage().payload()).isEqualTo(medium);
            assertThat(raw.readMessage().payload()).isEqualTo(large);
            assertThat(raw.closeNormally().closeStatus()).isEqualTo(1000);
        }
        proxy.awaitNothingOpen();
    }

    @Test
    void manyFramesInOneWrite_areAllRelayed() throws Exception {
        try (RawWebSocketConnection raw = RawWebSocketConnection.open(proxy.port())) {
            assertThat(raw.upgrade("/").status()).isEqualTo(101);
            ByteArrayOutputStream burst = new ByteArrayOutputStream();
            for (int i = 0; i < 200; i++) {
                burst.writeBytes(Frame.of(0x1, ("msg-" + i).getBytes(StandardCharsets.UTF_8)).masked().encode());
                if (i % 50 == 0) {
                    burst.writeBytes(Frame.of(0x9, ("ping-" + i).getBytes(StandardCharsets.UTF_8)).masked().encode());
                }
            }

            raw.write(burst.toByteArray());

            int texts = 0;
            int pongs = 0;
            while (texts < 200) {
                Frame frame = raw.read();
                assertThat(frame.isMasked()).as("frames toward a client are never masked").isFalse();
                if (frame.opcode() == 0x1) {
                    assertThat(frame.text()).isEqualTo("msg-" + texts);
                    texts++;
                } else if (frame.opcode() == 0xA) {
                    pongs++;
                }
            }
            assertThat(raw.closeNormally().closeStatus()).isEqualTo(1000);
            assertThat(pongs).isGreaterThanOrEqualTo(3);
        }
        proxy.awaitNothingOpen();
    }

    @Test
    void concurrentConnections_echoRandomSizedMessagesIntact() throws Exception {
        List<CompletableFuture<Void>> runs = new ArrayList<>();
        for (int c = 0; c < 8; c++) {
            int seed = c;
            runs.add(CompletableFuture.runAsync(() -> {
                try {
                    ClientSocket socket = client.connect(proxy.uri("/load"));
                    Random random = new Random(seed);
                    for (int i = 0; i < 30; i++) {
                        byte[] bytes = new byte[random.nextInt(200_000)];
                        random.nextBytes(bytes);
                        socket.sendBinary(bytes);
                        assertThat(socket.nextBinary()).isEqualTo(bytes);
                    }
                    socket.close(1000, "done");
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }));
        }
        CompletableFuture.allOf(runs.toArray(CompletableFuture[]::new)).get(15, TimeUnit.SECONDS);
        proxy.awaitNothingOpen();
    }
}
