package io.wslb.jetty.internal.tunnel;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.EventListener;
import java.util.List;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.util.Callback;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Jetty connection of one socket of a tunnel, client side or backend side, installed by an endpoint
 * upgrade once both handshakes are done. Reading it drives the {@link Relay} whose source it is.
 *
 * <p>It implements {@link Connection} directly rather than extending Jetty's {@code AbstractConnection}, and is
 * its own non-blocking fill-interest callback: an idle tunnel holds two of these, so every object they do not
 * allocate (a listener list and its lock, two fill callbacks) counts. Jetty connection listeners are kept only
 * when someone adds one.
 */
public final class TunnelLeg implements Connection, Connection.UpgradeTo, Callback {

    private static final Logger LOG = LoggerFactory.getLogger(TunnelLeg.class);

    private final EndPoint endPoint;
    private final WebSocketTunnel tunnel;
    private final boolean backend;
    private final long created = System.currentTimeMillis();
    private @Nullable Relay relay;
    private @Nullable ByteBuffer handedOver;
    private @Nullable List<Connection.Listener> listeners;
    private volatile boolean opened;

    TunnelLeg(EndPoint endPoint, WebSocketTunnel tunnel, boolean backend) {
        this.endPoint = endPoint;
        this.tunnel = tunnel;
        this.backend = backend;
    }

    void relay(Relay relay) {
        this.relay = relay;
    }

    Relay relay() {
        Relay r = relay;
        if (r == null) {
            throw new IllegalStateException("relay not set");
        }
        return r;
    }

    boolean isBackend() {
        return backend;
    }

    public boolean isOpened() {
        return opened;
    }

    /** Bytes the previous connection of this endpoint had read past the handshake, once. */
    @Nullable ByteBuffer handedOver() {
        ByteBuffer bytes = handedOver;
        handedOver = null;
        return bytes;
    }

    /** Asks the selector to call {@link #succeeded()} when the socket is readable (if not asked already). */
    void fillInterestedIfNeeded() {
        endPoint.tryFillInterested(this);
    }

    // Fill interest callback: the socket is readable (or failed).

    @Override
    public void succeeded() {
        relay().iterate();
    }

    @Override
    public void failed(Throwable cause) {
        relay().iterate();
    }

    @Override
    public InvocationType getInvocationType() {
        return InvocationType.NON_BLOCKING;
    }

    // Connection

    @Override
    public void onUpgradeTo(ByteBuffer buffer) {
        // The buffer is the previous connection's own, unpooled copy (Jetty's HttpConnection and our
        // BackendUpgradeConnection both allocate it for the hand-over), so it can be kept as is.
        if (buffer != null && buffer.hasRemaining()) {
            handedOver = buffer;
        }
    }

    @Override
    public void onOpen() {
        opened = true;
        List<Connection.Listener> l = listeners;
        if (l != null) {
            for (Connection.Listener listener : l) {
                try {
                    listener.onOpened(this);
                } catch (RuntimeException e) {
                    LOG.debug("connection listener failed", e);
                }
            }
        }
        tunnel.legOpened(this);
        // A socket closed from another thread (a timeout, a stop) just before its endpoint was upgraded to this leg
        // had its close reported to the handshake connection: report it now (a second report is not counted).
        if (!endPoint.isOpen()) {
            onClose(null);
        }
    }

    /** The socket closed: the tunnel counts it, and listeners hear of it, once (see {@link WebSocketTunnel#legClosed}). */
    @Override
    public void onClose(@Nullable Throwable cause) {
        if (!tunnel.legClosed(this)) {
            return;
        }
        List<Connection.Listener> l = listeners;
        if (l != null) {
            for (Connection.Listener listener : l) {
                try {
                    listener.onClosed(this);
                } catch (RuntimeException e) {
                    LOG.debug("connection listener failed", e);
                }
            }
        }
    }

    @Override
    public boolean onIdleExpired(TimeoutException timeout) {
        return tunnel.idleExpired(this);
    }

    @Override
    public synchronized void addEventListener(EventListener listener) {
        if (listener instanceof Connection.Listener connectionListener) {
            List<Connection.Listener> copy = listeners == null ? new ArrayList<>(1) : new ArrayList<>(listeners);
            copy.add(connectionListener);
            listeners = List.copyOf(copy);
        }
    }

    @Override
    public synchronized void removeEventListener(EventListener listener) {
        List<Connection.Listener> current = listeners;
        if (current != null && current.contains(listener)) {
            List<Connection.Listener> copy = new ArrayList<>(current);
            copy.remove(listener);
            listeners = copy.isEmpty() ? null : List.copyOf(copy);
        }
    }

    @Override
    public EndPoint getEndPoint() {
        return endPoint;
    }

    @Override
    public void close() {
        endPoint.close();
    }

    @Override
    public long getMessagesIn() {
        return -1;
    }

    @Override
    public long getMessagesOut() {
        return -1;
    }

    @Override
    public long getBytesIn() {
        return relay().forwarded();
    }

    @Override
    public long getBytesOut() {
        return tunnel.other(this).relay().forwarded();
    }

    @Override
    public long getCreatedTimeStamp() {
        return created;
    }

    @Override
    public String toString() {
        return String.format("TunnelLeg@%x[%s,%s,%s]", hashCode(), backend ? "backend" : "client", endPoint, relay);
    }
}
