package io.wslb.testing;

import static java.util.Objects.requireNonNull;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads WebSocket frames from a stream and reports exactly what arrived: FIN, RSV bits, opcode, whether the frame
 * was masked (and with which key), how its length was encoded, and the unmasked payload. It judges nothing: a
 * reserved opcode, a masked server frame or a 126-byte ping are returned as they are; only a payload larger than
 * the reader's limit is refused, to keep a broken peer from exhausting the test's memory.
 *
 * <pre>{@code
 * FrameReader reader = FrameReader.of(socket.getInputStream());
 * Frame frame = reader.read();                       // blocks; EOFException at end of stream
 * if (frame.opcode() == Frame.CLOSE) { int code = frame.closeCode().orElse(1005); }
 *
 * byte[] captured = Frame.text("a").encode();
 * List<Frame> frames = FrameReader.parseAll(captured); // a captured byte sequence, frame by frame
 * }</pre>
 *
 * <p>Not thread-safe; one reader per stream, used by one thread at a time.
 */
public final class FrameReader {

    /** The default payload limit of a reader: 64 MiB. */
    public static final long DEFAULT_MAX_PAYLOAD = 64L << 20;

    private final InputStream in;
    private final long maxPayload;

    private FrameReader(InputStream in, long maxPayload) {
        this.in = requireNonNull(in, "in");
        if (maxPayload < 0 || maxPayload > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("maxPayload out of range: " + maxPayload);
        }
        this.maxPayload = maxPayload;
    }

    /**
     * A reader with the {@linkplain #DEFAULT_MAX_PAYLOAD default payload limit}.
     *
     * <pre>{@code FrameReader reader = FrameReader.of(new BufferedInputStream(socket.getInputStream()));}</pre>
     *
     * @param in the stream; the reader takes exactly each frame's bytes from it, no more
     * @return the reader
     */
    public static FrameReader of(InputStream in) {
        return new FrameReader(in, DEFAULT_MAX_PAYLOAD);
    }

    /**
     * A reader that refuses frames announcing more than {@code maxPayload} bytes.
     *
     * <pre>{@code FrameReader reader = FrameReader.of(socket.getInputStream(), 1 << 20);}</pre>
     *
     * @param in the stream
     * @param maxPayload the largest payload accepted
     * @return the reader
     */
    public static FrameReader of(InputStream in, long maxPayload) {
        return new FrameReader(in, maxPayload);
    }

    /**
     * Parses a complete byte sequence into frames.
     *
     * <pre>{@code List<Frame> frames = FrameReader.parseAll(Frame.text("a").encode());}</pre>
     *
     * @param bytes whole frames, back to back
     * @return the frames, in order
     * @throws IOException if the bytes end inside a frame
     */
    public static List<Frame> parseAll(byte[] bytes) throws IOException {
        ByteArrayInputStream in = new ByteArrayInputStream(bytes);
        FrameReader reader = of(in);
        List<Frame> frames = new ArrayList<>();
        while (in.available() > 0) {
            frames.add(reader.read());
        }
        return frames;
    }

    /**
     * Reads the next frame, blocking until it is complete.
     *
     * @return the frame as it arrived, its payload unmasked
     * @throws EOFException at end of stream, before or inside a frame (the message says which)
     * @throws IOException if the frame announces more than the limit, or the stream fails (a read timeout
     *     included)
     */
    public Frame read() throws IOException {
        int b0 = in.read();
        if (b0 < 0) {
            throw new EOFException("end of stream");
        }
        int b1 = readByte();
        boolean masked = (b1 & 0x80) != 0;
        long length = b1 & 0x7F;
        Frame.PayloadLength form = Frame.PayloadLength.BITS_7;
        if (length == 126) {
            form = Frame.PayloadLength.BITS_16;
            length = (readByte() << 8) | readByte();
        } else if (length == 127) {
            form = Frame.PayloadLength.BITS_64;
            length = 0;
            for (int i = 0; i < 8; i++) {
                length = (length << 8) | readByte();
            }
        }
        if (length < 0 || length > maxPayload) {
            throw new IOException("frame announces " + Long.toUnsignedString(length) + " bytes, over the reader's limit of " + maxPayload);
        }
        byte[] key = masked ? readFully(4) : null;
        byte[] payload = readFully((int) length);
        if (key != null) {
            for (int i = 0; i < payload.length; i++) {
                payload[i] ^= key[i & 3];
            }
        }
        Frame frame = Frame.of(b0 & 0x0F, payload).fin((b0 & 0x80) != 0).rsv((b0 >> 4) & 0x7).payloadLength(form);
        return key == null ? frame : frame.masked(key);
    }

    private int readByte() throws IOException {
        int b = in.read();
        if (b < 0) {
            throw new EOFException("end of stream inside a frame header");
        }
        return b;
    }

    private byte[] readFully(int length) throws IOException {
        byte[] bytes = in.readNBytes(length);
        if (bytes.length < length) {
            throw new EOFException("end of stream inside a frame, after " + bytes.length + " of " + length + " bytes");
        }
        return bytes;
    }
}
