package io.wslb.jetty.internal.tunnel;

import io.wslb.ConnectionEnd;
import java.nio.ByteBuffer;

/**
 * Follows the WebSocket frames (RFC 6455 section 5.2) of one direction of a tunnel by reading their headers
 * only, as bytes stream through. Payloads are skipped, never copied or unmasked, but for the code of a close frame. From 2 to 14 header bytes
 * per frame (and the two bytes of a close frame's code) it learns enough to enforce the rules that protect a backend (masking, reserved bits and opcodes,
 * control-frame shape, message continuity, frame and message size limits) and to know whether the bytes
 * relayed so far end at a frame boundary, where the proxy may inject a frame of its own.
 *
 * <p>{@link #scan} reports how many of the new bytes can be forwarded: everything up to a frame whose header
 * is still incomplete (those bytes are held back by the caller until the header is whole, so the forwarded
 * stream never ends inside a header) or up to the first byte of a frame that breaks a rule. Not thread-safe:
 * one direction's relay uses it serially.
 */
final class FrameScanner {

    static final int OP_CONTINUATION = 0x0;
    static final int OP_TEXT = 0x1;
    static final int OP_BINARY = 0x2;
    static final int OP_CLOSE = 0x8;
    static final int OP_PING = 0x9;
    static final int OP_PONG = 0xA;

    private final FrameRules rules;

    // Header being assembled; once it is complete, the payload length still to pass is in 'remaining'.
    private int headerPos;
    private int headerLength;
    private int b0;
    private long remaining;
    private boolean closeFrame;
    // Message continuity.
    private boolean inMessage;
    private long messageSize;
    // Outcomes.
    private int violation;
    private String violationReason = "";
    private boolean closeSeen;
    // Counted for the connection's summary: whole data messages, and the first close frame's code.
    private long messages;
    private int mask;
    private int closeCodeBytes;
    private int closeCode;
    private int firstCloseCode;
    // Stop before the next close frame instead of passing it (see stopBeforeCloseFrame).
    private boolean stopBeforeClose;
    private boolean closeHeld;

    /** @param rules what to enforce */
    FrameScanner(FrameRules rules) {
        this.rules = rules;
    }

    /**
     * Follows the bytes between the buffer's position and limit, leaving the buffer untouched.
     *
     * @param buffer new bytes of this direction
     * @return how many bytes from the position may be forwarded now; the rest, if any, is either an
     *     incomplete header (when {@link #violation()} is 0) or starts with a frame that breaks a rule
     */
    int scan(ByteBuffer buffer) {
        if (violation != 0 || closeHeld) {
            return 0;
        }
        int start = buffer.position();
        int limit = buffer.limit();
        int index = start;
        int frameStart = start;
        while (index < limit) {
            if (headerPos == 0 && remaining > 0 && closeFrame && closeCodeBytes < 2) {
                // The close code, the first two payload bytes of a close frame: unmasked, a byte at a time.
                int shift = 24 - 8 * closeCodeBytes;
                int key = rules.masked() ? (mask >>> shift) & 0xFF : 0;
                closeCode = closeCode << 8 | ((buffer.get(index++) & 0xFF) ^ key);
                closeCodeBytes++;
                if (--remaining == 0) {
                    frameComplete();
                }
                continue;
            }
            if (headerPos == 0 && remaining > 0) {
                long skip = Math.min(remaining, limit - index);
                index += (int) skip;
                remaining -= skip;
                if (remaining == 0) {
                    frameComplete();
                }
                continue;
            }
            if (headerPos == 0) {
                frameStart = index;
            }
            int b = buffer.get(index++) & 0xFF;
            if (!header(b)) {
                return Math.max(0, frameStart - start);
            }
        }
        // If a header is incomplete, hold back its bytes: forward up to where it started.
        if (headerPos > 0) {
            return Math.max(0, frameStart - start);
        }
        return index - start;
    }

