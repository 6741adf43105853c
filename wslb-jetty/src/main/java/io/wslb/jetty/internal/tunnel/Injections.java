package io.wslb.jetty.internal.tunnel;

import io.wslb.ChannelMessage;
import io.wslb.spi.ChannelHub;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The published messages waiting for one client, bounded: past {@link #MAX_MESSAGES} messages or
 * {@link #MAX_BYTES} bytes, the oldest is dropped and counted, so that a client that does not read costs the
 * balancer a bounded queue and never more. The relay toward the client takes them out as WebSocket frames at a
 * boundary between two whole messages of the backend.
 */
final class Injections {

    /** Messages one client may have waiting. */
    static final int MAX_MESSAGES = 64;
    /** Payload bytes one client may have waiting. */
    static final long MAX_BYTES = 4L * 1024 * 1024;
    /** The most bytes of frames taken out for one write. */
    static final int MAX_BATCH_BYTES = 64 * 1024;

    private final ArrayDeque<ChannelMessage> queue = new ArrayDeque<>();
    private long queuedBytes;
    /**
     * Whether a message waits, kept beside the queue so that the relay, which asks on every turn of every connection,
     * reads one volatile field instead of taking the lock.
     */
    private volatile boolean pending;

    /**
     * @param message a message to queue
     * @return how many older messages were dropped to make room
     */
    synchronized int offer(ChannelMessage message) {
        int dropping = 0;
        queue.addLast(message);
        queuedBytes += message.size();
        pending = true;
        while (queue.size() > MAX_MESSAGES || queuedBytes > MAX_BYTES && queue.size() > 1) {
            queuedBytes -= queue.removeFirst().size();
            dropping++;
        }
        return dropping;
    }

    /** @return true when a message waits */
    boolean pending() {
        return pending;
    }

    /**
     * Takes waiting messages out as unmasked WebSocket frames (a server's), as many as fit in one write of
     * {@link #MAX_BATCH_BYTES} bytes (at least one), each a whole message with its reserved bits clear: uncompressed,
     * which permessage-deflate allows between compressed messages.
     *
     * @param hub told how many messages were taken out
     * @return the frames, or null when nothing waits
     */
    @Nullable ByteBuffer take(ChannelHub hub) {
        List<ChannelMessage> batch = new ArrayList<>();
        int bytes = 0;
        synchronized (this) {
            ChannelMessage next;
            // At least one message, then as many as fit in the batch.
            while ((next = queue.peekFirst()) != null && (batch.isEmpty() || bytes + frameSize(next) <= MAX_BATCH_BYTES)) {
                batch.add(queue.removeFirst());
                bytes += frameSize(next);
                queuedBytes -= next.size();
            }
            pending = !queue.isEmpty();
        }
        if (batch.isEmpty()) {
            return null;
        }
        hub.delivered(batch.size());
        ByteBuffer frames = ByteBuffer.allocate(bytes);
        for (ChannelMessage m : batch) {
            frame(m, frames);
        }
        return frames.flip();
    }

    private static int frameSize(ChannelMessage message) {
        int length = message.size();
        return length + (length < 126 ? 2 : length <= 0xFFFF ? 4 : 10);
    }

    private static void frame(ChannelMessage message, ByteBuffer out) {
        int length = message.size();
        out.put((byte) (0x80 | (message.isText() ? FrameScanner.OP_TEXT : FrameScanner.OP_BINARY)));
        if (length < 126) {
            out.put((byte) length);
        } else if (length <= 0xFFFF) {
            out.put((byte) 126).putShort((short) length);
        } else {
            out.put((byte) 127).putLong(length);
        }
        out.put(message.payload());
    }
}
