package io.wslb.jetty.internal.io;

import io.wslb.Backend;
import io.wslb.WebSocketLoadBalancer;
import io.wslb.internal.IpLiterals;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.io.ClientConnectionFactory;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.ManagedSelector;
import org.eclipse.jetty.io.SelectorManager;
import org.eclipse.jetty.io.Transport;
import org.eclipse.jetty.io.ssl.SslClientConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.Promise;
import org.eclipse.jetty.util.SocketAddressResolver;
import org.eclipse.jetty.util.component.ContainerLifeCycle;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.Scheduler;
import org.jspecify.annotations.Nullable;

/**
 * Opens TCP (and TLS, for {@code wss://}) connections to backends on a Jetty {@link ClientConnector} that
 * shares the server's executor, scheduler and buffer pool. Host names are resolved off the selector threads;
 * IP literals are used as they are. Every connection is new: upgrade connections are never pooled or reused.
 */
public final class BackendConnector extends ContainerLifeCycle {

    private final ClientConnector connector = new InlineClientConnector();
    /**
     * Resolved addresses of backends named by IP: one shared, immutable object per backend instead of one per
     * connection, since each socket keeps its remote address for its whole life.
     */
    private final Map<URI, InetSocketAddress> literals = new ConcurrentHashMap<>();
    private final SocketAddressResolver resolver;
    private final Executor executor;
    private final ByteBufferPool bufferPool;

    /**
     * @param server the server whose executor, scheduler and buffer pool the connector shares, and whose
     *     connectors decide its number of selectors ({@link SelectorCount#forBackends})
     * @param balancer the balancer whose connect timeout and backend TLS context it uses
     * @return a new connector, not started
     */
    public static BackendConnector of(Server server, WebSocketLoadBalancer balancer) {
        return new BackendConnector(server.getThreadPool(), server.getScheduler(), server.getByteBufferPool(),
            SelectorCount.forBackends(server), balancer.timeouts().connect(), balancer.backendTls());
    }

    /**
     * @param selectors the number of selector threads serving the backend sockets, at least 1
     * @param tls the TLS context toward {@code wss://} backends, or null for the JDK's default one; either way the
     *     backend's host name is verified against its certificate
     */
    public BackendConnector(Executor executor, Scheduler scheduler, ByteBufferPool bufferPool, int selectors,
                            Duration connectTimeout, @Nullable SSLContext tls) {
        this.executor = executor;
        this.bufferPool = bufferPool;
        connector.setExecutor(executor);
        connector.setScheduler(scheduler);
        connector.setByteBufferPool(bufferPool);
        connector.setConnectTimeout(connectTimeout);
        connector.setSelectors(selectors);
        connector.setTCPNoDelay(true);
        SslContextFactory.Client client = new SslContextFactory.Client();
        if (tls != null) {
            client.setSslContext(tls);
        }
        client.setEndpointIdentificationAlgorithm("HTTPS");
        client.setIncludeProtocols("TLSv1.3", "TLSv1.2");
        client.setSNIProvider(BackendConnector::serverNames);
        connector.setSslContextFactory(client);
        this.resolver = new SocketAddressResolver.Async(executor, scheduler, connectTimeout.toMillis());
        addBean(connector);
    }

    /**
     * Connects to a backend; {@code factory} makes the connection once TCP (and TLS) is up.
     *
     * @param backend where to connect
     * @param factory creates the HTTP/1.1 upgrade connection on the new endpoint
     * @param promise told of the connection, or of the connect failure
     * @param started given the socket as soon as its connect begins, so that the caller can close it while the
     *     connect is still in flight (a client that leaves then should not hold a socket until the connect timeout)
     */
    public void connect(Backend backend, ClientConnectionFactory factory, Promise<Connection> promise,
                 Consumer<SelectableChannel> started, @Nullable Beside beside) {
        String host = backend.host();
        int port = backend.port();
        InetSocketAddress literal = literals.get(backend.uri());
        if (literal == null) {
            InetAddress ip = IpLiterals.parse(host);
            if (ip != null) {
                literal = new InetSocketAddress(ip, port);
                literals.putIfAbsent(backend.uri(), literal);
            }
        }
        if (literal != null) {
            connect(literal, backend, factory, promise, started, beside);
            return;
        }
        resolver.resolve(host, port, new HashMap<>(), new Promise<List<InetSocketAddress>>() {
            @Override
            public void succeeded(List<InetSocketAddress> addresses) {
                connect(addresses.get(0), backend, factory, promise, started, beside);
            }

            @Override
            public void failed(Throwable failure) {
                promise.failed(failure);
            }
        });
    }

