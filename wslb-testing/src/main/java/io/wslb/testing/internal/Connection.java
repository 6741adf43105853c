package io.wslb.testing.internal;

import io.wslb.testing.Fault;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One proxied connection: the client's socket, the socket to the target and a {@link Flow} each way. Lives on
 * the I/O thread only.
 *
 * <pre>{@code Connection c = new Connection(engine, accepted, SocketChannel.open()); c.start(target, selector);}</pre>
 */
final class Connection {

    private static final Logger LOG = LoggerFactory.getLogger(Connection.class);
    /** Above this many bytes waiting to be written one way, the proxy stops reading the other side. */
    static final int MAX_QUEUED_BYTES = 256 * 1024;

    private final ProxyEngine engine;
    private final SocketChannel client;
    private final SocketChannel upstream;
    private final Flow toTarget;
    private final Flow fromTarget;
    private @Nullable SelectionKey clientKey;
    private @Nullable SelectionKey upstreamKey;
    private boolean connected;
    private boolean connectFailed;
    private boolean closed;
    /** When the next delayed chunk is due, {@code Long.MAX_VALUE} if none is waiting on the clock. */
    long nextDue = Long.MAX_VALUE;

    Connection(ProxyEngine engine, SocketChannel client, SocketChannel upstream) {
        this.engine = engine;
        this.client = client;
        this.upstream = upstream;
        this.toTarget = new Flow(client, upstream, engine.toTarget, engine.swallowed);
        this.fromTarget = new Flow(upstream, client, engine.fromTarget, engine.swallowed);
    }

    void start(InetSocketAddress target, Selector selector) throws IOException {
        for (SocketChannel channel : new SocketChannel[] {client, upstream}) {
            channel.configureBlocking(false);
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
        }
        clientKey = client.register(selector, 0, this);
        upstreamKey = upstream.register(selector, 0, this);
        try {
            connected = upstream.connect(target);
        } catch (IOException e) {
            failConnect(e);
        }
        update(System.nanoTime());
    }

    void onReady(SelectionKey key, long now) {
        try {
            if (key.isConnectable()) {
                try {
                    connected = upstream.finishConnect();
                } catch (IOException e) {
                    failConnect(e);
                }
            } else if (key.isReadable() && (key.interestOps() & SelectionKey.OP_READ) != 0) { // not if a task just muted it
                (key == clientKey ? toTarget : fromTarget).read(engine.readBuffer(), engine.fault(), now);
            }
        } catch (IOException e) {
            LOG.debug("connection failed", e);
            close(true);
        }
        update(now);
    }

    /** Forwards what is due and sets what to wait for, as the current fault says; closes the connection when done. */
    void update(long now) {
        if (closed) {
            return;
        }
        Fault fault = engine.fault();
        boolean forwards = fault.forwards();
        boolean swallows = fault.kind() == Fault.Kind.BLACKHOLE;
        if (fault.kind() == Fault.Kind.RESET || connectFailed && forwards) {
            close(true);
            return;
        }
        try {
            if (forwards && connected) {
                toTarget.flush(now);
                fromTarget.flush(now);
            }
            if (toTarget.outputShut && fromTarget.outputShut) {
                close(false);
                return;
            }
            boolean reads = forwards || swallows;
            interest(clientKey, reads && toTarget.canRead(swallows), forwards && fromTarget.writeBlocked);
            if (connected) {
                interest(upstreamKey, reads && fromTarget.canRead(swallows), forwards && toTarget.writeBlocked);
            } else if (!connectFailed && upstreamKey != null) {
                upstreamKey.interestOps(SelectionKey.OP_CONNECT);
            }
            nextDue = forwards && connected ? Math.min(toTarget.nextDue(), fromTarget.nextDue()) : Long.MAX_VALUE;
        } catch (IOException e) {
            LOG.debug("connection failed", e);
            close(true);
        }
    }

