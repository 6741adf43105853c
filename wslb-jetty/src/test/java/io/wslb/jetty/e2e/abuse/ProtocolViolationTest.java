package io.wslb.jetty.e2e.abuse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.wslb.Backend;
import io.wslb.FrameLimits;
import io.wslb.WebSocketLoadBalancerBuilder;
import io.wslb.jetty.testing.ScriptedBackend;
import io.wslb.testing.Frame;
import io.wslb.testing.RawWebSocketConnection;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Every kind of frame-level violation after the upgrade, each on its own connection, all open at once while the
 * bystanders echo: each gets its close code, and the backend gets nothing of the offending frames.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ProtocolViolationTest extends AbuseTestBase {

    private static final int MAX_FRAME = 1024;
    private static final int MAX_MESSAGE = 2048;
    private static final byte[] MASK = {1, 2, 3, 4};

    /** A violation: the bytes to send, the close code expected, and whether data may reach the backend first. */
    private record Violation(String what, byte[] bytes, int code, boolean partOfAMessageMayPass) {}

    @Override
    WebSocketLoadBalancerBuilder balancer(Backend scripted) {
        return super.balancer(scripted).frameLimits(FrameLimits.of(MAX_FRAME, MAX_MESSAGE));
    }

    private static byte[] frame(boolean fin, int opcode, int length) {
        return Frame.of(opcode, new byte[length]).fin(fin).masked().encode();
    }

    private static byte[] withFirstByte(byte[] frame, int orBits) {
        frame[0] |= (byte) orBits;
        return frame;
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    private static List<Violation> violations() {
        List<Violation> list = new ArrayList<>();
        list.add(new Violation("unmasked text frame", Frame.of(0x1, "unmasked".getBytes(StandardCharsets.UTF_8)).encode(), 1002, false));
        list.add(new Violation("RSV1 without an extension", withFirstByte(frame(true, 0x1, 4), 0x40), 1002, false));
        list.add(new Violation("RSV2", withFirstByte(frame(true, 0x2, 4), 0x20), 1002, false));
        list.add(new Violation("RSV3", withFirstByte(frame(true, 0x2, 4), 0x10), 1002, false));
        for (int opcode : new int[] {3, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF}) {
            list.add(new Violation("reserved opcode " + opcode, frame(true, opcode, 1), 1002, false));
        }
        list.add(new Violation("ping of 126 bytes", frame(true, 0x9, 126), 1002, false));
        list.add(new Violation("close of 126 bytes", frame(true, 0x8, 126), 1002, false));
        list.add(new Violation("fragmented ping", frame(false, 0x9, 4), 1002, false));
        list.add(new Violation("continuation without a message", frame(true, 0x0, 4), 1002, false));
        list.add(new Violation("64-bit length with the top bit set",
            concat(new byte[] {(byte) 0x82, (byte) (0x80 | 127), (byte) 0x80, 0, 0, 0, 0, 0, 0, 1}, MASK), 1002, false));
        list.add(new Violation("frame of maxFrameSize + 1 (header and 10 bytes sent)",
            concat(Frame.of(0x2, new byte[0]).masked(MASK).headerAnnouncing(MAX_FRAME + 1), new byte[10]), 1009, false));
        list.add(new Violation("frame header announcing 1 TiB", Frame.of(0x2, new byte[0]).masked(MASK).headerAnnouncing(1L << 40), 1009, false));
        list.add(new Violation("fragmented message over maxMessageSize",
            concat(frame(false, 0x2, 1000), frame(false, 0x0, 1000), frame(true, 0x0, 1000)), 1009, true));
        return list;
    }

    @Test
    void everyKindOfProtocolViolation_getsItsCloseCode_andNothingOfItReachesTheBackend() throws Exception {
        List<Violation> violations = violations();
        List<RawWebSocketConnection> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < violations.size(); i++) {
                RawWebSocketConnection raw = RawWebSocketConnection.open(proxy.port());
                sockets.add(raw);
                assertThat(raw.upgrade("/violation-" + i).status()).isEqualTo(101);
            }
            for (int i = 0; i < violations.size(); i++) {
                sockets.get(i).write(violations.get(i).bytes());
            }
            // The violators' connections are all open (closing): the others must be served meanwhile.
            harness.duringAbuse();
            for (int i = 0; i < violations.size(); i++) {
                Violation v = violations.get(i);
                Frame close = sockets.get(i).awaitCloseFrame(Duration.ofSeconds(5));
                assertThat(close.closeStatus()).as(v.what() + ": " + close).isEqualTo(v.code());
                assertThat(sockets.get(i).answerCloseAndAwaitEnd(close, Duration.ofSeconds(5))).as(v.what() + ": the proxy closes the socket")
                    .isTrue();
            }
        } finally {
            for (RawWebSocketConnection raw : sockets) {
                raw.close();
            }
        }

        for (int i = 0; i < violations.size(); i++) {
            Violation v = violations.get(i);
            ScriptedBackend.Peer seen = backend.peers("/violation-" + i).get(0);
            await(v.what() + ": backend connection ended").atMost(Duration.ofSeconds(10)).until(() -> seen.ended().isDone());
            List<ScriptedBackend.Frame> frames = seen.frames();
            assertThat(frames).as(v.what() + ": frames the backend received").isNotEmpty();
            assertThat(frames.get(frames.size() - 1).opcode()).as(v.what()).isEqualTo(0x8);
            assertThat(frames.get(frames.size() - 1).closeCode()).as(v.what() + ": close code toward the backend").isEqualTo(1001);
            if (v.partOfAMessageMayPass()) {
                assertThat(frames.subList(0, frames.size() - 1)).as(v.what() + ": no message completed on the backend")
                    .noneMatch(ScriptedBackend.Frame::fin);
            } else {
                assertThat(frames).as(v.what() + ": only the proxy's close reached the backend").hasSize(1);
            }
        }
    }
}
