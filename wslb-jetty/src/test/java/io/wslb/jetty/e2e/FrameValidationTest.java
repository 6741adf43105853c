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
import io.wslb.jetty.testing.RawWebSocket;
import io.wslb.jetty.testing.WsClient;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
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

    private RawWebSocket upgraded() throws Exception {
        RawWebSocket raw = closer.add(RawWebSocket.connect(proxy.port()));
        RawWebSocket.HttpResponse answer = raw.upgrade("/");
        assertThat(answer.status()).as(answer.toString()).isEqualTo(101);
        return raw;
    }

    private BackendConnection onlyBackendConnection() {
        assertThat(backend.connections()).hasSize(1);
        return backend.connections().get(0);
    }

    @Test
    void unmaskedClientFrame_getsClose1002AndIsNotRelayed() throws Exception {
        RawWebSocket raw = upgraded();

        raw.sendFrame(true, 0x1, "unmasked".getBytes(StandardCharsets.UTF_8), false);

        RawWebSocket.Frame close = raw.awaitCloseFrame(Duration.ofSeconds(3));
        assertThat(close.closeCode()).as(close.toString()).isEqualTo(1002);
        assertThat(raw.answerCloseAndAwaitEnd(close, Duration.ofSeconds(3))).as("the proxy closes the socket").isTrue();
        BackendConnection seen = onlyBackendConnection();
        assertThat(seen.closed().get(5, TimeUnit.SECONDS).code()).isEqualTo(1001);
        assertThat(seen.messageCount()).as("messages the backend received").isZero();
        proxy.awaitNothingOpen();
        assertThat(events.closed).singleElement().extracting(EventLog.Closed::cause).isEqualTo(CloseCause.CLIENT_PROTOCOL_ERROR);
    }

    @Test
    void frameOverMaxFrameSize_getsClose1009BeforeItsPayloadIsRelayed() throws Exception {
        RawWebSocket raw = upgraded();
        raw.sendText("small one first");
        assertThat(raw.readFrame().text()).isEqualTo("small one first");

        // Only the header and 10 bytes of a frame announcing MAX_FRAME + 1 bytes: the proxy must decide on the header.
        raw.write(RawWebSocket.frameHeader(true, 0x2, MAX_FRAME + 1, new byte[] {1, 2, 3, 4}));
        raw.write(new byte[10]);

        RawWebSocket.Frame close = raw.awaitCloseFrame(Duration.ofSeconds(3));
        assertThat(close.closeCode()).as(close.toString()).isEqualTo(1009);
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
        RawWebSocket raw = upgraded();
        byte[] payload = new byte[MAX_FRAME];
        Arrays.fill(payload, (byte) 'x');

        raw.sendFrame(true, 0x2, payload, true);

        RawWebSocket.Frame echo = raw.readFrame();
        assertThat(echo.opcode()).isEqualTo(0x2);
        assertThat(echo.payload()).isEqualTo(payload);
        assertThat(raw.closeNormally().closeCode()).isEqualTo(1000);
        proxy.awaitNothingOpen();
    }

    @Test
    void fragmentedMessageOverMaxMessageSize_getsClose1009AndNeverReachesTheBackendWhole() throws Exception {
        RawWebSocket raw = upgraded();
        byte[] part = new byte[1000];

        raw.sendFrame(false, 0x2, part, true);
        raw.sendFrame(false, 0x0, part, true);
        raw.sendFrame(true, 0x0, part, true); // 3000 bytes in all, over 2048

        RawWebSocket.Frame close = raw.awaitCloseFrame(Duration.ofSeconds(3));
        assertThat(close.closeCode()).as(close.toString()).isEqualTo(1009);
        assertThat(raw.answerCloseAndAwaitEnd(close, Duration.ofSeconds(3))).as("the proxy closes the socket").isTrue();
        BackendConnection seen = onlyBackendConnection();
        assertThat(seen.closed().get(5, TimeUnit.SECONDS).code()).isEqualTo(1001);
        assertThat(seen.messageCount()).isZero();
        proxy.awaitNothingOpen();
    }

    @Test
    void reservedOpcode_getsClose1002() throws Exception {
        RawWebSocket raw = upgraded();

        raw.sendFrame(true, 0x3, new byte[] {1}, true);

        RawWebSocket.Frame close = raw.awaitCloseFrame(Duration.ofSeconds(3));
        assertThat(close.closeCode()).isEqualTo(1002);
        assertThat(raw.answerCloseAndAwaitEnd(close, Duration.ofSeconds(3))).as("the proxy closes the socket").isTrue();
        assertThat(onlyBackendConnection().closed().get(5, TimeUnit.SECONDS).code()).isEqualTo(1001);
        proxy.awaitNothingOpen();
    }

    @Test
    void reservedBitWithoutAnExtension_getsClose1002() throws Exception {
        RawWebSocket raw = upgraded();
        byte[] frame = RawWebSocket.frame(true, 0x1, "rsv1".getBytes(StandardCharsets.UTF_8), true);
        frame[0] |= 0x40;

        raw.write(frame);

        RawWebSocket.Frame close = raw.awaitCloseFrame(Duration.ofSeconds(3));
        assertThat(close.closeCode()).isEqualTo(1002);
        assertThat(raw.answerCloseAndAwaitEnd(close, Duration.ofSeconds(3))).as("the proxy closes the socket").isTrue();
        assertThat(onlyBackendConnection().messageCount()).isZero();
        proxy.awaitNothingOpen();
    }

    @Test
    void controlFrameLongerThan125Bytes_getsClose1002() throws Exception {
        RawWebSocket raw = upgraded();

        raw.sendFrame(true, 0x9, new byte[126], true);

        RawWebSocket.Frame close = raw.awaitCloseFrame(Duration.ofSeconds(3));
        assertThat(close.closeCode()).isEqualTo(1002);
        assertThat(raw.answerCloseAndAwaitEnd(close, Duration.ofSeconds(3))).as("the proxy closes the socket").isTrue();
        proxy.awaitNothingOpen();
    }

    @Test
    void bytesSentBeforeThe101_areNotForwarded() throws Exception {
        RawWebSocket raw = closer.add(RawWebSocket.connect(proxy.port()));
        String key = RawWebSocket.newKey();
        ByteArrayOutputStream both = new ByteArrayOutputStream();
        both.writeBytes(raw.upgradeRequest("/", key).getBytes(StandardCharsets.ISO_8859_1));
        both.writeBytes(RawWebSocket.frame(true, 0x1, "too early".getBytes(StandardCharsets.UTF_8), true));

        raw.write(both.toByteArray());
        RawWebSocket.HttpResponse answer = raw.readResponse();

        if (answer.status() == 101) {
            // Whatever the proxy does with the early bytes, it relays nothing of them; a close frame may follow.
            RawWebSocket.Frame close = raw.awaitCloseFrame(Duration.ofSeconds(3));
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

        RawWebSocket abuser = upgraded();
        abuser.sendFrame(true, 0x1, "unmasked".getBytes(StandardCharsets.UTF_8), false);
        RawWebSocket.Frame abuserClose = abuser.awaitCloseFrame(Duration.ofSeconds(3));
        assertThat(abuserClose.closeCode()).isEqualTo(1002);
        RawWebSocket bigSender = upgraded();
        bigSender.write(RawWebSocket.frameHeader(true, 0x2, 1L << 40, new byte[] {9, 9, 9, 9}));
        RawWebSocket.Frame bigClose = bigSender.awaitCloseFrame(Duration.ofSeconds(3));
        assertThat(bigClose.closeCode()).isEqualTo(1009);
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
        RawWebSocket raw = upgraded();

        raw.sendFrame(true, 0x1, "unmasked".getBytes(StandardCharsets.UTF_8), false);
        assertThat(raw.awaitCloseFrame(Duration.ofSeconds(3)).closeCode()).isEqualTo(1002);

        // The client keeps its socket open and says nothing more; the proxy must still let go of it.
        proxy.awaitNothingOpen(Duration.ofSeconds(8));
        assertThat(raw.awaitEndOfStream(Duration.ofSeconds(1))).isTrue();
    }

    @Test
    void maskedFrameFromTheBackend_givesTheClient1011() throws Exception {
        RawBackend hostile = closer.add(RawBackend.start(request -> {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.writeBytes(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: "
                + RawWebSocket.acceptFor(RawBackend.keyOf(request)) + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.writeBytes(RawWebSocket.frame(true, 0x1, "masked from a server".getBytes(StandardCharsets.UTF_8), true));
            return out.toByteArray();
        }));
        LoadBalancerProxy hostileProxy = closer.add(LoadBalancerProxy.handler("/",
            Balancers.roundRobin(events, Backend.of("hostile", hostile.uri())).build()));
        RawWebSocket raw = closer.add(RawWebSocket.connect(hostileProxy.port()));

        assertThat(raw.upgrade("/").status()).isEqualTo(101);

        RawWebSocket.Frame close = raw.awaitCloseFrame(Duration.ofSeconds(3));
        assertThat(close.closeCode()).as(close.toString()).isEqualTo(1011);
        assertThat(raw.answerCloseAndAwaitEnd(close, Duration.ofSeconds(3))).as("the proxy closes the socket").isTrue();
        hostileProxy.awaitNothingOpen();
    }
}
