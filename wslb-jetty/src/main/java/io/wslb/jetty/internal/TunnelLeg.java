package io.wslb.jetty.internal;

import java.nio.ByteBuffer;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.io.AbstractConnection;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.jspecify.annotations.Nullable;

/**
 * The Jetty connection of one socket of a tunnel, client side or backend side, installed by an endpoint
 * upgrade once both handshakes are done. Reading it drives the {@link Relay} whose source it is.
 */
final class TunnelLeg extends AbstractConnection.NonBlocking implements Connection.UpgradeTo {

    private final WebSocketTunnel tunnel;
    private final boolean backend;
    private @Nullable Relay relay;
    private @Nullable ByteBuffer handedOver;
    private volatile boolean opened;

    TunnelLeg(EndPoint endPoint, Executor executor, WebSocketTunnel tunnel, boolean backend) {
        super(endPoint, executor);
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

    boolean isOpened() {
        return opened;
    }

    /** Bytes the previous connection of this endpoint had read past the handshake. */
    @Nullable ByteBuffer handedOver() {
        ByteBuffer bytes = handedOver;
        handedOver = null;
        return bytes;
    }

    @Override
    public void onUpgradeTo(ByteBuffer buffer) {
        if (buffer != null && buffer.hasRemaining()) {
            ByteBuffer copy = ByteBuffer.allocate(buffer.remaining());
            copy.put(buffer).flip();
            handedOver = copy;
        }
    }

    @Override
    public void onOpen() {
        super.onOpen();
        opened = true;
        tunnel.legOpened(this);
    }

    @Override
    public void onFillable() {
        relay().iterate();
    }

    @Override
    public void onFillInterestedFailed(Throwable cause) {
        relay().iterate();
    }

    void fillInterestedIfNeeded() {
        if (!isFillInterested()) {
            fillInterested();
        }
    }

    @Override
    public boolean onIdleExpired(TimeoutException timeout) {
        return tunnel.idleExpired(this);
    }

    @Override
    public void onClose(@Nullable Throwable cause) {
        super.onClose(cause);
        tunnel.legClosed(this);
    }


    @Override
    public String toConnectionString() {
        return String.format("TunnelLeg@%x[%s,%s]", hashCode(), backend ? "backend" : "client", relay);
    }
}
