package io.wslb.jetty.internal.handshake;

import io.wslb.RejectCause;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.http.HttpException;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpParser;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.io.AbstractConnection;
import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.RetainableByteBuffer;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Scheduler;
import org.jspecify.annotations.Nullable;

/**
 * The HTTP/1.1 exchange with a backend that precedes a tunnel: writes the upgrade request, parses the answer
 * with Jetty's {@link HttpParser}, and reports exactly one outcome to its {@link BackendUpgradeListener}: upgraded
 * (a valid 101; the bytes read past it stay for the tunnel), refused (a 4xx/5xx, with up to
 * {@value #MAX_RELAYED_BODY} bytes of body), invalid, failed or timed out. After any outcome but "upgraded" the
 * socket is closed: a backend connection that did not upgrade is never reused.
 *
 * <p>The upgrade timeout is a deadline, not an idle timeout: it runs from the moment the connection opens (the
 * connect is done) to the complete response head, so a backend that drips its answer a byte at a time is cut like
 * a silent one. A response head over {@value #MAX_HEADER_BYTES} bytes is refused as invalid as soon as it passes
 * that size.
 */
final class BackendUpgradeConnection extends AbstractConnection.NonBlocking implements Connection.UpgradeFrom, HttpParser.ResponseHandler {

    static final int MAX_RELAYED_BODY = 64 * 1024;
    private static final int BUFFER_SIZE = 8 * 1024;
    /**
     * The largest backend response head (status line and headers) accepted, as large as the request heads most
     * servers accept; a larger one is a 502.
     */
    static final int MAX_HEADER_BYTES = 16 * 1024;

    private final BackendUpgradeListener listener;
    private final Scheduler scheduler;
    private final Duration upgradeTimeout;
    private final ByteBufferPool pool;
    private final ByteBuffer request;
    private final HttpParser parser = new HttpParser(this, MAX_HEADER_BYTES);
    private final HttpFields.Mutable headers = HttpFields.build();
    private final AtomicBoolean outcome = new AtomicBoolean();
    private @Nullable RetainableByteBuffer buffer;
    private int status;
    private boolean headerComplete;
    private boolean messageComplete;
    private @Nullable ByteArrayOutputStream body;
    /** Why the parser refused the answer (a head over the limit, bad syntax); set while it parses. */
    private @Nullable String badMessage;
    /** The upgrade deadline, from the open to the complete response head; cancelled by the outcome. */
    private volatile Scheduler.@Nullable Task deadline;

    /**
     * @param scheduler runs the upgrade deadline
     * @param upgradeTimeout from the open to the complete response head
     * @param listener told of the opening and the one outcome
     * @param request the complete upgrade request, written once open
     */
    BackendUpgradeConnection(EndPoint endPoint, Executor executor, ByteBufferPool pool, Scheduler scheduler,
                             Duration upgradeTimeout, BackendUpgradeListener listener, ByteBuffer request) {
        super(endPoint, executor);
        this.listener = listener;
        this.scheduler = scheduler;
        this.upgradeTimeout = upgradeTimeout;
        this.pool = pool;
        this.request = request;
    }

    @Override
    public void onOpen() {
        super.onOpen();
        // The deadline bounds the whole answer; an idle timeout would restart with every byte a slow backend sends.
        getEndPoint().setIdleTimeout(0);
        Scheduler.Task task = scheduler.schedule(this::deadlinePassed, upgradeTimeout.toMillis(), TimeUnit.MILLISECONDS);
        deadline = task;
        if (outcome.get()) { // decided while it was being scheduled, possibly on another thread
            task.cancel();
        }
        listener.onOpened(this);
        getEndPoint().write(Callback.from(this::fillInterested, this::writeFailed), request);
    }

    private void writeFailed(Throwable failure) {
        fail(RejectCause.BACKEND_UNREACHABLE, failure);
    }

    /**
     * Synchronized with {@link #release}, which an outcome decided on another thread (the deadline, the client
     * leaving) calls: the buffer being parsed never goes back to the pool under the parser.
     */
    @Override
    public synchronized void onFillable() {
        try {
            while (!outcome.get()) {
                RetainableByteBuffer held = buffer;
                if (held == null) {
                    held = buffer = pool.acquire(BUFFER_SIZE, true);
                    BufferUtil.clear(held.getByteBuffer());
                }
                ByteBuffer bytes = held.getByteBuffer();
                if (!bytes.hasRemaining()) {
                    int filled = getEndPoint().fill(bytes);
                    if (filled == 0) {
                        release();
                        fillInterested();
                        return;
                    }
                    if (filled < 0) {
                        parser.atEOF();
                    }
                }
                boolean stop = parser.parseNext(bytes);
                String refused = badMessage;
                if (refused != null) {
                    invalid("unparseable answer: " + refused);
                    return;
                }
                if (headerComplete && !messageComplete && status == 101) {
                    upgraded();
                    return;
                }
                if (messageComplete) {
                    completed();
                    return;
                }
                if (parser.isAtEOF() && !stop && !bytes.hasRemaining()) {
                    if (headerComplete && status >= 400) {
                        completed();
                    } else {
                        fail(RejectCause.BACKEND_UNREACHABLE, new IOException("backend closed the connection before answering the upgrade"));
                    }
                    return;
                }
                if (headerComplete && status != 101 && status < 400) {
                    invalid("answered " + status + " instead of 101");
                    return;
                }
            }
        } catch (Throwable failure) {
            invalid("unparseable answer: " + (failure.getMessage() != null ? failure.getMessage() : failure.toString()));
        }
    }

