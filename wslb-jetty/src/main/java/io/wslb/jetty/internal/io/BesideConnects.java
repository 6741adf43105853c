package io.wslb.jetty.internal.io;

import java.net.InetSocketAddress;
import java.nio.channels.SelectableChannel;
import java.util.Map;
import java.util.function.Consumer;
import org.eclipse.jetty.io.ClientConnectionFactory;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.util.Promise;

/**
 * A server connector that can open a backend socket on the selector of a client's socket, so that both legs of a
 * tunnel are served by one selector thread: what one leg reads is written to the other without waking a second
 * thread, and one wake-up serves every leg that became ready together. {@code ProxyServerConnector} is one; the
 * backend connector falls back to its own selectors for requests that arrive through any other connector.
 *
 * <pre>{@code
 * if (request.getConnectionMetaData().getConnector() instanceof BesideConnects beside
 *         && beside.connectBeside(clientEndPoint, address, factory, context, 5_000, promise, socket -> { })) {
 *     return; // the promise hears of the backend connection, made on the client's selector
 * }
 * }</pre>
 */
public interface BesideConnects {

    /**
     * Opens a TCP connection to {@code address} on the selector that serves {@code client}.
     *
     * @param client the client's endpoint (as the request sees it; a TLS endpoint is unwrapped)
     * @param address where to connect
     * @param factory makes the connection once TCP is up
     * @param context passed to {@code factory}
     * @param timeoutMillis how long the TCP connect may take
     * @param promise told of the connection, or of the failure
     * @param started given the socket once its connect began
     * @return false if {@code client} is not one of this connector's endpoints (nothing was done)
     */
    boolean connectBeside(EndPoint client, InetSocketAddress address, ClientConnectionFactory factory,
                          Map<String, Object> context, long timeoutMillis, Promise<Connection> promise,
                          Consumer<SelectableChannel> started);
}
