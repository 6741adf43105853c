package io.wslb.jetty.internal.tunnel;

/**
 * What a {@link FrameScanner} enforces on one direction of a tunnel. Immutable and shared: a handful of
 * instances serve every tunnel of a balancer (see {@link ProxyContext#rules}).
 *
 * @param masked true for frames sent by a client (they must be masked), false for a server's (must not be)
 * @param maxFrameSize largest payload of one frame; larger is a 1009 violation
 * @param maxMessageSize largest payload of one message (all its frames); larger is a 1009 violation
 * @param rsvFirstFrame reserved bits allowed on the first frame of a data message (negotiated extensions)
 * @param rsvContinuation reserved bits allowed on continuation frames
 */
public record FrameRules(boolean masked, long maxFrameSize, long maxMessageSize, int rsvFirstFrame, int rsvContinuation) {

    /** Reserved bits of the first header byte. */
    public static final int RSV_ALL = 0x70;
    /** RSV1, used by permessage-deflate on the first frame of a message. */
    public static final int RSV1 = 0x40;
}