    /** Decides the outcome, once: true for the first caller, which reports it. */
    private boolean decide() {
        if (!outcome.compareAndSet(false, true)) {
            return false;
        }
        Scheduler.Task task = deadline;
        if (task != null) {
            task.cancel();
        }
        return true;
    }

    private void upgraded() {
        if (decide()) {
            listener.onUpgraded(getEndPoint(), headers.asImmutable());
        }
    }

    private void completed() {
        if (status >= 400 && status <= 599) {
            if (decide()) {
                ByteArrayOutputStream collected = body;
                byte[] content = collected == null ? new byte[0] : collected.toByteArray();
                closeSocket();
                listener.onRefused(status, headers.asImmutable(), content);
            }
        } else {
            invalid("answered " + status + " instead of 101");
        }
    }

    private void invalid(String problem) {
        if (decide()) {
            closeSocket();
            listener.onInvalid(problem);
        }
    }

    private void fail(RejectCause reason, Throwable failure) {
        if (decide()) {
            closeSocket();
            listener.onFailed(reason, failure);
        }
    }

    /**
     * The client left while this attempt was in flight: unless an outcome is already decided, the socket is
     * closed and the outcome is a failure with {@link RejectCause#CLIENT_GONE}.
     *
     * @param cause why the client is gone
     */
    public void abort(Throwable cause) {
        fail(RejectCause.CLIENT_GONE, cause);
    }

    private void closeSocket() {
        release();
        getEndPoint().close();
    }

    /** The upgrade timeout passed before the complete response head: the next backend is tried, or the client gets 504. */
    private void deadlinePassed() {
        fail(RejectCause.BACKEND_TIMEOUT, new SocketTimeoutException("backend did not complete its upgrade answer within "
            + upgradeTimeout.toMillis() + " ms"));
    }

    @Override
    public boolean onIdleExpired(TimeoutException timeout) {
        fail(RejectCause.BACKEND_TIMEOUT, new SocketTimeoutException("backend did not answer the upgrade within "
            + upgradeTimeout.toMillis() + " ms"));
        return true;
    }

    @Override
    public void onClose(@Nullable Throwable cause) {
        super.onClose(cause);
        if (!outcome.get()) {
            fail(RejectCause.BACKEND_UNREACHABLE, cause != null ? cause : new IOException("backend connection closed"));
        }
        // A 101 that the exchange refused (or took after its client left) closes the socket without an upgrade:
        // the bytes read for it go back to the pool here. After an upgrade onUpgradeFrom already gave them back.
        release();
    }

    @Override
    public void onFillInterestedFailed(Throwable cause) {
        fail(cause instanceof TimeoutException ? RejectCause.BACKEND_TIMEOUT : RejectCause.BACKEND_UNREACHABLE, cause);
    }

    @Override
    public @Nullable ByteBuffer onUpgradeFrom() {
        RetainableByteBuffer held = buffer;
        ByteBuffer rest = null;
        if (held != null && held.hasRemaining()) {
            ByteBuffer bytes = held.getByteBuffer();
            rest = ByteBuffer.allocate(bytes.remaining());
            rest.put(bytes).flip();
        }
        release();
        return rest;
    }

    private synchronized void release() {
        RetainableByteBuffer held = buffer;
        if (held != null) {
            buffer = null;
            held.release();
        }
    }

    // HttpParser.ResponseHandler

    @Override
    public void startResponse(HttpVersion version, int status, String reason) {
        this.status = status;
    }

    @Override
    public void parsedHeader(HttpField field) {
        headers.add(field);
    }

    @Override
    public boolean headerComplete() {
        headerComplete = true;
        return true;
    }

    @Override
    public boolean content(ByteBuffer item) {
        ByteArrayOutputStream collected = body;
        if (collected == null) {
            collected = body = new ByteArrayOutputStream();
        }
        int room = MAX_RELAYED_BODY - collected.size();
        int take = Math.min(room, item.remaining());
        if (take > 0) {
            byte[] chunk = new byte[take];
            item.get(chunk);
            collected.write(chunk, 0, take);
        }
        item.position(item.limit());
        return false;
    }

    @Override
    public boolean contentComplete() {
        return false;
    }

    @Override
    public boolean messageComplete() {
        messageComplete = true;
        return true;
    }

    @Override
    public void badMessage(HttpException failure) {
        // Not acted on here: the buffer being parsed is still in use. onFillable reports it after the parse.
        badMessage = failure.getReason() + (parser.getHeaderLength() > MAX_HEADER_BYTES
            ? " (a response head may have up to " + MAX_HEADER_BYTES + " bytes)" : "");
    }

    @Override
    public void earlyEOF() {
        // Handled in onFillable through parser.isAtEOF().
    }
}
