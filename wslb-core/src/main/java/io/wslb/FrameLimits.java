package io.wslb;

/**
 * The largest frame and the largest message a client may send; a frame or message over its limit closes the
 * connection with 1009 before its payload is relayed. A frame is part of a message, so the frame limit is never
 * above the message limit; when only one limit is given, the other keeps its default unless that would contradict
 * it, in which case it follows the given one.
 *
 * <pre>{@code
 * WebSocketLoadBalancer lb = WebSocketLoadBalancer.builder()
 *     .backend(Backend.of("a", URI.create("ws://10.0.0.1:3000")))
 *     .strategy(BalancingStrategies.leastConnections())
 *     .frameLimits(FrameLimits.ofMaxMessageSize(1 << 20))   // the frame limit comes down to 1 MiB with it
 *     .build();
 * }</pre>
 *
 * @param maxFrameSize the largest frame payload a client may send, in bytes; 125 or more
 * @param maxMessageSize the largest message (all frames of a fragmented message together) a client may send, in
 *     bytes; at least {@code maxFrameSize}
 */
public record FrameLimits(long maxFrameSize, long maxMessageSize) {

    /** The smallest limit: a control frame may carry 125 bytes, and every limit must let those through. */
    private static final long MIN_SIZE = 125;
    private static final FrameLimits DEFAULTS = new FrameLimits(16L << 20, 64L << 20);

    /** Validates both limits and that the frame limit is not above the message limit, naming the settings. */
    public FrameLimits {
        atLeastMin(maxFrameSize, "maxFrameSize");
        atLeastMin(maxMessageSize, "maxMessageSize");
        if (maxMessageSize < maxFrameSize) {
            throw new IllegalArgumentException("maxMessageSize (" + maxMessageSize + ") is below maxFrameSize ("
                + maxFrameSize + "): a frame is part of a message; lower maxFrameSize or raise maxMessageSize");
        }
    }

    /** @return frames up to 16 MiB, messages up to 64 MiB */
    public static FrameLimits defaults() {
        return DEFAULTS;
    }

    /**
     * @param maxFrameSize the largest frame payload, in bytes; 125 or more
     * @param maxMessageSize the largest message, in bytes; at least {@code maxFrameSize}
     * @return both limits as given
     */
    public static FrameLimits of(long maxFrameSize, long maxMessageSize) {
        return new FrameLimits(maxFrameSize, maxMessageSize);
    }

    /**
     * @param maxFrameSize the largest frame payload, in bytes; 125 or more
     * @return this frame limit, with the default message limit (64 MiB) or this frame limit when it is higher
     */
    public static FrameLimits ofMaxFrameSize(long maxFrameSize) {
        atLeastMin(maxFrameSize, "maxFrameSize");
        return new FrameLimits(maxFrameSize, Math.max(DEFAULTS.maxMessageSize, maxFrameSize));
    }

    /**
     * @param maxMessageSize the largest message, in bytes; 125 or more
     * @return this message limit, with the default frame limit (16 MiB) or this message limit when it is lower
     */
    public static FrameLimits ofMaxMessageSize(long maxMessageSize) {
        atLeastMin(maxMessageSize, "maxMessageSize");
        return new FrameLimits(Math.min(DEFAULTS.maxFrameSize, maxMessageSize), maxMessageSize);
    }

    private static void atLeastMin(long bytes, String name) {
        if (bytes < MIN_SIZE) {
            throw new IllegalArgumentException(name + " must be at least 125 bytes, got " + bytes);
        }
    }
}
