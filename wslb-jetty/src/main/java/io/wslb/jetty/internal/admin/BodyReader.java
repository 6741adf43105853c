package io.wslb.jetty.internal.admin;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import org.eclipse.jetty.io.Content;

/**
 * Reads a request body of bounded size without blocking: reads the chunks that are there, and asks to be
 * called again ({@link Content.Source#demand}) when none is, so no thread ever waits for the network.
 *
 * <pre>{@code
 * BodyReader.read(request, 64 * 1024, 1024 * 1024, new BodyReader.Done() {
 *     public void body(byte[] bytes) { ... }
 *     public void tooLarge(boolean drained) { ... 413 ... }
 *     public void failed(Throwable failure) { callback.failed(failure); }
 * });
 * }</pre>
 */
public final class BodyReader implements Runnable {

    /** What becomes of the read; exactly one method is called, once. */
    public interface Done {
        /** @param bytes the whole body */
        void body(byte[] bytes);

        /**
         * The body is longer than the limit; what was read is dropped.
         *
         * @param drained true if the rest was read and dropped too, up to the end of the body (the connection can
         *     carry on); false if it was longer than the discard limit (the connection should be closed)
         */
        void tooLarge(boolean drained);

        /** @param failure why the body could not be read */
        void failed(Throwable failure);
    }

    private final Content.Source source;
    private final int max;
    private final long discardLimit;
    private final Done done;
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    /** Once over the limit: bytes read and dropped since the start of the body. */
    private long dropped = -1;

    private BodyReader(Content.Source source, int max, long discardLimit, Done done) {
        this.source = source;
        this.max = max;
        this.discardLimit = discardLimit;
        this.done = done;
    }

    /**
     * Starts reading; {@code done} is called on this thread if the body is there already, else later on
     * another.
     *
     * @param source the request
     * @param max the largest body accepted, in bytes
     * @param discardLimit past {@code max}, how much of an oversized body is still read and dropped, so that the
     *     answer is not lost to a reset (closing a socket with unread bytes resets it); more, and the reading stops
     * @param done what to do with it
     */
    public static void read(Content.Source source, int max, long discardLimit, Done done) {
        new BodyReader(source, max, discardLimit, done).run();
    }

    @Override
    public void run() {
        while (true) {
            Content.Chunk chunk = source.read();
            if (chunk == null) {
                source.demand(this);
                return;
            }
            if (Content.Chunk.isFailure(chunk)) {
                done.failed(chunk.getFailure());
                return;
            }
            ByteBuffer buffer = chunk.getByteBuffer();
            if (dropped < 0 && bytes.size() + buffer.remaining() > max) {
                dropped = bytes.size();
                bytes.reset();
            }
            if (dropped >= 0) {
                dropped += buffer.remaining();
                boolean last = chunk.isLast();
                chunk.release();
                if (last || dropped > discardLimit) {
                    done.tooLarge(last && dropped <= discardLimit);
                    return;
                }
                continue;
            }
            byte[] part = new byte[buffer.remaining()];
            buffer.get(part);
            bytes.writeBytes(part);
            boolean last = chunk.isLast();
            chunk.release();
            if (last) {
                done.body(bytes.toByteArray());
                return;
            }
        }
    }
}
