package io.wslb.bench;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;
import org.jspecify.annotations.Nullable;

/**
 * TLS over a non-blocking socket with the JDK's {@link SSLEngine}, for the load client's {@code wss://} connections.
 * Encrypted bytes live in per-thread scratch buffers; a connection keeps only what is left over (a partial record
 * read, encrypted bytes the socket did not take), so that thousands of idle connections cost the client no buffers.
 * {@code wrap} (the rate sender's thread) and {@code unwrap} (the I/O thread) may run at once, which
 * {@link SSLEngine} allows.
 */
final class TlsWire implements Wire {
    private static final int NET_SCRATCH = 128 * 1024;
    private static final ByteBuffer NOTHING = ByteBuffer.allocate(0);
    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /** One thread's buffers: encrypted input, encrypted output, and plaintext produced during the handshake. */
    private static final class Scratch {
        final ByteBuffer netIn = ByteBuffer.allocateDirect(NET_SCRATCH);
        final ByteBuffer netOut = ByteBuffer.allocateDirect(NET_SCRATCH);
        final ByteBuffer app = ByteBuffer.allocate(64 * 1024);
    }

    private final SocketChannel channel;
    private final SSLEngine engine;
    private final ClientTls owner;
    private @Nullable ByteBuffer inLeft;
    private volatile @Nullable ByteBuffer outLeft;
    private volatile int recordSize = 16 * 1024;
    /** Plaintext a record can hold: less room than this in a read's buffer stops decoding (the engine's size is fixed). */
    private final int appBufferSize;
    private boolean overflowed;
    private boolean closed;

    TlsWire(SocketChannel channel, ClientTls owner, SSLEngine engine) throws SSLException {
        this.channel = channel;
        this.owner = owner;
        this.engine = engine;
        this.appBufferSize = engine.getSession().getApplicationBufferSize();
        engine.beginHandshake();
    }

    @Override
    public int handshake() throws IOException {
        while (true) {
            if (!flushLeft()) {
                return SelectionKey.OP_WRITE;
            }
            switch (engine.getHandshakeStatus()) {
                case NEED_TASK -> runTasks();
                case NEED_WRAP -> wrapOnce(NOTHING);
                case NEED_UNWRAP, NEED_UNWRAP_AGAIN -> {
                    ByteBuffer app = SCRATCH.get().app;
                    app.clear();
                    int n = read(app);
                    if (n < 0) {
                        throw new EOFException("EOF during the TLS handshake");
                    }
                    if (app.position() > 0) {
                        throw new SSLException("application data during the TLS handshake");
                    }
                    if (n == 0 && needsUnwrap()) {
                        return SelectionKey.OP_READ;
                    }
                }
                default -> {
                    owner.handshakeDone(engine);
                    return 0; // FINISHED or NOT_HANDSHAKING
                }
            }
        }
    }

    private boolean needsUnwrap() {
        SSLEngineResult.HandshakeStatus s = engine.getHandshakeStatus();
        return s == SSLEngineResult.HandshakeStatus.NEED_UNWRAP || s == SSLEngineResult.HandshakeStatus.NEED_UNWRAP_AGAIN;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        overflowed = false;
        if (closed) {
            return -1;
        }
        ByteBuffer net = SCRATCH.get().netIn;
        net.clear();
        ByteBuffer left = inLeft;
        if (left != null) {
            net.put(left);
            inLeft = null;
        }
        int produced = 0;
        boolean eof = false;
        while (true) {
            int n = channel.read(net);
            eof = n < 0;
            net.flip();
            produced += unwrapAll(net, dst);
            net.compact();
            if (overflowed || closed || eof || n == 0) {
                break;
            }
            if (dst.remaining() < appBufferSize) {
                overflowed = net.position() > 0 || n > 0;
                break;
            }
        }
        if (net.position() > 0) {
            net.flip();
            ByteBuffer keep = ByteBuffer.allocate(net.remaining());
            keep.put(net).flip();
            inLeft = keep;
        }
        if (produced == 0 && (eof || closed)) {
            closed = true;
            return -1;
        }
        return produced;
    }

    /** Unwraps every whole record in {@code net}; returns the bytes produced; sets {@link #overflowed}, {@link #closed}. */
    private int unwrapAll(ByteBuffer net, ByteBuffer dst) throws IOException {
        int produced = 0;
        while (net.hasRemaining()) {
            SSLEngineResult r = engine.unwrap(net, dst);
            produced += r.bytesProduced();
            switch (r.getStatus()) {
                case BUFFER_UNDERFLOW -> {
                    return produced;
                }
                case BUFFER_OVERFLOW -> {
                    overflowed = true;
                    return produced;
                }
                case CLOSED -> {
                    closed = true;
                    return produced;
                }
                default -> {
                    // OK
                }
            }
            SSLEngineResult.HandshakeStatus hs = r.getHandshakeStatus();
            if (hs == SSLEngineResult.HandshakeStatus.NEED_TASK) {
                runTasks();
            } else if (hs == SSLEngineResult.HandshakeStatus.NEED_WRAP) {
                return produced; // the handshake (or a key update) has something to send first
            }
            if (r.bytesConsumed() == 0 && r.bytesProduced() == 0) {
                return produced;
            }
        }
        return produced;
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        if (!flushLeft()) {
            return 0;
        }
        ByteBuffer net = SCRATCH.get().netOut;
        int consumed = 0;
        while (src.hasRemaining()) {
            net.clear();
            while (src.hasRemaining()) {
                int limit = src.limit();
                src.limit(Math.min(limit, src.position() + recordSize));
                SSLEngineResult r;
                try {
                    r = engine.wrap(src, net);
                } finally {
                    src.limit(limit);
                }
                if (r.getStatus() == SSLEngineResult.Status.BUFFER_OVERFLOW) {
                    break;
                }
                if (r.getStatus() == SSLEngineResult.Status.CLOSED) {
                    throw new SSLException("TLS closed");
                }
                consumed += r.bytesConsumed();
            }
            net.flip();
            channel.write(net);
            if (net.hasRemaining()) {
                keepOut(net);
                break;
            }
        }
        return consumed;
    }

    private void wrapOnce(ByteBuffer src) throws IOException {
        ByteBuffer net = SCRATCH.get().netOut;
        net.clear();
        SSLEngineResult r = engine.wrap(src, net);
        if (r.getStatus() == SSLEngineResult.Status.CLOSED) {
            throw new SSLException("TLS closed during the handshake");
        }
        net.flip();
        channel.write(net);
        if (net.hasRemaining()) {
            keepOut(net);
        }
    }

    private void keepOut(ByteBuffer net) {
        ByteBuffer keep = ByteBuffer.allocate(net.remaining());
        keep.put(net).flip();
        outLeft = keep;
    }

    /** @return true when nothing is left to write */
    private boolean flushLeft() throws IOException {
        ByteBuffer left = outLeft;
        if (left == null) {
            return true;
        }
        channel.write(left);
        if (left.hasRemaining()) {
            return false;
        }
        outLeft = null;
        return true;
    }

    private void runTasks() {
        Runnable task;
        while ((task = engine.getDelegatedTask()) != null) {
            task.run();
        }
    }

    @Override
    public void release() {
        ClientTls.free(engine);
    }

    @Override
    public void recordSize(int bytes) {
        recordSize = Math.max(1, Math.min(bytes, 16 * 1024));
    }

    @Override
    public boolean readAgain(int lastRead, ByteBuffer dst) {
        return overflowed;
    }

    @Override
    public boolean hasPendingOutput() {
        return outLeft != null;
    }
}
