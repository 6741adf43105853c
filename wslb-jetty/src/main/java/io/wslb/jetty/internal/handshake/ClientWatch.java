package io.wslb.jetty.internal.handshake;

import io.wslb.RejectCause;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.thread.Scheduler;
import org.jspecify.annotations.Nullable;

/**
 * Watches a client that waits for its 101 until its answer is decided. Jetty does not read a request's socket
 * while a handler holds it, so it would not notice a client that leaves during the backend handshake. Every
 * {@value #CHECK_MILLIS} ms until the answer, the client's socket is read without blocking: end of stream means
 * the client left, and data means it broke RFC 6455 by not waiting for the 101.
 */
final class ClientWatch {

    /** How often a pending handshake checks that its client is still there. */
    static final long CHECK_MILLIS = 1000;

    private final EndPoint client;
    private final Scheduler scheduler;
    private final BiConsumer<RejectCause, @Nullable Throwable> ended;
    /** Guarded by this: set once the client's answer is decided; no check reads the socket after. */
    private boolean answered;
    private Scheduler.@Nullable Task next;

    /**
     * @param client the client's endpoint
     * @param scheduler runs the checks
     * @param ended told {@link RejectCause#CLIENT_GONE} or {@link RejectCause#BAD_HANDSHAKE} (data before the 101)
     */
    ClientWatch(EndPoint client, Scheduler scheduler, BiConsumer<RejectCause, @Nullable Throwable> ended) {
        this.client = client;
        this.scheduler = scheduler;
        this.ended = ended;
    }

    /** Schedules the next check, unless the answer is decided. */
    synchronized void schedule() {
        if (!answered) {
            next = scheduler.schedule(this::check, CHECK_MILLIS, TimeUnit.MILLISECONDS);
        }
    }

    private void check() {
        int read;
        synchronized (this) {
            if (answered) {
                return;
            }
            ByteBuffer probe = BufferUtil.allocate(1);
            try {
                read = client.fill(probe);
            } catch (IOException | RuntimeException e) {
                read = -1;
            }
        }
        if (read == 0) {
            schedule();
        } else if (read > 0) {
            ended.accept(RejectCause.BAD_HANDSHAKE, null);
        } else {
            ended.accept(RejectCause.CLIENT_GONE, new ClientGoneException("client closed its connection during the handshake"));
        }
    }

    /** Marks the client's answer as decided and stops the checks; false if it already was. */
    synchronized boolean answer() {
        if (answered) {
            return false;
        }
        answered = true;
        Scheduler.Task check = next;
        if (check != null) {
            check.cancel();
        }
        return true;
    }

    /** @return whether the client's answer is decided */
    synchronized boolean answered() {
        return answered;
    }
}
