package io.wslb.jetty.internal.admin;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import org.eclipse.jetty.io.Content;

/**
 * Reads a request body of bounded size without blocking: reads the chunks that are there, and asks to be
 * called again ({@link Content.Source#demand}) when none is, so no thread ever waits for the network.
 *
 * <pre>{@code
 * BodyReader.read(request, 64 * 1024, new BodyReader.Done() {
 *     public void body(byte[] bytes) { ... }
 *     public void tooLarge() { ... 413 ... }
 *     public void failed(Throwable failure) { callback.failed(failure); }
 * });
 * }</pre>
 */
public final class BodyReader implements Runnable {

    /** What becomes of the read; exactly one method is called, once. */
    public interface Done {
        /** @param bytes the whole body */
        void body(byte[] bytes);

        /** The body is longer than the limit; what was read so far is dropped. */
        void tooLarge();

        /** @param failure why the body could not be read */
        void failed(Throwable failure);
    }

    private final Content.Source source;
    private final int max;
    private final Done done;
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

    private BodyReader(Content.Source source, int max, Done done) {
        this.source = source;
        this.max = max;
        this.done = done;
    }

    /**
     * Starts reading; {@code done} is called on this thread if the body is there already, else later on
     * another.
     *
     * @param source the request
     * @param max the largest body accepted, in bytes
     * @param done what to do with it
     */
    public static void read(Content.Source source, int max, Done done) {
        new BodyReader(source, max, done).run();
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
            if (bytes.size() + buffer.remaining() > max) {
                chunk.release();
                done.tooLarge();
                return;
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