    /** Closes both sides: with a reset, or with a FIN after discarding unread bytes (else the kernel sends RST). */
    void close(boolean reset) {
        if (closed) {
            return;
        }
        closed = true;
        nextDue = Long.MAX_VALUE;
        for (SocketChannel channel : new SocketChannel[] {client, upstream}) {
            if (reset) {
                ProxyEngine.reset(channel);
                continue;
            }
            try {
                if (channel.isConnected()) {
                    channel.shutdownOutput();
                    ByteBuffer sink = engine.readBuffer();
                    for (int i = 0; i < 1024 && channel.read(sink.clear()) > 0; i++) {
                        // discard
                    }
                }
            } catch (IOException ignored) {
                // closing is what matters
            }
            try {
                channel.close();
            } catch (IOException ignored) {
                // nothing left to do
            }
        }
        engine.removed(this);
    }

    private void failConnect(IOException e) throws IOException {
        LOG.debug("cannot connect to the target", e);
        connectFailed = true;
        upstream.close();
    }

    private static void interest(@Nullable SelectionKey key, boolean read, boolean write) {
        if (key != null && key.isValid()) {
            key.interestOps((read ? SelectionKey.OP_READ : 0) | (write ? SelectionKey.OP_WRITE : 0));
        }
    }

    /** A chunk of bytes, or an end of stream (FIN) or reset when {@code data} is null, and when it is due. */
    private record Chunk(@Nullable ByteBuffer data, long due, boolean reset) {}

    /** One direction: what was read from {@code src} and waits to be written to {@code dst}, in order. */
    private static final class Flow {
        private static final int RESET = -2;
        private final SocketChannel src;
        private final SocketChannel dst;
        private final AtomicLong written;
        private final AtomicLong swallowed;
        private final ArrayDeque<Chunk> queue = new ArrayDeque<>();
        private int queuedBytes;
        private boolean inputDone;
        boolean outputShut;
        boolean writeBlocked;

        Flow(SocketChannel src, SocketChannel dst, AtomicLong written, AtomicLong swallowed) {
            this.src = src;
            this.dst = dst;
            this.written = written;
            this.swallowed = swallowed;
        }

        boolean canRead(boolean swallows) {
            return !inputDone && (swallows || queuedBytes < MAX_QUEUED_BYTES);
        }

        /** Reads once: queues the bytes (or swallows them, under BLACKHOLE), or the end of stream or reset. */
        void read(ByteBuffer buffer, Fault fault, long now) {
            int n;
            try {
                n = src.read(buffer.clear());
            } catch (IOException e) {
                n = RESET;
            }
            if (n == 0) {
                return;
            }
            long due = now + fault.delay().toNanos(); // leaves after those ahead of it all the same: a FIFO
            if (n < 0) {
                inputDone = true;
                queue.add(new Chunk(null, due, n == RESET));
            } else if (fault.kind() == Fault.Kind.BLACKHOLE) {
                swallowed.addAndGet(n);
            } else {
                queue.add(new Chunk(ByteBuffer.allocate(n).put(buffer.flip()).flip(), due, false));
                queuedBytes += n;
            }
        }

        /** Writes what is due, until done or {@code dst} is full. */
        void flush(long now) throws IOException {
            writeBlocked = false;
            for (Chunk c = queue.peek(); c != null && c.due() <= now; c = queue.peek()) {
                ByteBuffer data = c.data();
                if (data == null) {
                    queue.poll();
                    if (c.reset()) {
                        throw new IOException("connection reset by peer");
                    }
                    dst.shutdownOutput();
                    outputShut = true;
                    continue;
                }
                written.addAndGet(dst.write(data));
                if (data.hasRemaining()) {
                    writeBlocked = true;
                    return;
                }
                queue.poll();
                queuedBytes -= data.capacity();
            }
        }

        long nextDue() {
            Chunk c = queue.peek();
            return c == null || writeBlocked ? Long.MAX_VALUE : c.due();
        }
    }
}
