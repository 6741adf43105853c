package io.wslb.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/**
 * The bytes of one client connection as the load client sees them: plain TCP, or TLS over it ({@link TlsWire}).
 * Non-blocking like the channel under it; a TLS wire may hold encrypted bytes the socket did not take
 * ({@link #hasPendingOutput()}), which its owner flushes with {@code write} when the socket is writable again.
 */
interface Wire {

    /** Reads what has arrived into {@code dst}; -1 at the end of the stream. */
    int read(ByteBuffer dst) throws IOException;

    /** Writes what the socket takes now; a TLS wire first flushes what an earlier write left over. */
    int write(ByteBuffer src) throws IOException;

    /** Whether the last {@code read} left bytes ready to decode because {@code dst} was full: read again at once. */
    boolean readAgain(int lastRead, ByteBuffer dst);

    /**
     * Puts at most {@code bytes} of what is written into one TLS record: one record per WebSocket message, as a
     * browser sends them, rather than several messages sealed together. A plain wire ignores it.
     */
    default void recordSize(int bytes) {
    }

    /** Frees what the wire holds besides the socket (a native TLS engine); the owner closes the socket. */
    default void release() {
    }

    /** Whether bytes accepted by {@code write} still wait for the socket. */
    boolean hasPendingOutput();

    /**
     * Advances a TLS handshake.
     *
     * @return 0 when the wire is ready for data, else the selection interest ({@code OP_READ} or {@code OP_WRITE}) it
     *     waits for
     */
    int handshake() throws IOException;

    /** A wire that is the socket itself. */
    static Wire plain(SocketChannel channel) {
        return new Wire() {
            @Override
            public int read(ByteBuffer dst) throws IOException {
                return channel.read(dst);
            }

            @Override
            public int write(ByteBuffer src) throws IOException {
                return channel.write(src);
            }

            @Override
            public boolean readAgain(int lastRead, ByteBuffer dst) {
                return lastRead == dst.capacity();
            }

            @Override
            public boolean hasPendingOutput() {
                return false;
            }

            @Override
            public int handshake() {
                return 0;
            }
        };
    }
}