    /** Consumes one header byte; returns false on a violation. */
    private boolean header(int b) {
        switch (headerPos++) {
            case 0 -> {
                b0 = b;
                int opcode = b & 0x0F;
                if (stopBeforeClose && opcode == OP_CLOSE) {
                    headerPos = 0;
                    closeHeld = true;
                    return false;
                }
                boolean fin = (b & 0x80) != 0;
                int rsv = b & FrameRules.RSV_ALL;
                switch (opcode) {
                    case OP_TEXT, OP_BINARY -> {
                        if (inMessage) {
                            return fail(1002, "new data frame inside a fragmented message");
                        }
                        if ((rsv & ~rules.rsvFirstFrame()) != 0) {
                            return fail(1002, "reserved bits set without an extension");
                        }
                    }
                    case OP_CONTINUATION -> {
                        if (!inMessage) {
                            return fail(1002, "continuation frame without a message to continue");
                        }
                        if ((rsv & ~rules.rsvContinuation()) != 0) {
                            return fail(1002, "reserved bits set on a continuation frame");
                        }
                    }
                    case OP_CLOSE, OP_PING, OP_PONG -> {
                        if (!fin) {
                            return fail(1002, "fragmented control frame");
                        }
                        if (rsv != 0) {
                            return fail(1002, "reserved bits set on a control frame");
                        }
                    }
                    default -> {
                        return fail(1002, "reserved opcode " + opcode);
                    }
                }
                return true;
            }
            case 1 -> {
                boolean masked = rules.masked();
                boolean maskBit = (b & 0x80) != 0;
                if (maskBit != masked) {
                    return fail(1002, masked ? "unmasked frame from a client" : "masked frame from a server");
                }
                int len = b & 0x7F;
                int opcode = b0 & 0x0F;
                if (opcode >= OP_CLOSE && len > 125) {
                    return fail(1002, "control frame longer than 125 bytes");
                }
                int extended = len == 126 ? 2 : len == 127 ? 8 : 0;
                headerLength = 2 + extended + (masked ? 4 : 0);
                remaining = extended == 0 ? len : 0;
                return headerPos < headerLength || headerComplete();
            }
            default -> {
                int extendedEnd = headerLength - (rules.masked() ? 4 : 0);
                if (headerPos <= extendedEnd) {
                    if (headerPos == 3 && extendedEnd == 10 && (b & 0x80) != 0) {
                        return fail(1002, "frame length with the most significant bit set");
                    }
                    remaining = (remaining << 8) | b;
                } else {
                    mask = mask << 8 | b;
                }
                return headerPos < headerLength || headerComplete();
            }
        }
    }

    private boolean headerComplete() {
        int opcode = b0 & 0x0F;
        long length = remaining;
        if (length > rules.maxFrameSize()) {
            return fail(1009, "frame of " + length + " bytes exceeds the limit of " + rules.maxFrameSize());
        }
        if (opcode < OP_CLOSE) {
            long total = (opcode == OP_CONTINUATION ? messageSize : 0) + length;
            if (total > rules.maxMessageSize()) {
                return fail(1009, "message of " + total + " bytes exceeds the limit of " + rules.maxMessageSize());
            }
            messageSize = total;
            inMessage = (b0 & 0x80) == 0;
            if (!inMessage) {
                messages++;
            }
        }
        closeFrame = opcode == OP_CLOSE;
        closeCodeBytes = 0;
        closeCode = 0;
        headerPos = 0;
        if (remaining == 0) {
            frameComplete();
        }
        return true;
    }

    private void frameComplete() {
        if (closeFrame) {
            if (!closeSeen) {
                firstCloseCode = closeCodeBytes == 2 ? closeCode : ConnectionEnd.NO_STATUS_CODE;
            }
            closeSeen = true;
            closeFrame = false;
        }
    }

    private boolean fail(int code, String reason) {
        violation = code;
        violationReason = reason;
        return false;
    }

    /** @return true if the bytes forwarded so far end at a frame boundary (a held-back partial header counts as not forwarded) */
    boolean atBoundary() {
        return headerPos > 0 || remaining == 0;
    }

    /**
     * From now on, stop at the first byte of the next close frame: {@link #scan} reports the bytes before it as
     * forwardable and nothing after, and {@link #closeHeld()} becomes true. A close frame whose header is being
     * assembled (held back by the caller, never forwarded) is held at once. A close frame already partly passed
     * cannot be held; it completes as usual.
     */
    void stopBeforeCloseFrame() {
        stopBeforeClose = true;
        if (headerPos > 0 && (b0 & 0x0F) == OP_CLOSE) {
            headerPos = 0;
            closeHeld = true;
        }
    }

    /** @return true once a close frame was stopped at, after {@link #stopBeforeCloseFrame()} */
    boolean closeHeld() {
        return closeHeld;
    }

    /** @return 0, or the close code (1002 or 1009) of the first rule broken */
    int violation() {
        return violation;
    }

    /** @return what the first broken rule was, or an empty string */
    String violationReason() {
        return violationReason;
    }

    /**
     * @return true if the bytes forwarded so far end between two whole messages: at a frame boundary and not inside
     *     a fragmented message, where a message of the proxy's own may go
     */
    boolean betweenMessages() {
        return atBoundary() && !inMessage;
    }

    /** @return whole data messages (final frames of text, binary or continuation) passed so far */
    long messages() {
        return messages;
    }

    /** @return the code of the first complete close frame passed, 1005 when it had none, 0 before one passed */
    int closeCode() {
        return firstCloseCode;
    }

    /** @return true once a complete close frame has passed */
    boolean closeSeen() {
        return closeSeen;
    }
}
