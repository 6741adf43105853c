package io.wslb.testing;

import static java.util.Objects.requireNonNull;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.OptionalInt;
import org.jspecify.annotations.Nullable;

/**
 * One WebSocket frame (RFC 6455 section 5.2) as it goes on the wire, legal or not: any FIN, RSV bits and opcode,
 * masked or not, with its payload length encoded in 7, 16 or 64 bits. Immutable: the {@code with}-style methods
 * return a new frame. The payload is always held unmasked; {@link #encode()} masks it with the {@linkplain
 * #maskKey() key}, and {@link FrameReader} unmasks what it reads, keeping the key that arrived.
 *
 * <pre>{@code
 * byte[] ok = Frame.text("Hello").masked().encode();                     // what a client sends
 * byte[] bad = Frame.text("Hello").rsv(2).encode();                      // RSV2 without an extension
 * byte[] odd = Frame.ping(new byte[3]).payloadLength(Frame.PayloadLength.BITS_64).encode(); // legal but unusual
 * Frame close = Frame.close(1000, "bye");
 * assert close.closeCode().getAsInt() == 1000;
 * }</pre>
 */
public final class Frame {

    /** The opcode of a continuation frame. */
    public static final int CONTINUATION = 0x0;
    /** The opcode of a text frame. */
    public static final int TEXT = 0x1;
    /** The opcode of a binary frame. */
    public static final int BINARY = 0x2;
    /** The opcode of a close frame. */
    public static final int CLOSE = 0x8;
    /** The opcode of a ping frame. */
    public static final int PING = 0x9;
    /** The opcode of a pong frame. */
    public static final int PONG = 0xA;

    /**
     * How the payload length is encoded in the header. RFC 6455 requires the shortest form ({@link #MINIMAL});
     * the others force a form, which may be longer than needed (peers must accept it) or, for {@link #BITS_7} and
     * {@link #BITS_16}, too short for the payload (refused when the frame is built).
     *
     * <pre>{@code Frame.binary(new byte[10]).payloadLength(Frame.PayloadLength.BITS_16).encode(); // 126, 0, 10, ...}</pre>
     */
    public enum PayloadLength {
        /** The shortest form for the length: 7 bits up to 125, then 16, then 64. */
        MINIMAL,
        /** The length in the 7 bits of the second header byte (at most 125). */
        BITS_7,
        /** 126, then the length in 16 bits (at most 65535). */
        BITS_16,
        /** 127, then the length in 64 bits. */
        BITS_64
    }

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final byte[] EMPTY = new byte[0];

    private final boolean fin;
    private final int rsv;
    private final int opcode;
    private final byte @Nullable [] maskKey;
    private final byte[] payload;
    private final PayloadLength payloadLength;

    private Frame(boolean fin, int rsv, int opcode, byte @Nullable [] maskKey, byte[] payload, PayloadLength payloadLength) {
        if (rsv < 0 || rsv > 7) {
            throw new IllegalArgumentException("rsv must be 0..7 (RSV1 = 4, RSV2 = 2, RSV3 = 1), got " + rsv);
        }
        if (opcode < 0 || opcode > 0xF) {
            throw new IllegalArgumentException("opcode must be 0..15, got " + opcode);
        }
        if (maskKey != null && maskKey.length != 4) {
            throw new IllegalArgumentException("a masking key has 4 bytes, got " + maskKey.length);
        }
        if (payloadLength == PayloadLength.BITS_7 && payload.length > 125
            || payloadLength == PayloadLength.BITS_16 && payload.length > 0xFFFF) {
            throw new IllegalArgumentException(payloadLength + " cannot encode a payload of " + payload.length + " bytes");
        }
        this.fin = fin;
        this.rsv = rsv;
        this.opcode = opcode;
        this.maskKey = maskKey;
        this.payload = payload;
        this.payloadLength = payloadLength;
    }

    /**
     * A final, unmasked frame with RSV 0 and the shortest length encoding.
     *
     * <pre>{@code Frame reserved = Frame.of(3, new byte[0]); // a reserved non-control opcode}</pre>
     *
     * @param opcode 0..15, reserved ones included
     * @param payload the payload (copied)
     * @return the frame
     */
    public static Frame of(int opcode, byte[] payload) {
        return new Frame(true, 0, opcode, null, payload.clone(), PayloadLength.MINIMAL);
    }

