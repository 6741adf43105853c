package io.wslb.jetty.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.wslb.Backend;
import io.wslb.CloseCause;
import io.wslb.FrameLimits;
import io.wslb.jetty.testing.BackendConnection;
import io.wslb.jetty.testing.Balancers;
import io.wslb.jetty.testing.ClientSocket;
import io.wslb.jetty.testing.CloseStatus;
import io.wslb.jetty.testing.Closer;
import io.wslb.jetty.testing.EchoBackend;
import io.wslb.jetty.testing.EchoBackends;
import io.wslb.jetty.testing.EventLog;
import io.wslb.jetty.testing.LoadBalancerProxy;
import io.wslb.jetty.testing.RawBackend;
import io.wslb.jetty.testing.WsClient;
import io.wslb.testing.Chopping;
import io.wslb.testing.Frame;
import io.wslb.testing.RawHttpResponse;
import io.wslb.testing.RawWebSocketConnection;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Frames that break the protocol or the limits are stopped at the proxy; other connections carry on. */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class FrameValidationTest {

    private static final int MAX_FRAME = 1024;
    private static final int MAX_MESSAGE = 2048;

    private final Closer closer = new Closer();
    private final EventLog events = new EventLog();
    private EchoBackend backend;
    private LoadBalancerProxy proxy;

    @BeforeEach
    void start() throws Exception {
        backend = closer.add(EchoBackends.start(1)).get(0);
        proxy = closer.add(LoadBalancerProxy.handler("/", Balancers.roundRobin(events, backend.backend())
            .frameLimits(FrameLimits.of(MAX_FRAME, MAX_MESSAGE)).build()));
    }

    @AfterEach
    void stop() throws Exception {
        closer.close();
    }

    private RawWebSocketConnection upgraded() throws Exception {
        RawWebSocketConnection raw = closer.add(RawWebSocketConnection.open(proxy.port()));
        RawHttpResponse answer = raw.upgrade("/");
        assertThat(answer.status()).as(answer.toString()).isEqualTo(101);
        return raw;
    }

    private BackendConnection onlyBackendConnection() {
        assertThat(backend.connections()).hasSize(1);
        return backend.connections().get(0);
    }

    @Test
    void unmaskedClientFrame_getsClose1002AndIsNotRelayed() throws Exception {
        RawWebSocketConnection raw = upgraded();

        raw.sendAsIs(Chopping.whole(), List.of(Frame.of(0x1, "unmasked".getBytes(StandardCharsets.UTF_8))));

        Frame close = raw.awaitCloseFrame(Duration.ofSeconds(3));
        assertThat(close.closeStatus()).as(close.toString()).isEqualTo(1002);
        assertThat(raw.answerCloseAndAwaitEnd(close, Duration.ofSeconds(3))).as("the proxy closes the socket").isTrue();
        BackendConnection seen = onlyBackendConnection();
        assertThat(seen.closed().get(5, TimeUnit.SECONDS).code()).isEqualTo(1001);
        assertThat(seen.messageCount()).as("messages the backend received").isZero();
        proxy.awaitNothingOpen();
        assertThat(events.closed).singleElement().extracting(EventLog.Closed::cause).isEqualTo(CloseCause.CLIENT_PROTOCOL_ERROR);
    }

    @Test
    void frameOverMaxFrameSize_getsClose1009BeforeItsPayloadIsRelayed() throws Exception {
        RawWebSocketConnection raw = upgraded();
        raw.send(Frame.text("small one first"));
        assertThat(raw.read().text()).isEqualTo("small one first");

        // Only the header and 10 bytes of a frame announcing MAX_FRAME + 1 bytes: the proxy must decide on the header.
        raw.write(Frame.of(0x2, new byte[0]).masked(new byte[] {1, 2, 3, 4}).headerAnnouncing(MAX_FRAME + 1));
        raw.write(new byte[10]);

        Frame close = raw.awaitCloseFrame(Duration.ofSeconds(3));
        assertThat(close.closeStatus()).as(close.toString()).isEqualTo(1009);
        assertThat(raw.answerCloseAndAwaitEnd(close, Duration.ofSeconds(3))).as("the proxy closes the socket").isTrue();
        BackendConnection seen = onlyBackendConnection();
        assertThat(seen.closed().get(5, TimeUnit.SECONDS).code()).isEqualTo(1001);
        assertThat(seen.messageCount()).as("messages the backend received").isEqualTo(1);
        assertThat(seen.binaries()).isEmpty();
        proxy.awaitNothingOpen();
        assertThat(events.closed).singleElement().extracting(EventLog.Closed::cause).isEqualTo(CloseCause.MESSAGE_TOO_BIG);
    }

    @Test
    void frameOfExactlyMaxFrameSize_passes() throws Exception {
        RawWebSocketConnection raw = upgraded();
        byte[] payload = new byte[MAX_FRAME];
        Arrays.fill(payload, (byte) 'x');

        raw.send(Frame.of(0x2, payload));

        Frame echo = raw.read();
        assertThat(echo.opcode()).isEqualTo(0x2);
        assertThat(echo.payload()).isEqualTo(payload);
        assertThat(raw.closeNormally().closeStatus()).isEqualTo(1000);
        proxy.awaitNothingOpen();
    }

    @Test
    void fragmentedMessageOverMaxMessageSize_getsClose1009AndNeverReachesTheBackendWhole() throws Exception {
        RawWebSocketConnection raw = upgraded();
        byte[] part = new byte[1000];

        raw.send(Frame.of(0x2, part).fin(false));
        raw.send(Frame.of(0x0, part).fin(false));
        raw.send(Frame.of(0x0, part)); // 3000 bytes in all, over 2048

        Frame close = raw.awaitCloseFrame(Duration.ofSeconds(3));
        assertThat(close.closeStatus()).as(close.toString()).isEqualTo(1009);
        assertThat(raw.answerCloseAndAwaitEnd(close, Duration.ofSeconds(3))).as("the proxy closes the socket").isTrue();
        BackendConnection seen = onlyBackendConnection();
        assertThat(seen.closed().get(5, TimeUnit.SECONDS).code()).isEqualTo(1001);
        assertThat(seen.messageCount()).isZero();
        proxy.awaitNothingOpen();
    }

    @Test
    void reservedOpcode_getsClose1002() throws Exception {
        RawWebSocketConnection raw = upgraded();

        raw.send(Frame.of(0x3, new byte[] {1}));

        Frame close = raw.awaitCloseFrame(Duration.ofSeconds(3));
        assertThat(close.closeStatus()).isEqualTo(1002);
        assertThat(raw.answerCloseAndAwaitEnd(close, Duration.ofSeconds(3))).as("the proxy closes the socket").isTrue();
        assertThat(onlyBackendConnection().closed().get(5, TimeUnit.SECONDS).code()).isEqualTo(1001);
        proxy.awaitNothingOpen();
    }

    @Test
    void reservedBitWithoutAnExtension_getsClose1002() throws Exception {
        RawWebSocketConnection raw = upgraded();
        byte[] frame = Frame.of(0x1, "rsv1".getBytes(StandardCharsets.UTF_8)).masked().encode();
        frame[0] |= 0x40;

        raw.write(frame);

        Frame close = raw.awaitCloseFrame(Duration.ofSeconds(3));
        assertThat(close.closeStatus()).isEqualTo(1002);
        assertThat(raw.answerCloseAndAwaitEnd(close, Duration.ofSeconds(3))).as("the proxy closes the socket").isTrue();
        assertThat(onlyBackendConnection().messageCount()).isZero();
        proxy.awaitNothingOpen();
    }

    @Test
    void controlFrameLongerThan125Bytes_getsClose1002() throws Exception {
        RawWebSocketConnection raw = upgraded();

        raw.send(Frame.of(0x9, new byte[126]));

        Frame close = raw.awaitCloseFrame(Duration.ofSeconds(3));
        assertThat(close.closeStatus()).isEqualTo(1002);
        assertThat(raw.answerCloseAndAwaitEnd(close, Duration.ofSeconds(3))).as("the proxy closes the socket").isTrue();
        proxy.awaitNothingOpen();
    }

    @Test
    void bytesSentBeforeThe101_areNotForwarded() throws Exception {
        RawWebSocketConnection raw = closer.add(RawWebSocketConnection.open(proxy.port()));
        String key = RawWebSocketConnection.newKey();
        ByteArrayOutputStream both = new ByteArrayOutputStream();
        both.writeBytes(raw.upgradeRequest("/", key).getBytes(StandardCharsets.ISO_8859_1));
        both.writeBytes(Frame.of(0x1, "too early".getBytes(StandardCharsets.UTF_8)).masked().encode());

        raw.write(both.toByteArray());
        RawHttpResponse answer = raw.readResponse();

        if (answer.status() == 101) {
            // Whatever the proxy does with the early bytes, it relays nothing of them; a close frame may follow.
            Frame close = raw.awaitCloseFrame(Duration.ofSeconds(3));
            raw.answerCloseAndAwaitEnd(close, Duration.ofSeconds(3));
        }
        assertThat(backend.connections()).allSatisfy(c -> assertThat(c.messageCount()).isZero());
        proxy.awaitNothingOpen();
    }

    @Test
    void abusedConnection_doesNotDisturbAnotherOneAlongside() throws Exception {
        WsClient client = closer.add(WsClient.start());
        ClientSocket healthy = client.connect(proxy.uri("/"));
        assertThat(healthy.echo("before")).isEqualTo("before");

        RawWebSocketConnection abuser = upgraded();
        abuser.sendAsIs(Chopping.whole(), List.of(Frame.of(0x1, "unmasked".getBytes(StandardCharsets.UTF_8))));
        Frame abuserClose = abuser.awaitCloseFrame(Duration.ofSeconds(3));
        assertThat(abuserClose.closeStatus()).isEqualTo(1002);
        RawWebSocketConnection bigSender = upgraded();
        bigSender.write(Frame.of(0x2, new byte[0]).masked(new byte[] {9, 9, 9, 9}).headerAnnouncing(1L << 40));
        Frame bigClose = bigSender.awaitCloseFrame(Duration.ofSeconds(3));
        assertThat(bigClose.closeStatus()).isEqualTo(1009);
        abuser.answerCloseAndAwaitEnd(abuserClose, Duration.ofSeconds(3));
        bigSender.answerCloseAndAwaitEnd(bigClose, Duration.ofSeconds(3));

        for (int i = 0; i < 20; i++) {
            assertThat(healthy.echo("after " + i)).isEqualTo("after " + i);
        }
        assertThat(proxy.handler().getOpenConnections()).isGreaterThanOrEqualTo(1);
        CloseStatus closed = healthy.close(1000, "done");
        assertThat(closed.code()).isEqualTo(1000);
        proxy.awaitNothingOpen();
    }

    @Test
    void violatorThatNeverAnswersTheClose_isStillReleasedWithoutLeaking() throws Exception {
        RawWebSocketConnection raw = upgraded();

        raw.sendAsIs(Chopping.whole(), List.of(Frame.of(0x1, "unmasked".getBytes(StandardCharsets.UTF_8))));
        assertThat(raw.awaitCloseFrame(Duration.ofSeconds(3)).closeStatus()).isEqualTo(1002);

        // The client keeps its socket open and says nothing more; the proxy must still let go of it.
        proxy.awaitNothingOpen(Duration.ofSeconds(8));
        assertThat(raw.discardUntilEndOfStream(Duration.ofSeconds(1))).isTrue();
    }

    @Test
    void maskedFrameFromTheBackend_givesTheClient1011() throws Exception {
        RawBackend hostile = closer.add(RawBackend.start(request -> {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.writeBytes(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: "
                + RawWebSocketConnection.acceptFor(RawBackend.keyOf(request)) + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.writeBytes(Frame.of(0x1, "masked from a server".getBytes(StandardCharsets.UTF_8)).masked().encode());
            return out.toByteArray();
        }));
        LoadBalancerProxy hostileProxy = closer.add(LoadBalancerProxy.handler("/",
            Balancers.roundRobin(events, Backend.of("hostile", hostile.uri())).build()));
        RawWebSocketConnection raw = closer.add(RawWebSocketConnection.open(hostileProxy.port()));

        assertThat(raw.upgrade("/").status()).isEqualTo(101);

        Frame close = raw.awaitCloseFrame(Duration.ofSeconds(3));
        assertThat(close.closeStatus()).as(close.toString()).isEqualTo(1011);
        assertThat(raw.answerCloseAndAwaitEnd(close, Duration.ofSeconds(3))).as("the proxy closes the socket").isTrue();
        hostileProxy.awaitNothingOpen();
    }
}
