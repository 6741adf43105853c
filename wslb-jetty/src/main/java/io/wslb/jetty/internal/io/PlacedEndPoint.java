package io.wslb.jetty.internal.io;

import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import org.eclipse.jetty.io.ManagedSelector;
import org.eclipse.jetty.io.SocketChannelEndPoint;
import org.eclipse.jetty.util.thread.Scheduler;
import org.jspecify.annotations.Nullable;

/**
 * The endpoint of each proxied socket, client leg and backend leg: Jetty's {@link SocketChannelEndPoint} with
 * four differences that matter once per connection.
 *
 * <ul>
 *   <li>It knows its {@link ManagedSelector}, so that the backend socket of a client can be opened on the
 *       client's selector without searching the selectors for the channel's key.</li>
 *   <li>It drops a pending interest update once its socket is closed. A tunnel closes its sockets from
 *       within the selector's own task (on reading the end of a stream); the selector then applies the interest
 *       change that the read event left pending, and Jetty's endpoint makes the JDK throw and catch a
 *       {@link java.nio.channels.CancelledKeyException}, with its stack trace, once for every proxied connection,
 *       a cost that shows in profiles of connect churn. The endpoint asks the socket rather than keeping a copy of
 *       its key, which Jetty may replace; the outcome is the same as Jetty's: the endpoint is closed.</li>
 *   <li>A read still awaited when the endpoint closes fails with a {@link ClosedChannelException} that has no
 *       stack trace. A tunnel whose relay has passed its close frame waits for the peer's end of stream, and closes
 *       both sockets as soon as the other relay is done, so nearly every tunnel closes an endpoint with a read
 *       pending, and filling in a new exception's deep stack trace each time costs more than the close itself.
 *       The relay's callback ignores the exception; it only learns that the socket is done.</li>
 *   <li>A read asked for after the endpoint closed fails at once, rather than waiting for a selector that no
 *       longer watches the socket.</li>
 * </ul>
 *
 * <pre>{@code
 * protected SocketChannelEndPoint newEndPoint(SocketChannel channel, ManagedSelector selector, SelectionKey key) {
 *     return new PlacedEndPoint(channel, selector, key, getScheduler());
 * }
 * }</pre>
 */
public final class PlacedEndPoint extends SocketChannelEndPoint {
    private final ManagedSelector selector;

    /**
     * An endpoint for {@code channel}, registered as {@code key} with {@code selector}.
     *
     * @param channel the connected socket
     * @param selector the selector it is registered with
     * @param key its registration
     * @param scheduler the scheduler of its idle timeout
     */
    public PlacedEndPoint(SocketChannel channel, ManagedSelector selector, SelectionKey key, Scheduler scheduler) {
        super(channel, selector, key, scheduler);
        this.selector = selector;
    }

    /**
     * The selector this endpoint's socket is registered with.
     *
     * @return its selector
     */
    public ManagedSelector selector() {
        return selector;
    }

    /**
     * Applies the pending interest change, unless the socket is already closed: its key is then cancelled, and
     * Jetty's update would only reach {@link #close()} through a thrown and caught exception. (A key cancelled while
     * the socket is open, when a selector closes, still takes Jetty's path.)
     */
    @Override
    public void updateKey() {
        if (getChannel().isOpen()) {
            super.updateKey();
        } else {
            close();
        }
    }

    /**
     * Fails a read still awaited with a {@link ClosedChannelException} without a stack trace, then lets Jetty close
     * the endpoint as usual: it fails a pending write (now after the read rather than before it), cancels the idle
     * timer and closes the connection, even if the read's callback threw.
     *
     * @param failure the failure that closed the endpoint, or null for a plain close
     */
    @Override
    public void onClose(@Nullable Throwable failure) {
        try {
            if (failure == null && isFillInterested()) {
                getFillInterest().onFail(new EndPointClosed());
            }
        } finally {
            super.onClose(failure);
        }
    }

    /**
     * A read asked for once the socket is closed fails at once, and the endpoint is closed if it was not yet.
     * Jetty's endpoint would queue an interest change that the selector never acts on for a closed socket, and the
     * reader would wait until something else woke it (a tunnel whose backend socket closed between the backend's
     * 101 and the client's, for example).
     */
    @Override
    protected void needsFillInterest() {
        if (isOpen()) {
            super.needsFillInterest();
            return;
        }
        // Closed here too, in case the socket was closed behind Jetty's back: Jetty's own update would have. If the
        // endpoint was still open, closing it fails the read (onClose); if it was closed already, fail it here.
        close();
        if (isFillInterested()) {
            getFillInterest().onFail(new EndPointClosed());
        }
    }

    /** The endpoint closed while a read was awaited, or before one was asked for. Its stack trace would say nothing. */
    static final class EndPointClosed extends ClosedChannelException {
        private static final long serialVersionUID = 1L;

        @Override
        public synchronized Throwable fillInStackTrace() {
            return this;
        }
    }
}
