package io.wslb.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * How a sequence of frames is cut into writes, each followed by a flush: all in one write, one write per frame, or
 * each frame in chunks of a few bytes (down to one byte at a time), the way Autobahn|Testsuite "chops" its output
 * to prove that a peer does not depend on how TCP delivers the stream. Immutable.
 *
 * <pre>{@code
 * List<byte[]> writes = Chopping.every(1).chunks(List.of(Frame.ping(new byte[] {1, 2}).masked())); // 8 one-byte chunks
 * OutputStream out = socket.getOutputStream();
 * Chopping.perFrame().write(out, List.of(Frame.text("a").masked(), Frame.text("b").masked())); // two writes, two flushes
 * }</pre>
 *
 * <p>With TCP_NODELAY on the socket, each flushed write leaves as its own segment on loopback in practice,
 * though TCP itself promises nothing about boundaries: a peer may still see chunks merged, never reordered.
 */
public final class Chopping {

    private static final Chopping WHOLE = new Chopping(0);
    private static final Chopping PER_FRAME = new Chopping(-1);

    /** 0: everything at once; -1: per frame; n > 0: chunks of n bytes within each frame. */
    private final int size;

    private Chopping(int size) {
        this.size = size;
    }

    /**
     * Every frame in a single write.
     *
     * <pre>{@code Chopping.whole().write(socket.getOutputStream(), List.of(Frame.text("Hello").masked()));}</pre>
     *
     * @return the chopping
     */
    public static Chopping whole() {
        return WHOLE;
    }

    /**
     * One write per frame (Autobahn's "frame-wise chops", {@code sync=True}).
     *
     * <pre>{@code Chopping.perFrame().write(socket.getOutputStream(), List.of(Frame.text("Hello").masked()));}</pre>
     *
     * @return the chopping
     */
    public static Chopping perFrame() {
        return PER_FRAME;
    }

    /**
     * Each frame cut into writes of {@code octets} bytes (its last write may be shorter); no write spans two
     * frames (Autobahn's {@code chopsize}).
     *
     * <pre>{@code Chopping.every(1) // octet-wise chops}</pre>
     *
     * @param octets bytes per write, at least 1
     * @return the chopping
     */
    public static Chopping every(int octets) {
        if (octets < 1) {
            throw new IllegalArgumentException("chunks of at least 1 byte, got " + octets);
        }
        return new Chopping(octets);
    }

    /**
     * The writes this chopping makes of already encoded frames.
     *
     * @param encodedFrames each frame's bytes, in order
     * @return the writes, in order
     */
    public List<byte[]> chunksOf(List<byte[]> encodedFrames) {
        List<byte[]> chunks = new ArrayList<>();
        if (size == 0) {
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            encodedFrames.forEach(all::writeBytes);
            chunks.add(all.toByteArray());
            return chunks;
        }
        for (byte[] frame : encodedFrames) {
            if (size < 0) {
                chunks.add(frame.clone());
                continue;
            }
            for (int from = 0; from < frame.length; from += size) {
                int to = Math.min(frame.length, from + size);
                byte[] chunk = new byte[to - from];
                System.arraycopy(frame, from, chunk, 0, chunk.length);
                chunks.add(chunk);
            }
        }
        return chunks;
    }

    /**
     * The writes this chopping makes of frames, each encoded as it is (masked only if it has a key).
     *
     * @param frames the frames
     * @return the writes, in order
     */
    public List<byte[]> chunks(List<Frame> frames) {
        return chunksOf(frames.stream().map(Frame::encode).toList());
    }

    /**
     * Writes frames to {@code out} in this chopping's writes, flushing after each.
     *
     * @param out the stream
     * @param frames the frames, each encoded as it is
     * @throws IOException if a write fails
     */
    public void write(OutputStream out, List<Frame> frames) throws IOException {
        for (byte[] chunk : chunks(frames)) {
            out.write(chunk);
            out.flush();
        }
    }

    @Override
    public String toString() {
        return size == 0 ? "whole" : size < 0 ? "per frame" : "every " + size + " octet" + (size == 1 ? "" : "s");
    }
}
