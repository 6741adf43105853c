package io.wslb.jetty.internal.tunnel;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.RetainableByteBuffer;
import org.eclipse.jetty.io.ssl.SslConnection;
import org.eclipse.jetty.util.BufferUtil;
import org.jspecify.annotations.Nullable;

/**
 * One direction of a tunnel: reads its source socket, follows the frames with a {@link FrameScanner} and
 * writes the bytes, unchanged, to its sink socket. It is the only writer of its sink, so the frames the proxy
 * injects (a close) go through it too, at a frame boundary.
 *
 * <p>Backpressure: the source is not read again until the write to the sink has completed. Buffers come
 * from the server's pool and go back to it whenever a read finds nothing, so an idle connection holds none.
 * Everything here is non-blocking and runs on whichever selector thread made progress.
 */
final class Relay extends Pump {

    /** What the tunnel asks a relay to do instead of relaying. */
    record CloseRequest(int code, String reason) {
        /** Stop relaying and shut the sink's output, with no frame of the proxy's own. */
        static final CloseRequest SHUT = new CloseRequest(0, "");
    }

    private static final VarHandle CLOSE_REQUEST;

    static {
        try {
            CLOSE_REQUEST = MethodHandles.lookup().findVarHandle(Relay.class, "closeRequest", CloseRequest.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final WebSocketTunnel tunnel;
    private final TunnelLeg source;
    private final TunnelLeg sink;
    /** Published messages for the sink; null in the direction toward the backend. */
    private final @Nullable Injections injections;
    private final FrameScanner scanner;
    private final ByteBufferPool pool;
    private final int bufferSize;
    private @Nullable RetainableByteBuffer buffer;
    private @Nullable ByteBuffer initial;
    private byte @Nullable [] carry;
    private int carryLength;
    /** Asked by the tunnel from any thread; acted on by the relay's run, which moves {@link #state}. */
    private volatile @Nullable CloseRequest closeRequest;
    /** The tunnel asked for a liveness ping toward the sink (a request, like {@link #closeRequest}, not a state). */
    private volatile boolean pingRequested;
    /** Moved only by this relay's run; volatile because the other relay reads it. */
    private volatile RelayState state = RelayState.RELAYING;
    /** The last read returned less than a buffer: the socket was empty then (a hint for the next read, not a state). */
    private boolean drained;
    private volatile long forwarded;

    Relay(WebSocketTunnel tunnel, TunnelLeg source, TunnelLeg sink, FrameScanner scanner, ByteBufferPool pool, int bufferSize,
          @Nullable Injections injections) {
        this.tunnel = tunnel;
        this.injections = injections;
        this.source = source;
        this.sink = sink;
        this.scanner = scanner;
        this.pool = pool;
        this.bufferSize = bufferSize;
    }

    /** @param bytes bytes that arrived with the handshake and precede anything read from the source */
    void initial(ByteBuffer bytes) {
        this.initial = bytes;
    }

    /**
     * Asks the relay to stop relaying: to send a close frame (when {@code request.code()} is not 0 and the
     * sink's stream is at a frame boundary), shut the sink's output, then discard the source's bytes until the
     * source's own close frame or end of stream. The first request wins.
     *
     * @param request what to send
     */
    void requestClose(CloseRequest request) {
        if (CLOSE_REQUEST.compareAndSet(this, null, request)) {
            wake();
        }
    }

    /**
     * Asks the relay to send a ping to its sink at the next frame boundary of the stream it forwards (the sink's
     * peer answers with a pong, which proves it is alive).
     */
    void requestPing() {
        pingRequested = true;
        wake();
    }

    /** Published messages wait for the sink: send them between two whole messages of the source. */
    void requestInjection() {
        wake();
    }

    /**
     * Starts relaying once both handshakes are done: forwards the bytes handed over with the handshake, or else
     * waits until the source is readable. It does not read at once: the client has just been sent its 101 and the
     * backend's bytes after its 101 were handed over, so a read now would almost always find nothing (a system
     * call per leg of every connection). A source already closed is read at once, which reports its end (an
     * endpoint other than {@link PlacedEndPoint} would never answer a fill interest). A close request made before
     * the start has already run the relay ({@link #requestClose} wakes it); a second fill interest is not
     * registered.
     */
    void start() {
        if (initial != null || !source.getEndPoint().isOpen()) {
            iterate();
        } else {
            source.fillInterestedIfNeeded();
        }
    }

    /** The source is readable, or the relay has a close request to act on. */
    void iterate() {
        wake();
    }

    long forwarded() {
        return forwarded;
    }

    /** @return whole data messages forwarded so far; read once the relay is done, like {@link #forwarded()} */
    long messages() {
        return scanner.messages();
    }

    /** @return the code of the first close frame forwarded, 1005 for one without a code, 0 when none was */
    int closeCode() {
        return scanner.closeCode();
    }

    @Override
    protected Step process() {
        boolean afterWrite = resumedAfterWrite();
        while (true) {
            CloseRequest request = closeRequest;
            if (request != null && !state.sinkShut() && !deferClose(request)) {
                boolean sourceEnded = state.sourceEnded();
                Step step = closeSink(request);
                if (step != null) {
                    return step;
                }
                if (scanner.closeHeld() || sourceEnded) {
                    // The source's close frame was replaced by the proxy's own, or the source has ended: nothing
                    // more is to come from it, and a read would only return the end of stream again.
                    release();
                    return Step.DONE;
                }
            }
            // Read once per turn (one volatile read on the hot path): only this run moves it, and nothing below does
            // before the read whose bytes it directs.
            RelayState now = state;
            if (closeHandshakeDone(now)) {
                // Both close frames have passed and the other direction is finished: the source can only send its
                // end of stream. Finish now rather than wait for it, so that the proxy closes both sockets at once
                // (RFC 6455 section 7.1.1: the server closes the TCP connection first). Closing the socket sends
                // the FIN that shutting the output would.
                release();
                return Step.DONE;
            }
            if (pingRequested && request == null && scanner.atBoundary()) {
                pingRequested = false;
                EndPoint out = sink.getEndPoint();
                if (out.isOpen() && !out.isOutputShutdown()) {
                    release();
                    writing();
                    out.write(this, ControlFrames.ping(sink.isBackend()));
                    return Step.WRITING;
                }
            }
            Injections waiting = injections;
            if (waiting != null && waiting.pending() && request == null && scanner.betweenMessages() && !scanner.closeSeen()) {
                EndPoint out = sink.getEndPoint();
                ByteBuffer frames = out.isOpen() && !out.isOutputShutdown() ? waiting.take(tunnel.channels()) : null;
                if (frames != null) {
                    release();
                    writing();
                    out.write(this, frames);
                    return Step.WRITING;
                }
            }
            if (afterWrite && drained) {
                // The last read emptied the socket: wait for the selector rather than read again, which
                // would almost always return nothing (one system call saved per message).
                release();
                source.fillInterestedIfNeeded();
                return Step.IDLE;
            }
            afterWrite = false;
            RetainableByteBuffer held = buffer;
            if (held == null) {
                held = buffer = pool.acquire(bufferSize, true);
            }
            ByteBuffer bytes = held.getByteBuffer();
            BufferUtil.clear(bytes);
            int filled = fill(bytes);
            if (filled > 0) {
                if (now.sinkShut()) {
                    if (discardUntilClose(bytes)) {
                        release();
                        return Step.DONE;
                    }
                    continue;
                }
                if (forward(bytes)) {
                    return Step.WRITING;
                }
                continue;
            }
            if (filled == 0) {
                release();
                source.fillInterestedIfNeeded();
                return Step.IDLE;
            }
            release();
            if (now.sinkShut()) {
                return Step.DONE;
            }
            move(now.afterSourceEnded());
            tunnel.endOfStream(source, scanner.closeSeen());
            if (closeRequest == null) {
                requestClose(CloseRequest.SHUT);
            }
        }
    }

    /**
     * Whether this relay has delivered its source's close frame while the other relay is finished (its source
     * ended after its own close frame, or was shut): the close handshake is complete in both directions.
     */
    private boolean closeHandshakeDone(RelayState now) {
        return now.closeForwarded() && scanner.violation() == 0 && !scanner.closeHeld() && opposite().isFinished();
    }

    /** @return the relay of the other direction: the one whose source is this relay's sink */
    Relay opposite() {
        return sink.relay();
    }

    /** @return true once the source's close frame has been scanned and handed to the sink */
    boolean closeFrameForwarded() {
        return state.closeForwarded();
    }

    /** Moves to {@code next}, which the current state must allow (see {@link RelayState#canMoveTo}). */
    private void move(RelayState next) {
        state = state.to(next);
    }

    /** Fills {@code bytes} from the source and sets {@link #drained}: whether the source has nothing more now. */
    private int fill(ByteBuffer bytes) {
        ByteBuffer first = initial;
        if (first != null) {
            int appended = BufferUtil.append(bytes, first);
            if (!first.hasRemaining()) {
                initial = null;
            }
            drained = false;
            return appended;
        }
        EndPoint endPoint = source.getEndPoint();
        try {
            int filled = endPoint.fill(bytes);
            if (filled > 0 && endPoint instanceof SslConnection.SslEndPoint) {
                // TLS hands over one record per fill, and a client sends a record per message: gather what has
                // arrived, so that the sink gets one write for them rather than one per message.
                int more = 0;
                while (BufferUtil.space(bytes) > 0 && (more = endPoint.fill(bytes)) > 0) {
                    filled += more;
                }
                drained = more == 0 && BufferUtil.space(bytes) > 0; // an end of stream is read again, and seen
                return filled;
            }
            drained = filled >= 0 && filled < bytes.capacity();
            return filled;
        } catch (IOException failure) {
            return -1;
        }
    }

    /**
     * Whether a close request toward the sink waits: when the sink's own frames broke the protocol, its close
     * frame goes out only where the source's close frame would have, so that everything the source sent before
     * (answers to the sink's valid frames, such as the echo of a message the sink sent before the violation)
     * reaches the sink first, as it would from a single endpoint that failed the connection. The source has been
     * sent a close frame by the other relay; until its close frame arrives, this relay keeps forwarding. The
     * source's close frame itself is not forwarded: the sink gets the violation's code in its place.
     */
    private boolean deferClose(CloseRequest request) {
        if (request.code() == 0 || state.sourceEnded() || scanner.violation() != 0 || scanner.closeSeen() || scanner.closeHeld()
            || !opposite().sourceViolated()) {
            return false;
        }
        scanner.stopBeforeCloseFrame();
        return !scanner.closeHeld();
    }

    /** @return true if this relay's source broke the protocol */
    boolean sourceViolated() {
        return scanner.violation() != 0;
    }

    /** Scans and writes what may go now; returns true if a write is in flight. */
    private boolean forward(ByteBuffer bytes) {
        int filled = bytes.remaining();
        int clean = scanner.scan(bytes);
        int violation = scanner.violation();
        if (scanner.closeSeen() && !state.closeForwarded()) {
            move(state.afterCloseForwarded());
            tunnel.closeFrameSeen(source);
        }
        ByteBuffer head = null;
        if (violation == 0 && clean < filled && !scanner.closeHeld()) {
            if (clean == 0) {
                appendCarry(bytes, 0, filled);
                return false;
            }
            head = takeCarry();
            appendCarry(bytes, clean, filled);
        } else if (clean == 0) {
            carry = null;
            carryLength = 0;
        } else {
            head = takeCarry();
        }
        if (violation != 0) {
            tunnel.violation(source, violation, scanner.violationReason());
        }
        if (clean == 0) {
            return false;
        }
        bytes.limit(bytes.position() + clean);
        forwarded += clean + (head == null ? 0 : head.remaining());
        writing();
        if (head == null) {
            sink.getEndPoint().write(this, bytes);
        } else {
            sink.getEndPoint().write(this, head, bytes);
        }
        return true;
    }

    /** Sends the requested close frame if possible, then shuts the sink; null when the source is to be drained. */
    private @Nullable Step closeSink(CloseRequest request) {
        carry = null;
        carryLength = 0;
        initial = null;
        EndPoint out = sink.getEndPoint();
        // No close frame of the proxy's own after the source's close frame went through: one per direction.
        if (!state.closeSent() && request.code() != 0 && scanner.atBoundary() && !scanner.closeSeen() && out.isOpen()
            && !out.isOutputShutdown()) {
            move(state.afterCloseSent());
            release();
            writing();
            out.write(this, ControlFrames.close(request.code(), request.reason(), sink.isBackend()));
            return Step.WRITING;
        }
        // The shut state remembers whether the source's close frame had passed (it has exactly when the scanner saw
        // it, since only forward() scans before the shut): if so, only the source's end is left to wait for.
        move(state.afterSinkShut());
        if (out.isOpen()) {
            out.shutdownOutput();
        }
        tunnel.relayClosing(this);
        return null;
    }

    /** After the sink is shut: drop source bytes until the source's close frame; true when it came. */
    private boolean discardUntilClose(ByteBuffer bytes) {
        if (scanner.violation() != 0 || state.closeForwarded()) {
            return false;
        }
        scanner.scan(bytes);
        return scanner.closeSeen();
    }

    private void appendCarry(ByteBuffer bytes, int from, int to) {
        int length = to - from;
        byte[] target = carry;
        if (target == null) {
            target = carry = new byte[14];
        }
        for (int i = 0; i < length; i++) {
            target[carryLength + i] = bytes.get(bytes.position() + from + i);
        }
        carryLength += length;
    }

    private @Nullable ByteBuffer takeCarry() {
        byte[] held = carry;
        if (held == null || carryLength == 0) {
            return null;
        }
        ByteBuffer head = ByteBuffer.wrap(held, 0, carryLength);
        carry = null;
        carryLength = 0;
        return head;
    }

    private void release() {
        RetainableByteBuffer held = buffer;
        if (held != null) {
            buffer = null;
            held.release();
        }
    }

    @Override
    protected void onDone() {
        release();
        tunnel.relayDone(this);
        move(RelayState.DONE);
    }

    @Override
    protected void onFailed(Throwable cause) {
        release();
        tunnel.writeFailed(this, sink, cause);
        tunnel.relayDone(this);
        move(RelayState.DONE);
    }

    @Override
    public String toString() {
        return "Relay[" + (source.isBackend() ? "backend->client" : "client->backend") + ", forwarded=" + forwarded
            + ", " + state + ", closing=" + closeRequest + ", " + super.toString() + "]";
    }
}