    private void connect(InetSocketAddress address, Backend backend, ClientConnectionFactory factory,
                         Promise<Connection> promise, Consumer<SelectableChannel> started, @Nullable Beside beside) {
        Map<String, Object> context = new HashMap<>(8);
        context.put(Transport.CONTEXT_KEY, Transport.TCP_IP);
        ClientConnectionFactory effective = backend.secure()
            ? new SslClientConnectionFactory(connector.getSslContextFactory(), bufferPool, executor, factory)
            : factory;
        if (beside != null && beside.connector().connectBeside(beside.client(), address, effective, context,
            connector.getConnectTimeout().toMillis(), promise, started)) {
            return;
        }
        context.put(ClientConnectionFactory.CONTEXT_KEY, effective);
        context.put(ClientConnector.CONNECTION_PROMISE_CONTEXT_KEY, promise);
        connector.connect(address, context);
        SelectableChannel channel = InlineClientConnector.OPENED.get();
        if (channel != null) {
            InlineClientConnector.OPENED.remove();
            started.accept(channel);
        }
    }

    /**
     * Where a client's socket is served, when its connector can open the backend socket on the same selector.
     *
     * @param connector the client's connector
     * @param client the client's endpoint
     */
    public record Beside(BesideConnects connector, EndPoint client) {}

    /**
     * The SNI names for a backend: its host name, also when it has no dot. The JDK sends SNI only for names with a
     * dot, and backends are often {@code localhost} or a short service name; Jetty's non-domain provider would
     * also send IP addresses, which RFC 6066 forbids.
     */
    private static List<SNIServerName> serverNames(SSLEngine engine, List<SNIServerName> chosenByJdk) {
        if (!chosenByJdk.isEmpty()) {
            return chosenByJdk;
        }
        String host = engine.getPeerHost();
        if (host == null || IpLiterals.parse(host) != null) {
            return chosenByJdk;
        }
        try {
            return List.of(new SNIHostName(host));
        } catch (IllegalArgumentException notAHostName) {
            return chosenByJdk;
        }
    }

    /**
     * A client connector whose selector runs its per-connection chores (set up the endpoint once connected, tear
     * it down once closed) on the selector thread instead of handing each to a pool thread. Those chores only run
     * our own non-blocking code (the upgrade connection's open, the tunnel's close listeners), and the hand-off,
     * a futex wake and a context switch, cost more than the chore itself.
     */
    private static final class InlineClientConnector extends ClientConnector {
        /** The channel the current thread's {@code connect} just opened (Jetty configures it within that call). */
        static final ThreadLocal<SelectableChannel> OPENED = new ThreadLocal<>();

        @Override
        protected void configure(SelectableChannel channel) throws java.io.IOException {
            super.configure(channel);
            OPENED.set(channel);
        }

        /** Backend sockets are TCP ({@link Transport#TCP_IP}); their endpoints skip updates of cancelled keys. */
        @Override
        protected EndPoint newEndPoint(SelectableChannel channel, ManagedSelector selector, SelectionKey key) {
            if (channel instanceof SocketChannel socket) {
                return new PlacedEndPoint(socket, selector, key, getScheduler());
            }
            return super.newEndPoint(channel, selector, key);
        }

        @Override
        protected SelectorManager newSelectorManager() {
            return new ClientSelectorManager(getExecutor(), getScheduler(), getSelectors()) {
                @Override
                protected void execute(Runnable task) {
                    SelectorChores.execute(task, super::execute);
                }
            };
        }
    }
}
