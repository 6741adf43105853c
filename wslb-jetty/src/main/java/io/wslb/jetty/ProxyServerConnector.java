package io.wslb.jetty;

import static java.util.Objects.requireNonNull;

import io.wslb.jetty.internal.io.AcceptPause;
import io.wslb.jetty.internal.io.AcceptQueue;
import io.wslb.jetty.internal.io.BesideConnects;
import io.wslb.jetty.internal.io.HandshakeDeadlines;
import io.wslb.jetty.internal.io.OpenFiles;
import io.wslb.jetty.internal.io.PlacedEndPoint;
import io.wslb.jetty.internal.io.SelectorChores;
import io.wslb.jetty.internal.io.SelectorCount;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import org.eclipse.jetty.io.ClientConnectionFactory;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.ManagedSelector;
import org.eclipse.jetty.io.SelectorManager;
import org.eclipse.jetty.io.SocketChannelEndPoint;
import org.eclipse.jetty.io.ssl.SslConnection;
import org.eclipse.jetty.server.ConnectionFactory;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.IO;
import org.eclipse.jetty.util.Promise;
import org.eclipse.jetty.util.thread.Scheduler;
import org.jspecify.annotations.Nullable;

/**
 * A {@link ServerConnector} tuned for a server whose main job is proxying WebSockets, where clients connect and
 * leave often: it accepts on its selector threads (no acceptor thread), and its selectors set up each new
 * connection and tear down each closed one themselves instead of handing every such chore to a pool thread.
 * A plain {@code ServerConnector} wakes a pool thread for each accept, each endpoint set-up and each close, and on a
 * small machine those wake-ups are a large share of the proxy's CPU per connection. Requests, handlers and WebSocket traffic are dispatched exactly as before.
 *
 * <p>Each backend socket is opened on the selector thread of the client it serves, so that one thread relays both
 * legs of a tunnel, as each HAProxy thread does: a frame crosses the proxy without waking a second thread. Those
 * threads are the whole data path, so it runs more of them than Jetty's default: half the cores and at least 2,
 * or the count given to its constructor. Backend sockets therefore count among this connector's connected
 * endpoints.
 *
 * <p>It can also bound the time a client takes to send its request head ({@link #setHandshakeTimeout}), which
 * Jetty's idle timeout does not (a slowloris client sends a byte every few seconds).
 *
 * <p>Its accept queue (the {@code listen()} backlog) is the longest the kernel allows, {@code net.core.somaxconn}
 * on Linux, else 511 ({@link #defaultAcceptQueueSize()}), not the JDK's 50: a burst of a thousand connects is held
 * until accepted instead of being dropped and retried by the clients seconds later. When accepting fails, as it
 * does while the process is out of file descriptors, it pauses accepting for 100 ms to 1 s instead of retrying at
 * once, logs one warning when that starts and one summary when it ends, and the clients wait in the accept queue
 * meanwhile. To keep within the descriptors, cap the balancer's connections, e.g. at
 * {@link #maxConnectionsFor(long)} of {@link #openFilesLimit()}: beyond the cap clients get 503 with
 * {@code Retry-After}.
 *
 * <p>Use it only when the connection factories and the {@code Connection.Listener}s added to the server do not
 * block: they now run on a selector thread. Jetty's own HTTP/1.1 and TLS factories do not.
 *
 * <pre>{@code
 * Server server = new Server();
 * ProxyServerConnector connector = new ProxyServerConnector(server);
 * connector.setPort(8080);
 * server.addConnector(connector);
 * server.setHandler(WebSocketLoadBalancerHandler.at("/ws", lb));
 * server.start();
 * }</pre>
 */
public final class ProxyServerConnector extends ServerConnector implements BesideConnects {

    private volatile Duration handshakeTimeout = Duration.ZERO;
    /** The deadlines of the connections still waiting for their first request head, when a timeout is set. */
    private final HandshakeDeadlines deadlines = new HandshakeDeadlines();

    /**
     * A connector for plain HTTP/1.1 (and so {@code ws://}), with the default number of selector threads
     * (half the cores, at least 2).
     *
     * @param server the server it belongs to
     */
    public ProxyServerConnector(Server server) {
        this(server, defaultSelectors());
    }

