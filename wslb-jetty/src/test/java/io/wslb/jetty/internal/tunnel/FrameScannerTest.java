package io.wslb.jetty.internal.tunnel;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class FrameScannerTest {

    private static final long NO_LIMIT = Long.MAX_VALUE;

    /** Encodes a frame as a client would (masked) or a server would (unmasked). */
    static byte[] frame(boolean fin, int rsv, int opcode, boolean masked, byte[] payload) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write((fin ? 0x80 : 0) | rsv | opcode);
        int maskBit = masked ? 0x80 : 0;
        if (payload.length < 126) {
            out.write(maskBit | payload.length);
        } else if (payload.length < 65536) {
            out.write(maskBit | 126);
            out.write(payload.length >> 8);
            out.write(payload.length);
        } else {
            out.write(maskBit | 127);
            long len = payload.length;
            for (int i = 7; i >= 0; i--) {
                out.write((int) (len >> (8 * i)));
            }
        }
        byte[] mask = {1, 2, 3, 4};
        if (masked) {
            out.write(mask, 0, 4);
        }
        for (int i = 0; i < payload.length; i++) {
            out.write(masked ? payload[i] ^ mask[i & 3] : payload[i]);
        }
        return out.toByteArray();
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.write(part, 0, part.length);
        }
        return out.toByteArray();
    }

    static FrameScanner client() {
        return new FrameScanner(new FrameRules(true, NO_LIMIT, NO_LIMIT, 0, 0));
    }

    @Test
    void completeMaskedFrames_areForwardedWhole_andEndAtABoundary() {
        FrameScanner scanner = client();
        byte[] bytes = concat(frame(true, 0, 1, true, "hello".getBytes()), frame(true, 0, 2, true, new byte[300]));
        ByteBuffer buffer = ByteBuffer.wrap(bytes);

        assertThat(scanner.scan(buffer)).isEqualTo(bytes.length);
        assertThat(scanner.violation()).isZero();
        assertThat(scanner.atBoundary()).isTrue();
        assertThat(buffer.position()).as("scan leaves the buffer untouched").isZero();
    }

    @Test
    void payloadSplitAcrossReads_isForwardedAsItComes_andIsNotABoundary() {
        FrameScanner scanner = client();
        byte[] bytes = frame(true, 0, 2, true, new byte[1000]);

        assertThat(scanner.scan(ByteBuffer.wrap(bytes, 0, 500))).isEqualTo(500);
        assertThat(scanner.atBoundary()).isFalse();
        assertThat(scanner.scan(ByteBuffer.wrap(bytes, 500, bytes.length - 500))).isEqualTo(bytes.length - 500);
        assertThat(scanner.atBoundary()).isTrue();
    }

    @Test
    void incompleteHeader_isHeldBack_untilTheRestArrives() {
        FrameScanner scanner = client();
        byte[] first = frame(true, 0, 1, true, "a".getBytes());
        byte[] second = frame(true, 0, 2, true, new byte[200]); // 2 + 2 + 4 header bytes
        byte[] bytes = concat(first, second);
        int cut = first.length + 3; // inside the second header

        assertThat(scanner.scan(ByteBuffer.wrap(bytes, 0, cut))).as("only the complete first frame").isEqualTo(first.length);
        assertThat(scanner.atBoundary()).as("the held-back header was not forwarded").isTrue();
        assertThat(scanner.scan(ByteBuffer.wrap(bytes, cut, bytes.length - cut))).isEqualTo(bytes.length - cut);
        assertThat(scanner.violation()).isZero();
        assertThat(scanner.atBoundary()).isTrue();
    }

    @Test
    void headerDeliveredOneByteAtATime_isFollowed() {
        FrameScanner scanner = client();
        byte[] bytes = frame(true, 0, 2, true, new byte[70000]); // 8-byte length + mask: 14 header bytes
        int forwarded = 0;
        for (int i = 0; i < 13; i++) {
            forwarded += scanner.scan(ByteBuffer.wrap(bytes, i, 1));
        }
        assertThat(forwarded).as("nothing of an incomplete header goes out").isZero();
        assertThat(scanner.scan(ByteBuffer.wrap(bytes, 13, bytes.length - 13))).isEqualTo(bytes.length - 13);
        assertThat(scanner.atBoundary()).isTrue();
    }

    @Test
    void unmaskedClientFrame_isAProtocolError_atTheFrameStart() {
        FrameScanner scanner = client();
        byte[] good = frame(true, 0, 1, true, "ok".getBytes());
        byte[] bad = frame(true, 0, 1, false, "bad".getBytes());

        assertThat(scanner.scan(ByteBuffer.wrap(concat(good, bad)))).isEqualTo(good.length);
        assertThat(scanner.violation()).isEqualTo(1002);
        assertThat(scanner.violationReason()).contains("unmasked");
        assertThat(scanner.atBoundary()).isTrue();
    }

    @Test
    void maskedServerFrame_isAProtocolError() {
        FrameScanner scanner = new FrameScanner(new FrameRules(false, NO_LIMIT, NO_LIMIT, 0, 0));
        assertThat(scanner.scan(ByteBuffer.wrap(frame(true, 0, 1, true, "x".getBytes())))).isZero();
        assertThat(scanner.violation()).isEqualTo(1002);
    }

    @Test
    void reservedOpcodes_areProtocolErrors() {
        for (int opcode : new int[] {3, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF}) {
            FrameScanner scanner = client();
            scanner.scan(ByteBuffer.wrap(frame(true, 0, opcode, true, new byte[0])));
            assertThat(scanner.violation()).as("opcode %d", opcode).isEqualTo(1002);
        }
    }

    @Test
    void reservedBits_withoutAnExtension_areProtocolErrors() {
        for (int rsv : new int[] {0x40, 0x20, 0x10}) {
            FrameScanner scanner = client();
            scanner.scan(ByteBuffer.wrap(frame(true, rsv, 1, true, "x".getBytes())));
            assertThat(scanner.violation()).as("rsv %x", rsv).isEqualTo(1002);
        }
    }

    @Test
    void rsv1_isAllowedOnTheFirstFrameWithDeflate_butNotOnContinuationsOrControlFrames() {
        FrameScanner deflate = new FrameScanner(new FrameRules(true, NO_LIMIT, NO_LIMIT, FrameRules.RSV1, 0));
        byte[] first = frame(false, 0x40, 1, true, "a".getBytes());
        assertThat(deflate.scan(ByteBuffer.wrap(first))).isEqualTo(first.length);
        assertThat(deflate.violation()).isZero();
        deflate.scan(ByteBuffer.wrap(frame(true, 0x40, 0, true, "b".getBytes())));
        assertThat(deflate.violation()).isEqualTo(1002);

        FrameScanner control = new FrameScanner(new FrameRules(true, NO_LIMIT, NO_LIMIT, FrameRules.RSV1, 0));
        control.scan(ByteBuffer.wrap(frame(true, 0x40, 9, true, new byte[0])));
        assertThat(control.violation()).isEqualTo(1002);
    }

    @Test
    void controlFrameLongerThan125_isAProtocolError() {
        FrameScanner scanner = client();
        scanner.scan(ByteBuffer.wrap(frame(true, 0, 9, true, new byte[126])));
        assertThat(scanner.violation()).isEqualTo(1002);
    }

    @Test
    void fragmentedControlFrame_isAProtocolError() {
        FrameScanner scanner = client();
        scanner.scan(ByteBuffer.wrap(frame(false, 0, 10, true, new byte[3])));
        assertThat(scanner.violation()).isEqualTo(1002);
    }

    @Test
    void continuationWithoutAMessage_isAProtocolError() {
        FrameScanner scanner = client();
        scanner.scan(ByteBuffer.wrap(frame(true, 0, 0, true, "x".getBytes())));
        assertThat(scanner.violation()).isEqualTo(1002);
    }

    @Test
    void newDataFrameInsideAFragmentedMessage_isAProtocolError_butAPingIsFine() {
        FrameScanner scanner = client();
        byte[] bytes = concat(frame(false, 0, 1, true, "a".getBytes()), frame(true, 0, 9, true, "p".getBytes()),
            frame(true, 0, 0, true, "b".getBytes()));
        assertThat(scanner.scan(ByteBuffer.wrap(bytes))).isEqualTo(bytes.length);
        assertThat(scanner.violation()).isZero();

        FrameScanner broken = client();
        broken.scan(ByteBuffer.wrap(concat(frame(false, 0, 1, true, "a".getBytes()), frame(true, 0, 2, true, "b".getBytes()))));
        assertThat(broken.violation()).isEqualTo(1002);
    }

    @Test
    void frameOverTheLimit_isTooBig_decidedFromTheHeaderAlone() {
        FrameScanner scanner = new FrameScanner(new FrameRules(true, 1024, NO_LIMIT, 0, 0));
        byte[] bytes = frame(true, 0, 2, true, new byte[1025]);
        // Only the header has arrived: the decision needs no payload.
        assertThat(scanner.scan(ByteBuffer.wrap(bytes, 0, 8))).isZero();
        assertThat(scanner.violation()).isEqualTo(1009);
    }

    @Test
    void messageOverTheLimit_acrossFragments_isTooBig() {
        FrameScanner scanner = new FrameScanner(new FrameRules(true, NO_LIMIT, 100, 0, 0));
        byte[] first = frame(false, 0, 2, true, new byte[60]);
        byte[] second = frame(true, 0, 0, true, new byte[60]);
        assertThat(scanner.scan(ByteBuffer.wrap(concat(first, second)))).isEqualTo(first.length);
        assertThat(scanner.violation()).isEqualTo(1009);
    }

    @Test
    void sixtyFourBitLengthWithTheTopBitSet_isAProtocolError() {
        FrameScanner scanner = client();
        byte[] header = {(byte) 0x82, (byte) (0x80 | 127), (byte) 0x80, 0, 0, 0, 0, 0, 0, 1, 1, 2, 3, 4};
        scanner.scan(ByteBuffer.wrap(header));
        assertThat(scanner.violation()).isEqualTo(1002);
    }

    @Test
    void closeFrame_isSeenOnceWhole() {
        FrameScanner scanner = new FrameScanner(new FrameRules(false, NO_LIMIT, NO_LIMIT, 0, 0));
        byte[] close = frame(true, 0, 8, false, new byte[] {0x03, (byte) 0xE8, 'b', 'y', 'e'});
        scanner.scan(ByteBuffer.wrap(close, 0, 3));
        assertThat(scanner.closeSeen()).as("payload not complete yet").isFalse();
        scanner.scan(ByteBuffer.wrap(close, 3, close.length - 3));
        assertThat(scanner.closeSeen()).isTrue();
    }

    @Test
    void afterAViolation_nothingMoreIsForwarded() {
        FrameScanner scanner = client();
        scanner.scan(ByteBuffer.wrap(frame(true, 0, 3, true, new byte[0])));
        assertThat(scanner.scan(ByteBuffer.wrap(frame(true, 0, 1, true, "x".getBytes())))).isZero();
        assertThat(Arrays.asList(scanner.violation())).containsExactly(1002);
    }

    static FrameScanner server() {
        return new FrameScanner(new FrameRules(false, NO_LIMIT, NO_LIMIT, 0, 0));
    }

    @Test
    void stopBeforeCloseFrame_passesWhatPrecedesTheClose_andHoldsTheCloseItself() {
        FrameScanner scanner = server();
        byte[] echo = frame(true, 0, 1, false, "echo".getBytes());
        byte[] ping = frame(true, 0, 9, false, new byte[0]);
        byte[] close = frame(true, 0, 8, false, new byte[] {0x03, (byte) 0xe9});
        scanner.stopBeforeCloseFrame();

        int clean = scanner.scan(ByteBuffer.wrap(concat(echo, ping, close)));

        assertThat(clean).as("bytes before the close frame").isEqualTo(echo.length + ping.length);
        assertThat(scanner.closeHeld()).isTrue();
        assertThat(scanner.closeSeen()).isFalse();
        assertThat(scanner.violation()).isZero();
        assertThat(scanner.atBoundary()).as("the proxy's own close frame may go where the held one was").isTrue();
        assertThat(scanner.scan(ByteBuffer.wrap(echo))).as("nothing passes after the held close").isZero();
    }

    @Test
    void stopBeforeCloseFrame_holdsACloseWhoseHeaderIsStillIncomplete_butNotAnotherFrame() {
        FrameScanner closing = server();
        byte[] close = frame(true, 0, 8, false, new byte[] {0x03, (byte) 0xe8});
        assertThat(closing.scan(ByteBuffer.wrap(close, 0, 1))).as("an incomplete header is held back").isZero();

        closing.stopBeforeCloseFrame();

        assertThat(closing.closeHeld()).isTrue();
        assertThat(closing.atBoundary()).isTrue();

        FrameScanner texting = server();
        byte[] text = frame(true, 0, 1, false, "abc".getBytes());
        assertThat(texting.scan(ByteBuffer.wrap(text, 0, 1))).isZero();
        texting.stopBeforeCloseFrame();
        assertThat(texting.closeHeld()).isFalse();
        assertThat(texting.scan(ByteBuffer.wrap(text, 1, text.length - 1))).isEqualTo(text.length - 1);
    }

    @Test
    void withoutStopBeforeCloseFrame_aCloseFramePasses() {
        FrameScanner scanner = server();
        byte[] close = frame(true, 0, 8, false, new byte[] {0x03, (byte) 0xe8});

        assertThat(scanner.scan(ByteBuffer.wrap(close))).isEqualTo(close.length);
        assertThat(scanner.closeHeld()).isFalse();
        assertThat(scanner.closeSeen()).isTrue();
    }
}
