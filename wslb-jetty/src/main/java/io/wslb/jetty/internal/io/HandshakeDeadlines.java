package io.wslb.jetty.internal.io;

import java.net.SocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.util.thread.Scheduler;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The slowloris defence of a connector: each new connection must deliver its whole request head before a deadline,
 * or it is closed. A deadline is cancelled, and leaves the scheduler's queue, as soon as the head arrives or the
 * connection closes, so that neither the timer nor the endpoint it names outlives the handshake: under a churn of
 * thousands of connections per second, deadlines left to expire would keep every closed endpoint (and the tunnel
 * it led to) reachable for the whole timeout.
 *
 * <pre>{@code
 * HandshakeDeadlines deadlines = new HandshakeDeadlines();
 * deadlines.arm(scheduler, endPoint, Duration.ofSeconds(10)); // when the connection opens
 * deadlines.met(remoteAddress);                               // when its request head has arrived
 * }</pre>
 *
 * <p>Connections are known by their remote address, not their endpoint, so that it is the same under TLS (where
 * requests see a decrypting endpoint); it is unique among the open connections of one listener.
 */
public final class HandshakeDeadlines {

    private static final Logger LOG = LoggerFactory.getLogger(HandshakeDeadlines.class);

    private final Map<SocketAddress, Deadline> pending = new ConcurrentHashMap<>();

    /**
     * Starts the deadline of a new connection.
     *
     * @param scheduler the timer that fires it
     * @param endPoint the connection's endpoint, closed if the deadline passes first
     * @param timeout the time its request head may take, more than zero
     */
    public void arm(Scheduler scheduler, EndPoint endPoint, Duration timeout) {
        SocketAddress remote = endPoint.getRemoteSocketAddress();
        if (remote == null) {
            return;
        }
        Deadline deadline = new Deadline(remote, endPoint, timeout);
        pending.put(remote, deadline);
        deadline.schedule(scheduler);
    }

    /**
     * The request head of a connection has arrived (or the connection closed): its deadline no longer applies.
     *
     * @param remote the connection's remote address
     */
    public void met(@Nullable SocketAddress remote) {
        if (remote == null) {
            return;
        }
        Deadline deadline = pending.remove(remote);
        if (deadline != null) {
            deadline.cancel();
        }
    }

    /** @return the connections still waiting for their request head */
    public int pending() {
        return pending.size();
    }

    private final class Deadline implements Runnable {
        private final SocketAddress remote;
        private final EndPoint endPoint;
        private final Duration timeout;
        private volatile Scheduler.@Nullable Task task;
        private volatile boolean cancelled;

        Deadline(SocketAddress remote, EndPoint endPoint, Duration timeout) {
            this.remote = remote;
            this.endPoint = endPoint;
            this.timeout = timeout;
        }

        void schedule(Scheduler scheduler) {
            Scheduler.Task scheduled = scheduler.schedule(this, timeout.toNanos(), TimeUnit.NANOSECONDS);
            task = scheduled;
            if (cancelled) { // met while it was being scheduled, possibly on another thread
                scheduled.cancel();
            }
        }

        void cancel() {
            cancelled = true;
            Scheduler.Task scheduled = task;
            if (scheduled != null) {
                scheduled.cancel();
            }
        }

        @Override
        public void run() {
            if (pending.remove(remote, this) && endPoint.isOpen()) {
                LOG.debug("closing {}: no complete request head within {}", endPoint, timeout);
                endPoint.close();
            }
        }
    }
}