    /**
     * A connector for plain HTTP/1.1 (and so {@code ws://}) with {@code selectors} selector threads. They read and
     * write every proxied frame of the client sockets, so they are the proxy's data path; the backend sockets of a
     * balancer mounted on this server get at least as many.
     *
     * @param server the server it belongs to
     * @param selectors the number of selector threads, at least 1
     * @throws IllegalArgumentException if {@code selectors} is less than 1
     */
    public ProxyServerConnector(Server server, int selectors) {
        this(server, selectors, new ConnectionFactory[] {new HttpConnectionFactory()});
    }

    /**
     * A connector for {@code wss://}: TLS termination with {@code tls} (which becomes a bean of this connector, so
     * that its certificate reload checks run while the connector does), then HTTP/1.1; the default number of
     * selector threads.
     *
     * @param server the server it belongs to
     * @param tls the certificate and TLS settings
     */
    public ProxyServerConnector(Server server, ServerTls tls) {
        this(server, defaultSelectors(), tls);
    }

    /**
     * A connector for {@code wss://} with {@code selectors} selector threads.
     *
     * @param server the server it belongs to
     * @param selectors the number of selector threads, at least 1
     * @param tls the certificate and TLS settings
     * @throws IllegalArgumentException if {@code selectors} is less than 1
     */
    public ProxyServerConnector(Server server, int selectors, ServerTls tls) {
        this(server, selectors, new ConnectionFactory[] {tls.connectionFactory(), new HttpConnectionFactory()});
        addBean(tls);
    }

    /**
     * A connector with the given protocols, the first being the default (for {@code wss://}: an
     * {@code SslConnectionFactory} then an {@code HttpConnectionFactory}), and the default number of selector
     * threads.
     *
     * @param server the server it belongs to
     * @param factories its connection factories, at least one
     * @throws IllegalArgumentException if none is given
     */
    public ProxyServerConnector(Server server, ConnectionFactory... factories) {
        this(server, defaultSelectors(), factories);
    }

    private ProxyServerConnector(Server server, int selectors, ConnectionFactory[] factories) {
        super(server, null, null, null, 0, requirePositive(selectors), requireSome(factories));
        super.setAcceptQueueSize(defaultAcceptQueueSize());
        HttpConnectionFactory http = getConnectionFactory(HttpConnectionFactory.class);
        if (http != null) {
            http.getHttpConfiguration().addCustomizer((request, responseHeaders) -> {
                deadlines.met(request.getConnectionMetaData().getRemoteSocketAddress());
                return request;
            });
        }
        addEventListener(new Connection.Listener() {
            @Override
            public void onOpened(Connection connection) {
                armDeadline(connection);
            }

            @Override
            public void onClosed(Connection connection) {
                deadlines.met(connection.getEndPoint().getRemoteSocketAddress());
            }
        });
    }

