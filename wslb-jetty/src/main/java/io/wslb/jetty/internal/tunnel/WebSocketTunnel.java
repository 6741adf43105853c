package io.wslb.jetty.internal.tunnel;

import io.wslb.ChannelMessage;
import io.wslb.CloseCause;
import io.wslb.ConnectionEnd;
import io.wslb.jetty.internal.ProxyContext;
import io.wslb.spi.ChannelHub;
import io.wslb.spi.ChannelSubscriber;
import io.wslb.spi.Route;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.util.thread.Scheduler;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One proxied connection after both handshakes: two legs, two relays, and the rules of how it ends.
 *
 * <ul>
 *   <li>A close frame passes through like any frame; the first one seen decides the cause
 *       ({@link CloseCause#CLIENT_CLOSED} or {@link CloseCause#BACKEND_CLOSED}).</li>
 *   <li>A side whose stream ends after its close frame: the other side's output is shut (FIN), mirroring TCP.</li>
 *   <li>A side that ends without a close frame, or whose socket fails: the other side gets a close frame of
 *       the proxy's own (1011 toward the client, 1001 toward the backend) at a frame boundary.</li>
 *   <li>A protocol violation or an idle timeout: both sides get a close frame with the cause's code.</li>
 *   <li>Once a side is shut, its bytes are drained until its close frame or end of stream; when both relays
 *       are done, or {@link #LINGER_MILLIS} after closing began, both sockets are closed and the route is
 *       reported closed.</li>
 *   <li>A relay that has delivered its side's close frame is done as soon as the other relay is: both close
 *       frames have passed, so the sockets close without waiting for the peer's FIN (the server closes first,
 *       RFC 6455 section 7.1.1).</li>
 *   <li>From the first close frame relayed, the closing handshake has the balancer's close timeout to finish; then
 *       both sockets are closed, so that a peer that never answers a close frame (or never closes its socket) does
 *       not hold both connections until the idle timeout. The timer exists only from that frame on.</li>
 * </ul>
 */
public final class WebSocketTunnel {

    private static final Logger LOG = LoggerFactory.getLogger(WebSocketTunnel.class);

    private static final int CLIENT_CLOSED = 1;
    private static final int BACKEND_CLOSED = 2;
    private static final int BOTH_CLOSED = CLIENT_CLOSED | BACKEND_CLOSED;
    /** The route was reported closed. */
    private static final int REPORTED = 4;

    /** How long closing may take before both sockets are closed regardless. */
    static final long LINGER_MILLIS = 5_000;

    private final ProxyContext context;
    private final Route route;
    private final TunnelLeg client;
    private final TunnelLeg backend;
    private final AtomicReference<@Nullable CloseCause> cause = new AtomicReference<>();
    private final AtomicInteger relaysDone = new AtomicInteger();
    /** Which sockets have closed ({@link #CLIENT_CLOSED}, {@link #BACKEND_CLOSED}), and {@link #REPORTED}. */
    private final AtomicInteger closedLegs = new AtomicInteger();
    private volatile Scheduler.@Nullable Task linger;
    /** The close timeout, from the first close frame relayed; null before it. */
    private volatile Scheduler.@Nullable Task closeDeadline;
    private volatile boolean started;
    private final String connectionId;
    private final List<String> initialChannels;
    /** Published messages waiting for the client, sent by the relay toward it. */
    private final Injections injections = new Injections();
    /** This connection as the balancer's channels see it. */
    private final ChannelSubscriber subscriber = new ChannelSubscriber() {
        @Override
        public String connectionId() {
            return connectionId;
        }

        @Override
        public String backendId() {
            return route.backend().id();
        }

        @Override
        public void deliver(ChannelMessage message) {
            int dropped = injections.offer(message);
            if (dropped > 0) {
                context.channels().dropped(dropped);
            }
            backend.relay().requestInjection();
        }

        @Override
        public String toString() {
            return WebSocketTunnel.this.toString();
        }
    };
    /** Liveness, touched only by the tick (one at a time): bytes seen from each side at the last tick, pings out. */
    private long lastFromClient;
    private long lastFromBackend;
    private boolean pingedClient;
    private boolean pingedBackend;

    /**
     * @param connectionId the id its backend was told, by which the channel API finds it
     * @param channels the channels its backend named in its 101, already checked
     */
    public WebSocketTunnel(ProxyContext context, Route route, EndPoint clientEndPoint, EndPoint backendEndPoint, int rsvFirst,
                           int rsvContinuation, String connectionId, List<String> channels) {
        this.context = context;
        this.route = route;
        this.connectionId = connectionId;
        this.initialChannels = channels;
        this.client = new TunnelLeg(clientEndPoint, this, false);
        this.backend = new TunnelLeg(backendEndPoint, this, true);
        FrameScanner fromClient = new FrameScanner(context.rules(true, rsvFirst, rsvContinuation));
        FrameScanner fromBackend = new FrameScanner(context.rules(false, rsvFirst, rsvContinuation));
        client.relay(new Relay(this, client, backend, fromClient, context.bufferPool(), context.bufferSize(), null));
        backend.relay(new Relay(this, backend, client, fromBackend, context.bufferPool(), context.bufferSize(), injections));
    }

    public TunnelLeg clientLeg() {
        return client;
    }

    public TunnelLeg backendLeg() {
        return backend;
    }

    public Route route() {
        return route;
    }

    /** @return the balancer's channels, told of what this connection's queue delivers and drops */
    ChannelHub channels() {
        return context.channels();
    }

    /** @return the id its backend was told ({@code Wslb-Connection-Id}) */
    public String connectionId() {
        return connectionId;
    }

    /** Both handshakes are done once the client leg is installed: start relaying both ways. */
    void legOpened(TunnelLeg leg) {
        if (leg != client) {
            return;
        }
        started = true;
        context.register(this);
        context.channels().register(subscriber, initialChannels);
        // One idle timer per tunnel is enough: any traffic either way touches the client socket (it is read
        // or written), and a write stuck on either side stops the reads that would touch it. The backend
        // socket's timer is switched off, which saves a scheduled task per connection.
        client.getEndPoint().setIdleTimeout(context.idleTimeout().toMillis());
        backend.getEndPoint().setIdleTimeout(0);
        ByteBuffer fromBackend = backend.handedOver();
        if (fromBackend != null) {
            backend.relay().initial(fromBackend);
        }
        if (client.handedOver() != null) {
            violation(client, 1002, "data sent before the handshake completed");
        }
        backend.relay().start();
        client.relay().start();
        scheduleLivenessTick();
        // A backend handshake that was in flight when the stop began ends here: registered first, then checked,
        // so either the shutdown's snapshot of the tunnels or this check sees it.
        if (context.isShuttingDown()) {
          end(CloseCause.SHUTDOWN, "server stopping");
        } else if (route.backend().draining() || !route.backend().inPool()) {
            // The same race with a drain: the pool marks the backend draining before its drain looks for the
            // backend's tunnels, so a tunnel registered too late for that look sees the mark here.
            end(CloseCause.DRAINED, "backend draining");
        }
        ended();
    }

    private void scheduleLivenessTick() {
        long interval = context.pingInterval().toMillis();
        if (interval > 0 && cause.get() == null) {
            context.scheduler().schedule(this::livenessTick, interval, TimeUnit.MILLISECONDS);
        }
    }

    /**
     * Every ping interval: a side that sent nothing since the last tick gets a ping; a side that then still sent
     * nothing (not even the pong) for a whole interval is taken for dead (half-open TCP, a frozen peer), and the
     * other side gets a proper close frame.
     */
    private void livenessTick() {
        if (cause.get() != null) {
            return;
        }
        long fromClient = client.relay().forwarded();
        long fromBackend = backend.relay().forwarded();
        if (fromClient != lastFromClient) {
            lastFromClient = fromClient;
            pingedClient = false;
        } else if (pingedClient) {
            unresponsive(client);
            return;
        } else {
            pingedClient = true;
            backend.relay().requestPing();
        }
        if (fromBackend != lastFromBackend) {
            lastFromBackend = fromBackend;
            pingedBackend = false;
        } else if (pingedBackend) {
            unresponsive(backend);
            return;
        } else {
            pingedBackend = true;
            client.relay().requestPing();
        }
        scheduleLivenessTick();
    }

    /** A side did not answer a ping within the interval: it is closed, and the other side told. */
    private void unresponsive(TunnelLeg side) {
        LOG.debug("{}: {} did not answer a ping within {}", this, side.isBackend() ? "backend" : "client", context.pingInterval());
        lost(side, side.isBackend() ? CloseCause.BACKEND_UNRESPONSIVE : CloseCause.CLIENT_UNRESPONSIVE,
            side.isBackend() ? "backend not answering" : "client not answering");
    }

    void closeFrameSeen(TunnelLeg from) {
        decide(from.isBackend() ? CloseCause.BACKEND_CLOSED : CloseCause.CLIENT_CLOSED);
        if (closeDeadline != null) {
            return;
        }
        Scheduler.Task scheduled;
        synchronized (this) {
            if (closeDeadline != null) {
                return;
            }
            scheduled = context.scheduler().schedule(this::closeTimedOut, context.closeTimeout().toMillis(), TimeUnit.MILLISECONDS);
            closeDeadline = scheduled;
        }
        if ((closedLegs.get() & REPORTED) != 0) { // ended while it was being scheduled
            scheduled.cancel();
        }
    }

    /** The closing handshake did not finish within the close timeout: a peer never answered, or never let go. */
    private void closeTimedOut() {
        if ((closedLegs.get() & REPORTED) == 0) {
            LOG.debug("{}: closing handshake not finished within {}; closing both sockets", this, context.closeTimeout());
            // Shut first, so that neither relay answers the other socket's close with a close frame of the proxy's own
            // (as it would for a side that vanished): both peers see the same plain end of the connection.
            client.relay().requestClose(Relay.CloseRequest.SHUT);
            backend.relay().requestClose(Relay.CloseRequest.SHUT);
            closeSockets();
        }
    }

    /** The source of a relay reached end of stream (or failed to read). */
    void endOfStream(TunnelLeg source, boolean afterItsCloseFrame) {
        if (afterItsCloseFrame) {
            source.relay().requestClose(Relay.CloseRequest.SHUT);
        } else {
            gone(source);
        }
    }

    /** A relay could not write to its sink: that side is gone. */
    void writeFailed(Relay relay, TunnelLeg sink, Throwable failure) {
        if (LOG.isDebugEnabled()) {
            LOG.debug("{}: write to {} failed", this, sink.isBackend() ? "backend" : "client", failure);
        }
        gone(sink);
    }

    private void gone(TunnelLeg side) {
        lost(side, side.isBackend() ? CloseCause.BACKEND_GONE : CloseCause.CLIENT_GONE,
            side.isBackend() ? "backend went away" : "client went away");
    }

    /** A side is lost: the other side gets the cause's close frame, the lost side's output is just shut. */
    private void lost(TunnelLeg side, CloseCause why, String reason) {
        decide(why);
        side.relay().requestClose(new Relay.CloseRequest(codeToward(other(side), why), reason));
        other(side).relay().requestClose(Relay.CloseRequest.SHUT);
    }

    private static int codeToward(TunnelLeg peer, CloseCause why) {
        return peer.isBackend() ? why.backendCloseCode() : why.clientCloseCode();
    }

    /** A side broke the protocol: it gets {@code code}, the other side a going-away close. */
    void violation(TunnelLeg offender, int code, String reason) {
        CloseCause why = offender.isBackend() ? CloseCause.BACKEND_PROTOCOL_ERROR
            : code == 1009 ? CloseCause.MESSAGE_TOO_BIG : CloseCause.CLIENT_PROTOCOL_ERROR;
        decide(why);
        LOG.debug("{}: {} violated the protocol: {}", this, offender.isBackend() ? "backend" : "client", reason);
        TunnelLeg other = other(offender);
        int toOther = codeToward(other, why);
        other.relay().requestClose(new Relay.CloseRequest(code, reason));
        offender.relay().requestClose(new Relay.CloseRequest(toOther, offender.isBackend() ? "backend error" : "client error"));
    }

    /** An endpoint saw no traffic for the idle timeout. */
    boolean idleExpired(TunnelLeg leg) {
        if (!started) {
            return true;
        }
        if (context.isShuttingDown() && cause.get() == null) {
            // A connector that stops gracefully shortens every idle timeout (Jetty's shutdownIdleTimeout, 1 s):
            // this connection's close is already scheduled within the shutdown window; the stop timeout cuts
            // whatever is left.
            return false;
        }
      end(CloseCause.IDLE_TIMEOUT, "idle timeout");
        // A write stuck on a reader that stopped reading: let Jetty fail it, which ends that side.
        return other(leg).relay().isWriting();
    }

    /**
     * Ends the connection from the proxy's side: both peers get a close frame with the cause's code.
     *
     * @param why the cause (IDLE_TIMEOUT, SHUTDOWN)
     * @param reason the close reason sent
     */
    public void end(CloseCause why, String reason) {
        decide(why);
        // The client's close frame first: the backend answers the one it gets at once, and that answer must not
        // reach the client ahead of the proxy's own code.
        backend.relay().requestClose(new Relay.CloseRequest(why.clientCloseCode(), reason));
        client.relay().requestClose(new Relay.CloseRequest(why.backendCloseCode(), reason));
    }

    /** A relay shut its sink: from now on the connection ends within the linger time. */
    void relayClosing(Relay relay) {
        if (linger == null) {
            synchronized (this) {
                if (linger == null) {
                    linger = context.scheduler().schedule(this::closeSockets, LINGER_MILLIS, TimeUnit.MILLISECONDS);
                }
            }
        }
    }

    void relayDone(Relay relay) {
        if (relaysDone.incrementAndGet() == 2) {
            closeSockets();
        } else {
            relayClosing(relay);
            // The other relay may have delivered its close frame already and be waiting only for its source's end
            // of stream: woken, it finishes at once (see Relay), and both sockets close without that wait. One that
            // has not forwarded its close frame yet is left alone (a wake would only cost it a read); it checks
            // after that write.
            Relay other = relay.opposite();
            if (other.closeFrameForwarded()) {
                other.iterate();
            }
        }
    }

    /** Closes both sockets (idempotent). */
    void closeSockets() {
        client.getEndPoint().close();
        backend.getEndPoint().close();
    }

    /**
     * The client's 101 could not be delivered (the client left): the backend socket is closed and the route
     * reported closed; the client's socket stays with Jetty.
     */
    public void abortBeforeStart() {
        if (!started) {
            backend.getEndPoint().close();
            route.closed(CloseCause.CLIENT_GONE, 0, 0);
        }
    }

    /**
     * A leg's socket closed. Jetty's selector reports it to the connection the endpoint holds when its clean-up
     * runs; a socket closed from another thread just before its endpoint was upgraded to its leg was reported to
     * the handshake connection instead, and the leg reports it itself as it opens ({@link TunnelLeg#onOpen}). Each
     * leg counts once.
     *
     * @return false if this leg's close was already counted
     */
    boolean legClosed(TunnelLeg leg) {
        int bit = leg == client ? CLIENT_CLOSED : BACKEND_CLOSED;
        int before = closedLegs.getAndAccumulate(bit, (v, b) -> v | b);
        if ((before & bit) != 0) {
            return false;
        }
        if (!started) {
            // Counted all the same: a tunnel whose backend socket closed before the client's leg opened still starts,
            // and must report its route closed when the client's socket closes too.
            return true;
        }
        if ((before & BOTH_CLOSED) == 0) {
            // Nothing can be written to this socket any more; its own relay learns of the close by reading.
            other(leg).relay().requestClose(Relay.CloseRequest.SHUT);
            return true;
        }
        ended();
        return true;
    }

    /**
     * Once both legs are closed: cancels the linger, unregisters the tunnel and reports the route closed, once.
     * Called when the second leg closes, and when the tunnel starts, in case both legs closed before it did.
     */
    private void ended() {
        if (!closedLegs.compareAndSet(BOTH_CLOSED, BOTH_CLOSED | REPORTED)) {
            return;
        }
        Scheduler.Task task = linger;
        if (task != null) {
            task.cancel();
        }
        Scheduler.Task closing = closeDeadline;
        if (closing != null) {
            closing.cancel();
        }
        context.unregister(this);
        context.channels().unregister(subscriber);
        CloseCause decided = cause.get();
        route.closed(summary(decided == null ? CloseCause.CLIENT_GONE : decided));
    }

    /**
     * How the connection ended for the access log and the meters. The close code is the one of the side that closed
     * first, as relayed; when the balancer ended it, the code it sent the client.
     */
    private ConnectionEnd summary(CloseCause why) {
        Relay fromClient = client.relay();
        Relay fromBackend = backend.relay();
        // The byte counts are volatile and written after the scanner counted those bytes: read them first.
        ConnectionEnd.Builder end = ConnectionEnd.builder(why).bytes(fromClient.forwarded(), fromBackend.forwarded())
            .messages(fromClient.messages(), fromBackend.messages());
        int code = why == CloseCause.CLIENT_CLOSED ? fromClient.closeCode()
            : why == CloseCause.BACKEND_CLOSED ? fromBackend.closeCode() : 0;
        if (code >= 1000 && code <= 4999) {
            end.closeCode(code);
        }
        return end.build();
    }

    private void decide(CloseCause why) {
        cause.compareAndSet(null, why);
    }

    TunnelLeg other(TunnelLeg leg) {
        return leg == client ? backend : client;
    }

    @Override
    public String toString() {
        return "WebSocketTunnel#" + route.id() + "[" + route.backend().id() + "]";
    }
}
