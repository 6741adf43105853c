package io.wslb.jetty.internal.tunnel;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;

/** Builds the control frames the proxy itself sends: closes and liveness pings (RFC 6455 sections 5.5.1, 5.5.2). */
final class ControlFrames {

    /** The payload of the proxy's pings. */
    private static final byte[] PING_PAYLOAD = {'w', 's', 'l', 'b'};

    private static final int MAX_REASON = 123;

    private ControlFrames() {}

    /**
     * @param code a close code that may go on the wire (never 1005, 1006 or 1015)
     * @param reason a short reason; cut to 123 bytes at a character boundary
     * @param masked true toward a backend (the proxy is its client), false toward a client
     * @return the frame, ready to write
     */
    static ByteBuffer close(int code, String reason, boolean masked) {
        if (code == 1005 || code == 1006 || code == 1015 || code < 1000 || code > 4999) {
            throw new IllegalArgumentException("close code " + code + " may not be sent");
        }
        byte[] text = truncate(reason);
        byte[] payload = new byte[2 + text.length];
        payload[0] = (byte) (code >> 8);
        payload[1] = (byte) code;
        System.arraycopy(text, 0, payload, 2, text.length);
        return frame(0x8, payload, masked);
    }

    /**
     * @param masked true toward a backend (the proxy is its client), false toward a client
     * @return a ping frame with a 4-byte payload, ready to write
     */
    static ByteBuffer ping(boolean masked) {
        return frame(0x9, PING_PAYLOAD.clone(), masked);
    }

    /** A final control frame of at most 125 bytes; {@code payload} is masked in place when {@code masked}. */
    private static ByteBuffer frame(int opcode, byte[] payload, boolean masked) {
        ByteBuffer frame = ByteBuffer.allocate(2 + (masked ? 4 : 0) + payload.length);
        frame.put((byte) (0x80 | opcode));
        frame.put((byte) ((masked ? 0x80 : 0) | payload.length));
        if (masked) {
            byte[] mask = new byte[4];
            ThreadLocalRandom.current().nextBytes(mask);
            frame.put(mask);
            for (int i = 0; i < payload.length; i++) {
                payload[i] ^= mask[i & 3];
            }
        }
        frame.put(payload);
        return frame.flip();
    }

    private static byte[] truncate(String reason) {
        byte[] bytes = reason.getBytes(StandardCharsets.UTF_8);
        if (bytes.length <= MAX_REASON) {
            return bytes;
        }
        int end = MAX_REASON;
        while (end > 0 && (bytes[end] & 0xC0) == 0x80) {
            end--; // do not cut a multi-byte character
        }
        byte[] cut = new byte[end];
        System.arraycopy(bytes, 0, cut, 0, end);
        return cut;
    }
}