    /**
     * Sets the slowloris defence: a client must send its whole request head within this time from the moment its
     * TCP connection is accepted (TLS handshake included), or its connection is closed. Jetty's idle timeout alone
     * does not bound this, since it restarts with every byte. Zero (the default) turns it off. The launcher sets
     * 10 s ({@code --handshake-timeout}).
     *
     * @param timeout the deadline, zero or more
     */
    public void setHandshakeTimeout(Duration timeout) {
        requireNonNull(timeout, "timeout");
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("handshake timeout must not be negative, got " + timeout);
        }
        this.handshakeTimeout = timeout;
    }

    /** @return the slowloris deadline; zero when off */
    public Duration getHandshakeTimeout() {
        return handshakeTimeout;
    }

    /**
     * Sets the length of the accept queue (the {@code listen()} backlog): connections the kernel has completed and
     * holds until this connector accepts them. Defaults to {@link #defaultAcceptQueueSize()}; the kernel cuts a
     * longer one to its own cap ({@code net.core.somaxconn} on Linux). Takes effect when the connector opens.
     *
     * @param acceptQueueSize the length, 1 to 65535
     * @throws IllegalArgumentException if it is out of that range
     * @throws IllegalStateException if the connector is already open
     */
    @Override
    public void setAcceptQueueSize(int acceptQueueSize) {
        AcceptQueue.check(acceptQueueSize);
        if (isOpen()) {
            throw new IllegalStateException("the accept queue size is set before the connector opens");
        }
        super.setAcceptQueueSize(acceptQueueSize);
    }

    /**
     * The accept queue length a connector starts with: the kernel's cap on it where it can be read
     * ({@code /proc/sys/net/core/somaxconn} on Linux, 4096 by default since Linux 5.4), as HAProxy does, since the
     * kernel cuts any longer request to it; else 511, as NGINX does.
     *
     * @return the default accept queue length
     */
    public static int defaultAcceptQueueSize() {
        return AcceptQueue.defaultSize();
    }

    /**
     * This process's open-files limit, which bounds the connections it can hold.
     *
     * @return the limit, or empty where the JVM cannot read it (not a Unix)
     */
    public static OptionalLong openFilesLimit() {
        return OpenFiles.limit();
    }

    /**
     * The most proxied connections that fit under an open-files limit: each holds two descriptors (client and
     * backend sockets), and a tenth of the limit, at least 64, is kept spare for the JVM's own files and for
     * answering clients beyond the cap. For a limit of 1024 that is 461. The launcher caps its balancer at this
     * unless told otherwise ({@code --max-connections}); an embedding application, whose other work shares the
     * descriptors, can pass it to {@code AdmissionLimits.withMaxConnections}.
     *
     * @param openFilesLimit an open-files limit, more than zero
     * @return the connections that fit, at least 1
     * @throws IllegalArgumentException if the limit is not more than zero
     */
    public static int maxConnectionsFor(long openFilesLimit) {
        return OpenFiles.connectionsThatFit(openFilesLimit);
    }

    private String listenerName() {
        String host = getHost() == null ? "0.0.0.0" : getHost();
        return "listener " + (host.contains(":") ? "[" + host + "]" : host) + ":" + getLocalPort();
    }

    private void armDeadline(Connection connection) {
        Duration timeout = handshakeTimeout;
        if (!timeout.isZero()) {
            deadlines.arm(getScheduler(), connection.getEndPoint(), timeout);
        }
    }

    /**
     * The number of selector threads a connector made without a count runs on this machine.
     *
     * @return half the processors available to the JVM, and at least 2
     */
    public static int defaultSelectors() {
        return SelectorCount.forThisMachine();
    }

    private static int requirePositive(int selectors) {
        if (selectors < 1) {
            throw new IllegalArgumentException("a connector needs at least one selector thread, got " + selectors);
        }
        return selectors;
    }

    private static ConnectionFactory[] requireSome(ConnectionFactory[] factories) {
        if (factories == null || factories.length == 0) {
            throw new IllegalArgumentException("a connector needs at least one connection factory");
        }
        return factories;
    }

    @Override
    protected SelectorManager newSelectorManager(Executor executor, Scheduler scheduler, int selectors) {
        return new ProxySelectorManager(executor, scheduler, selectors);
    }

    @Override
    public boolean connectBeside(EndPoint client, InetSocketAddress address, ClientConnectionFactory factory,
                                 Map<String, Object> context, long timeoutMillis, Promise<Connection> promise,
                                 Consumer<SelectableChannel> started) {
        EndPoint network = client;
        while (network instanceof SslConnection.SslEndPoint ssl) {
            network = ssl.getSslConnection().getEndPoint();
        }
        if (!(network instanceof PlacedEndPoint placed)) {
            return false;
        }
        ((ProxySelectorManager) getSelectorManager())
            .connect(placed.selector(), address, new BackendAttempt(factory, context, promise), timeoutMillis, started);
        return true;
    }

    @Override
    protected SocketChannelEndPoint newEndPoint(SocketChannel channel, ManagedSelector selector, SelectionKey key) {
        SocketChannelEndPoint endPoint = new PlacedEndPoint(channel, selector, key, getScheduler());
        endPoint.setIdleTimeout(getIdleTimeout());
        return endPoint;
    }

    /** Where a backend connect goes: the client's selector, and the balancer's connect timeout. */
    private record Placement(ManagedSelector selector, long connectTimeoutMillis) {}

    /** What a backend connect carries through the selector: how to make its connection, and whom to tell. */
    private record BackendAttempt(ClientConnectionFactory factory, Map<String, Object> context, Promise<Connection> promise) {}

    /**
     * The connector's selectors, which also connect backend sockets on a chosen selector (the client's), and run
     * per-connection chores in place (see {@link SelectorChores}).
     */
    private final class ProxySelectorManager extends ServerConnectorManager {
        /**
         * The selector and connect timeout of the backend connect this thread is submitting: Jetty's
         * {@code connect} asks {@link #chooseSelector} and {@link #getConnectTimeout} within the call, and this
         * keeps both per call, so that balancers with different connect timeouts can share the connector.
         */
        private final ThreadLocal<Placement> placing = new ThreadLocal<>();
        private final AcceptPause acceptPause;

        ProxySelectorManager(Executor executor, Scheduler scheduler, int selectors) {
            super(executor, scheduler, selectors);
            this.acceptPause = new AcceptPause(ProxyServerConnector.this::listenerName, scheduler);
        }

        /**
         * Jetty's selector retries a failed accept at once and logs each failure with its stack trace; out of file
         * descriptors that spins and floods the log, so a failure here pauses accepting instead (see
         * {@link AcceptPause}), and returning null ends the selector's accept loop without a log line.
         */
        @Override
        protected @Nullable SelectableChannel doAccept(SelectableChannel server) throws IOException {
            SelectableChannel accepted;
            try {
                accepted = super.doAccept(server);
            } catch (ClosedChannelException closed) {
                throw closed;
            } catch (IOException failure) {
                for (ManagedSelector managed : getBeans(ManagedSelector.class)) {
                    Selector selector = managed.getSelector();
                    SelectionKey key = selector == null ? null : server.keyFor(selector);
                    if (key != null) {
                        acceptPause.failed(failure, key, task -> managed.submit(ignored -> task.run()));
                        return null;
                    }
                }
                throw failure;
            }
            if (accepted != null) {
                acceptPause.succeeded();
            }
            return accepted;
        }

        @Override
        protected void execute(Runnable task) {
            SelectorChores.execute(task, super::execute);
        }

        void connect(ManagedSelector selector, InetSocketAddress address, BackendAttempt attempt, long timeoutMillis,
                     Consumer<SelectableChannel> started) {
            SocketChannel channel = null;
            try {
                channel = SocketChannel.open();
                channel.configureBlocking(false);
                channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
                boolean connected = channel.connect(address);
                started.accept(channel);
                attempt.context().put(ClientConnector.REMOTE_SOCKET_ADDRESS_CONTEXT_KEY, address);
                placing.set(new Placement(selector, timeoutMillis));
                try {
                    if (connected) {
                        accept(channel, attempt);
                    } else {
                        connect(channel, attempt);
                    }
                } finally {
                    placing.remove();
                }
            } catch (Throwable failure) {
                IO.close(channel);
                attempt.promise().failed(failure);
            }
        }

        @Override
        protected ManagedSelector chooseSelector() {
            Placement placement = placing.get();
            return placement != null ? placement.selector() : super.chooseSelector();
        }

        @Override
        public long getConnectTimeout() {
            Placement placement = placing.get();
            return placement != null ? placement.connectTimeoutMillis() : super.getConnectTimeout();
        }

        @Override
        public Connection newConnection(SelectableChannel channel, EndPoint endPoint, Object attachment) throws IOException {
            if (attachment instanceof BackendAttempt attempt) {
                return attempt.factory().newConnection(endPoint, attempt.context());
            }
            return super.newConnection(channel, endPoint, attachment);
        }

        @Override
        public void connectionOpened(Connection connection, Object attachment) {
            super.connectionOpened(connection, attachment);
            if (attachment instanceof BackendAttempt attempt) {
                attempt.promise().succeeded(connection);
            }
        }

        @Override
        protected void connectionFailed(SelectableChannel channel, Throwable failure, Object attachment) {
            if (attachment instanceof BackendAttempt attempt) {
                IO.close(channel);
                attempt.promise().failed(failure);
            } else {
                super.connectionFailed(channel, failure, attachment);
            }
        }
    }
}