    /**
     * A final text frame carrying the UTF-8 bytes of {@code text}.
     *
     * <pre>{@code Frame.text("Hello, world!")}</pre>
     *
     * @param text the text
     * @return the frame
     */
    public static Frame text(String text) {
        return of(TEXT, text.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * A final text frame carrying any bytes, valid UTF-8 or not.
     *
     * <pre>{@code Frame.text(new byte[] {(byte) 0xed, (byte) 0xa0, (byte) 0x80}) // a lone surrogate}</pre>
     *
     * @param payload the payload (copied)
     * @return the frame
     */
    public static Frame text(byte[] payload) {
        return of(TEXT, payload);
    }

    /**
     * A final binary frame.
     *
     * <pre>{@code Frame.binary(new byte[] {0, 1, 2})}</pre>
     *
     * @param payload the payload (copied)
     * @return the frame
     */
    public static Frame binary(byte[] payload) {
        return of(BINARY, payload);
    }

    /**
     * A final continuation frame; {@code .fin(false)} for a middle fragment.
     *
     * <pre>{@code Frame.continuation("fragment2".getBytes(UTF_8)).fin(false)}</pre>
     *
     * @param payload the payload (copied)
     * @return the frame
     */
    public static Frame continuation(byte[] payload) {
        return of(CONTINUATION, payload);
    }

    /**
     * A ping.
     *
     * <pre>{@code Frame.ping("are you there?".getBytes(UTF_8))}</pre>
     *
     * @param payload the payload (copied); more than 125 bytes makes an illegal frame
     * @return the frame
     */
    public static Frame ping(byte[] payload) {
        return of(PING, payload);
    }

    /**
     * A pong.
     *
     * <pre>{@code Frame.pong(new byte[0])}</pre>
     *
     * @param payload the payload (copied)
     * @return the frame
     */
    public static Frame pong(byte[] payload) {
        return of(PONG, payload);
    }

    /**
     * A close frame with a code and a UTF-8 reason. Any code fits in the two bytes, illegal ones included (0, 1005,
     * 5000, 65535).
     *
     * <pre>{@code Frame.close(1000, "bye")}</pre>
     *
     * @param code 0..65535
     * @param reason the reason
     * @return the frame
     */
    public static Frame close(int code, String reason) {
        return close(code, reason.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * A close frame with a code and reason bytes, valid UTF-8 or not.
     *
     * <pre>{@code Frame.close(1000, new byte[] {(byte) 0xff})}</pre>
     *
     * @param code 0..65535
     * @param reason the reason bytes (copied)
     * @return the frame
     */
    public static Frame close(int code, byte[] reason) {
        if (code < 0 || code > 0xFFFF) {
            throw new IllegalArgumentException("a close code has 16 bits, got " + code);
        }
        byte[] payload = new byte[2 + reason.length];
        payload[0] = (byte) (code >> 8);
        payload[1] = (byte) code;
        System.arraycopy(reason, 0, payload, 2, reason.length);
        return new Frame(true, 0, CLOSE, null, payload, PayloadLength.MINIMAL);
    }

    /**
     * A close frame with exactly this payload (say, 1 byte, which no close code fits in).
     *
     * <pre>{@code Frame.closeWithPayload(new byte[0]) // a close without a code}</pre>
     *
     * @param payload the payload (copied)
     * @return the frame
     */
    public static Frame closeWithPayload(byte[] payload) {
        return of(CLOSE, payload);
    }

    /** @param fin the FIN bit @return a copy with that FIN bit */
    public Frame fin(boolean fin) {
        return new Frame(fin, rsv, opcode, maskKey, payload, payloadLength);
    }

    /** @param rsv the three reserved bits as a number, 0..7 (RSV1 = 4, RSV2 = 2, RSV3 = 1) @return a copy with them */
    public Frame rsv(int rsv) {
        return new Frame(fin, rsv, opcode, maskKey, payload, payloadLength);
    }

    /** @param opcode 0..15 @return a copy with this opcode */
    public Frame opcode(int opcode) {
        return new Frame(fin, rsv, opcode, maskKey, payload, payloadLength);
    }

    /** @param key the 4-byte masking key (copied) @return a copy masked with this key when encoded */
    public Frame masked(byte[] key) {
        return new Frame(fin, rsv, opcode, key.clone(), payload, payloadLength);
    }

    /** @return a copy masked with a fresh random key when encoded, as a client must send it */
    public Frame masked() {
        byte[] key = new byte[4];
        RANDOM.nextBytes(key);
        return new Frame(fin, rsv, opcode, key, payload, payloadLength);
    }

    /** @return a copy sent without a mask, as a server must send it */
    public Frame unmasked() {
        return maskKey == null ? this : new Frame(fin, rsv, opcode, null, payload, payloadLength);
    }

    /** @param encoding how to encode the payload length @return a copy that encodes it so */
    public Frame payloadLength(PayloadLength encoding) {
        return new Frame(fin, rsv, opcode, maskKey, payload, requireNonNull(encoding, "encoding"));
    }

    /** @return the FIN bit */
    public boolean fin() {
        return fin;
    }

    /** @return the reserved bits as a number, 0..7 (RSV1 = 4, RSV2 = 2, RSV3 = 1) */
    public int rsv() {
        return rsv;
    }

    /** @return the opcode, 0..15 */
    public int opcode() {
        return opcode;
    }

    /** @return true for opcodes 8..15 (close, ping, pong and the reserved control opcodes) */
    public boolean isControl() {
        return opcode >= 0x8;
    }

    /** @return true if the MASK bit is (or was, for a frame read) set */
    public boolean isMasked() {
        return maskKey != null;
    }

    /** @return a copy of the masking key, or null for an unmasked frame */
    public byte @Nullable [] maskKey() {
        return maskKey == null ? null : maskKey.clone();
    }

    /** @return a copy of the (unmasked) payload */
    public byte[] payload() {
        return payload.clone();
    }

    /** @return the payload length in bytes */
    public int length() {
        return payload.length;
    }

    /** @return how the header encodes the payload length; frames read report the form that arrived (never MINIMAL) */
    public PayloadLength payloadLength() {
        return payloadLength;
    }

    /** @return the payload decoded as UTF-8 (malformed bytes replaced) */
    public String text() {
        return new String(payload, StandardCharsets.UTF_8);
    }

    /**
     * @return the close code of a close frame carrying at least 2 bytes; empty for a close frame with fewer (no
     *     code on the wire)
     * @throws IllegalStateException if this is not a close frame
     */
    public OptionalInt closeCode() {
        requireClose();
        return payload.length < 2 ? OptionalInt.empty() : OptionalInt.of(((payload[0] & 0xFF) << 8) | (payload[1] & 0xFF));
    }

    /**
     * @return the close code of a close frame, or 1005 (RFC 6455's "no status received") when it carries none, as a
     *     WebSocket API reports it to an application
     * @throws IllegalStateException if this is not a close frame
     */
    public int closeStatus() {
        return closeCode().orElse(1005);
    }

    /**
     * @return the reason bytes of a close frame (after the code), possibly empty
     * @throws IllegalStateException if this is not a close frame
     */
    public byte[] closeReason() {
        requireClose();
        return payload.length <= 2 ? EMPTY : Arrays.copyOfRange(payload, 2, payload.length);
    }

    /**
     * @return the reason of a close frame decoded as UTF-8 (malformed bytes replaced)
     * @throws IllegalStateException if this is not a close frame
     */
    public String closeReasonText() {
        return new String(closeReason(), StandardCharsets.UTF_8);
    }

    private void requireClose() {
        if (opcode != CLOSE) {
            throw new IllegalStateException("not a close frame: " + this);
        }
    }

    /** @return the header's bytes only: up to 14, the masking key included */
    public byte[] header() {
        return header(payload.length, payloadLength);
    }

    /**
     * The header of this frame with a length field that announces {@code length} bytes whatever the payload holds,
     * in the shortest form: to send a header alone, then part of the payload or none, or announce more than a peer
     * accepts without building it.
     *
     * <pre>{@code byte[] huge = Frame.binary(new byte[0]).masked().headerAnnouncing(1L << 40); // 1 TiB announced}</pre>
     *
     * @param length the length to announce, 0 or more
     * @return the header's bytes, the masking key included
     */
    public byte[] headerAnnouncing(long length) {
        if (length < 0) {
            throw new IllegalArgumentException("a payload length is 0 or more, got " + length);
        }
        return header(length, PayloadLength.MINIMAL);
    }

    private byte[] header(long size, PayloadLength encoding) {
        PayloadLength form = encoding;
        if (form == PayloadLength.MINIMAL) {
            form = size <= 125 ? PayloadLength.BITS_7 : size <= 0xFFFF ? PayloadLength.BITS_16 : PayloadLength.BITS_64;
        }
        int extended = form == PayloadLength.BITS_7 ? 0 : form == PayloadLength.BITS_16 ? 2 : 8;
        byte[] header = new byte[2 + extended + (maskKey == null ? 0 : 4)];
        header[0] = (byte) ((fin ? 0x80 : 0) | rsv << 4 | opcode);
        int maskBit = maskKey == null ? 0 : 0x80;
        switch (form) {
            case BITS_7 -> header[1] = (byte) (maskBit | (int) size);
            case BITS_16 -> {
                header[1] = (byte) (maskBit | 126);
                header[2] = (byte) (size >> 8);
                header[3] = (byte) size;
            }
            default -> {
                header[1] = (byte) (maskBit | 127);
                for (int i = 0; i < 8; i++) {
                    header[2 + i] = (byte) (size >> (56 - 8 * i));
                }
            }
        }
        if (maskKey != null) {
            System.arraycopy(maskKey, 0, header, 2 + extended, 4);
        }
        return header;
    }

    /** @return the frame's bytes as they go on the wire: header, then the payload, masked if there is a key */
    public byte[] encode() {
        byte[] header = header();
        byte[] wire = Arrays.copyOf(header, header.length + payload.length);
        for (int i = 0; i < payload.length; i++) {
            wire[header.length + i] = maskKey == null ? payload[i] : (byte) (payload[i] ^ maskKey[i & 3]);
        }
        return wire;
    }

    /** Equal frames encode to the same bytes (same bits, key, payload and length form). */
    @Override
    public boolean equals(@Nullable Object other) {
        return other instanceof Frame f && fin == f.fin && rsv == f.rsv && opcode == f.opcode
            && Arrays.equals(maskKey, f.maskKey) && Arrays.equals(payload, f.payload) && payloadLength == f.payloadLength;
    }

    @Override
    public int hashCode() {
        return ((Boolean.hashCode(fin) * 31 + rsv) * 31 + opcode) * 31 + Arrays.hashCode(payload);
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("Frame[").append(opcodeName(opcode)).append(", fin=").append(fin);
        if (rsv != 0) {
            b.append(", rsv=").append(rsv);
        }
        b.append(maskKey == null ? ", unmasked" : ", masked").append(", length=").append(payload.length);
        if (opcode == CLOSE) {
            OptionalInt code = closeCode();
            b.append(", code=").append(code.isPresent() ? String.valueOf(code.getAsInt()) : "none");
            if (payload.length > 2) {
                b.append(", reason=").append(closeReasonText());
            }
        } else if (payload.length > 0) {
            int shown = Math.min(payload.length, 32);
            b.append(", payload=").append(HexFormat.of().formatHex(payload, 0, shown)).append(shown < payload.length ? "..." : "");
        }
        return b.append(']').toString();
    }

    /** @param opcode 0..15 @return a short name such as {@code text} or {@code reserved-3} */
    public static String opcodeName(int opcode) {
        return switch (opcode) {
            case CONTINUATION -> "continuation";
            case TEXT -> "text";
            case BINARY -> "binary";
            case CLOSE -> "close";
            case PING -> "ping";
            case PONG -> "pong";
            default -> "reserved-" + opcode;
        };
    }
}
