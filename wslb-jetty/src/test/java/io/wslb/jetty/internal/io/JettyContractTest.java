package io.wslb.jetty.internal.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLContext;
import org.eclipse.jetty.io.AbstractConnection;
import org.eclipse.jetty.io.ArrayByteBufferPool;
import org.eclipse.jetty.io.ClientConnectionFactory;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.ManagedSelector;
import org.eclipse.jetty.io.SelectorManager;
import org.eclipse.jetty.io.SocketChannelEndPoint;
import org.eclipse.jetty.io.Transport;
import org.eclipse.jetty.io.ssl.SslConnection;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Promise;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;
import org.eclipse.jetty.util.thread.Scheduler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The Jetty behaviours that this package, {@code io.wslb.jetty.ProxyServerConnector} and the tunnel rely on, each
 * checked against Jetty itself: a Jetty upgrade that changes one fails here, with a message naming the behaviour,
 * before it fails somewhere far from the cause. Each test names the code that relies on it.
 */
class JettyContractTest {

    private static final String SELECTOR_LOOP = "org.eclipse.jetty.io.ManagedSelector$SelectorProducer";

    private final ScheduledExecutorScheduler scheduler = new ScheduledExecutorScheduler();
    private Server server;
    private ContractConnector connector;
    private ServerSocketChannel listener;

    @AfterEach
    void stop() throws Exception {
        if (server != null) {
            server.stop();
        }
        if (listener != null) {
            listener.close();
        }
        scheduler.stop();
    }

    /** Relied on by ProxyServerConnector (accepts without an acceptor thread) and AcceptPause (selector-only state). */
    @Test
    void aServerConnectorWithNoAcceptors_acceptsInItsSelectorLoop_throughDoAccept() throws Exception {
        startConnector();

        try (Socket client = new Socket(InetAddress.getLoopbackAddress(), connector.getLocalPort())) {
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(connector.endPoints).hasSize(1));
        }

        assertThat(connector.manager().doAcceptInSelectorLoop)
            .as("Jetty contract: a ServerConnector with 0 acceptors calls SelectorManager.doAccept from its"
                + " ManagedSelector's loop, for every accept")
            .isNotEmpty().containsOnly(true);
    }

    /**
     * Relied on by ProxyServerConnector's doAccept (a null return after a failed accept, with no log line) and by
     * AcceptPause (it pauses by clearing OP_ACCEPT on the listening key, found among the manager's ManagedSelector
     * beans, and resumes through ManagedSelector.submit, on the selector's thread).
     */
    @Test
    void aNullFromDoAccept_skipsTheAccept_andTheListeningKeysInterestIsLeftAsSet_untilASubmittedTaskRestoresIt()
        throws Exception {
        startConnector();
        ContractConnector.ProbeManager manager = connector.manager();
        AtomicReference<SelectionKey> paused = new AtomicReference<>();
        manager.onAccept = serverChannel -> {
            SelectionKey key = listeningKey(manager, serverChannel);
            key.interestOps(key.interestOps() & ~SelectionKey.OP_ACCEPT);
            paused.set(key);
            return true; // return null, accepting nothing
        };

        try (Socket client = new Socket(InetAddress.getLoopbackAddress(), connector.getLocalPort())) {
            await().atMost(Duration.ofSeconds(5)).until(() -> paused.get() != null);
            int callsWhenPaused = manager.doAcceptCalls.get();
            await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).untilAsserted(() -> {
                assertThat(connector.endPoints)
                    .as("Jetty contract: a null from SelectorManager.doAccept registers no endpoint").isEmpty();
                assertThat(manager.doAcceptCalls.get())
                    .as("Jetty contract: the selector leaves the listening key's interest ops as set (OP_ACCEPT"
                        + " cleared: no accept is attempted)").isEqualTo(callsWhenPaused);
            });

            manager.onAccept = serverChannel -> false;
            AtomicBoolean resumedInLoop = new AtomicBoolean();
            ManagedSelector selector = manager.getBeans(ManagedSelector.class).iterator().next();
            selector.submit(ignored -> {
                resumedInLoop.set(inSelectorLoop());
                paused.get().interestOps(paused.get().interestOps() | SelectionKey.OP_ACCEPT);
            });

            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(connector.endPoints)
                .as("Jetty contract: setting OP_ACCEPT again resumes accepting").hasSize(1));
            assertThat(resumedInLoop).as("Jetty contract: ManagedSelector.submit runs its task in the selector's loop")
                .isTrue();
        }
    }

    /**
     * Relied on by SelectorChores, used by ProxyServerConnector and BackendConnector: the selector's per-connection
     * chores (set up an accepted socket's endpoint, tear down a closed one) go through SelectorManager.execute as
     * Closeable tasks, so running exactly those in place keeps everything else dispatched.
     */
    @Test
    void theSetUpAndTearDownOfAnEndPoint_reachSelectorManagerExecute_asCloseableTasks() throws Exception {
        startConnector();

        try (Socket client = new Socket(InetAddress.getLoopbackAddress(), connector.getLocalPort())) {
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(connector.endPoints).hasSize(1));
        }
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(connector.manager().closedInChore)
            .as("endpoints closed").hasSize(1));

        assertThat(connector.createdInChore)
            .as("Jetty contract: an accepted socket's endpoint is created by a Closeable task given to"
                + " SelectorManager.execute by the selector's loop")
            .containsExactly(true);
        assertThat(connector.manager().closedInChore)
            .as("Jetty contract: a closed endpoint is torn down by a Closeable task given to SelectorManager.execute")
            .containsExactly(true);
    }

    /**
     * Relied on by ProxyServerConnector.ProxySelectorManager: the client's selector and the balancer's connect
     * timeout are handed to Jetty in a thread-local, which works only if connect and accept ask for them on the
     * calling thread, within the call; and the attachment reaches newConnection and connectionOpened.
     */
    @Test
    void connectAndAccept_askForTheSelectorAndTheConnectTimeout_onTheCallingThread_withinTheCall() throws Exception {
        startConnector();
        ContractConnector.ProbeManager manager = connector.manager();
        listener = ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        Object attachment = new Object();

        SocketChannel pending = SocketChannel.open();
        pending.configureBlocking(false);
        pending.connect(listener.getLocalAddress());
        manager.placing.set("pending connect");
        try {
            manager.connect(pending, attachment);
        } finally {
            manager.placing.remove();
        }
        SocketChannel acceptedPending = listener.accept();

        SocketChannel connected = SocketChannel.open(listener.getLocalAddress());
        connected.configureBlocking(false);
        manager.placing.set("connected");
        try {
            manager.accept(connected, attachment);
        } finally {
            manager.placing.remove();
        }

        assertThat(manager.choseSelectorFor)
            .as("Jetty contract: SelectorManager.connect and accept call chooseSelector on the calling thread, within"
                + " the call").containsExactly("pending connect", "connected");
        assertThat(manager.connectTimeoutFor)
            .as("Jetty contract: SelectorManager.connect calls getConnectTimeout on the calling thread, within the call")
            .contains("pending connect");
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(manager.openedWith)
            .as("Jetty contract: the attachment of connect/accept reaches newConnection and connectionOpened")
            .hasSize(2).containsOnly(attachment));
        acceptedPending.close();
        pending.close();
        connected.close();
    }

    /** Relied on by BackendConnector's InlineClientConnector, which learns the socket it opened in a thread-local. */
    @Test
    void clientConnectorConnect_configuresTheNewChannelOnTheCallingThread_withinTheCall() throws Exception {
        listener = ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        List<Boolean> configuredWithinCall = new CopyOnWriteArrayList<>();
        ThreadLocal<Boolean> inCall = ThreadLocal.withInitial(() -> false);
        ClientConnector client = new ClientConnector() {
            @Override
            protected void configure(SelectableChannel channel) throws IOException {
                super.configure(channel);
                configuredWithinCall.add(inCall.get());
            }
        };
        client.start();
        try {
            CompletableFuture<Connection> opened = new CompletableFuture<>();
            Map<String, Object> context = new HashMap<>();
            context.put(Transport.CONTEXT_KEY, Transport.TCP_IP);
            context.put(ClientConnectionFactory.CONTEXT_KEY, (ClientConnectionFactory) (endPoint, ctx) -> idle(endPoint, client.getExecutor()));
            context.put(ClientConnector.CONNECTION_PROMISE_CONTEXT_KEY, Promise.from(opened::complete, opened::completeExceptionally));
            inCall.set(true);
            try {
                client.connect(listener.getLocalAddress(), context);
            } finally {
                inCall.set(false);
            }
            opened.get(5, TimeUnit.SECONDS);

            assertThat(configuredWithinCall)
                .as("Jetty contract: ClientConnector.connect calls configure(channel) on the calling thread, within the call")
                .containsExactly(true);
        } finally {
            client.stop();
        }
    }

    /**
     * Relied on by PlacedEndPoint.onClose: Jetty's endpoint fails a read still awaited when it closes, and a read
     * failed beforehand through the FillInterest is not failed a second time.
     */
    @Test
    void closingAnEndPoint_failsTheAwaitedReadWithAClosedChannelException_onceOnly() throws Exception {
        scheduler.start();
        try (EndPointPair pair = new EndPointPair(); EndPointPair other = new EndPointPair()) {
            SocketChannelEndPoint plain = pair.endPoint(scheduler);
            AtomicReference<Throwable> failure = new AtomicReference<>();
            plain.fillInterested(Callback.from(() -> { }, failure::set));
            plain.close();
            assertThat(failure.get())
                .as("Jetty contract: closing an endpoint fails its awaited read (FillInterest.onClose) with a"
                    + " ClosedChannelException").isInstanceOf(ClosedChannelException.class);

            SocketChannelEndPoint failedFirst = other.endPoint(scheduler);
            List<Throwable> failures = new CopyOnWriteArrayList<>();
            failedFirst.fillInterested(Callback.from(() -> { }, failures::add));
            ClosedChannelException ours = new ClosedChannelException();
            assertThat(failedFirst.isFillInterested()).isTrue();
            failedFirst.getFillInterest().onFail(ours);
            failedFirst.close();
            assertThat(failures)
                .as("Jetty contract: a read failed through FillInterest.onFail is no longer awaited, so closing the"
                    + " endpoint does not fail it again").containsExactly(ours);
        }
    }

    /** Relied on by PlacedEndPoint.updateKey, which closes the endpoint itself where Jetty would, to the same end. */
    @Test
    void anInterestUpdateOnACancelledKey_closesJettysEndPoint() throws Exception {
        scheduler.start();
        try (EndPointPair pair = new EndPointPair()) {
            PlacedEndPointTest.RecordingKey key = new PlacedEndPointTest.RecordingKey(pair.socket);
            SocketChannelEndPoint endPoint = new SocketChannelEndPoint(pair.socket, null, key, scheduler);
            endPoint.onOpen();
            endPoint.onSelected();
            endPoint.fillInterested(Callback.NOOP);
            key.valid = false;

            endPoint.updateKey();

            assertThat(endPoint.isOpen())
                .as("Jetty contract: SocketChannelEndPoint.updateKey closes the endpoint when its key was cancelled")
                .isFalse();
        }
    }

    /** Relied on by ProxyServerConnector.connectBeside, which finds the client's PlacedEndPoint under TLS this way. */
    @Test
    void aTlsEndPoint_leadsToTheNetworkEndPoint_throughItsSslConnection() throws Exception {
        scheduler.start();
        try (EndPointPair pair = new EndPointPair()) {
            SocketChannelEndPoint network = pair.endPoint(scheduler);
            SslConnection tls = new SslConnection(new ArrayByteBufferPool(), Runnable::run, network,
                SSLContext.getDefault().createSSLEngine());

            EndPoint requestSees = tls.getSslEndPoint();

            assertThat(requestSees).isInstanceOf(SslConnection.SslEndPoint.class);
            assertThat(((SslConnection.SslEndPoint) requestSees).getSslConnection().getEndPoint())
                .as("Jetty contract: SslEndPoint.getSslConnection().getEndPoint() is the network endpoint")
                .isSameAs(network);
        }
    }

    private void startConnector() throws Exception {
        server = new Server();
        connector = new ContractConnector(server);
        connector.setHost("127.0.0.1");
        server.addConnector(connector);
        server.start();
    }

    private static SelectionKey listeningKey(SelectorManager manager, SelectableChannel serverChannel) {
        for (ManagedSelector managed : manager.getBeans(ManagedSelector.class)) {
            SelectionKey key = managed.getSelector() == null ? null : serverChannel.keyFor(managed.getSelector());
            if (key != null) {
                return key;
            }
        }
        throw new AssertionError("Jetty contract: the listening socket is registered with one of the SelectorManager's"
            + " ManagedSelector beans");
    }

    private static boolean inSelectorLoop() {
        return StackWalker.getInstance().walk(frames -> frames.anyMatch(f -> f.getClassName().equals(SELECTOR_LOOP)));
    }

    private static Connection idle(EndPoint endPoint, Executor executor) {
        return new AbstractConnection(endPoint, executor) {
            @Override
            public void onFillable() {
            }
        };
    }

    /** Whether the current thread is running a chore that execute ran in place. */
    private static final ThreadLocal<Boolean> IN_CHORE = ThreadLocal.withInitial(() -> false);

    /** A connector as ProxyServerConnector is built: no acceptor, one selector, chores run in place. */
    private static final class ContractConnector extends ServerConnector {
        final List<Boolean> createdInChore = new CopyOnWriteArrayList<>();
        final List<EndPoint> endPoints = new CopyOnWriteArrayList<>();

        ContractConnector(Server server) {
            super(server, null, null, null, 0, 1, new HttpConnectionFactory());
        }

        ProbeManager manager() {
            return (ProbeManager) getSelectorManager();
        }

        @Override
        protected SelectorManager newSelectorManager(Executor executor, Scheduler scheduler, int selectors) {
            return new ProbeManager(executor, scheduler, selectors);
        }

        @Override
        protected SocketChannelEndPoint newEndPoint(SocketChannel channel, ManagedSelector selector, SelectionKey key) throws IOException {
            createdInChore.add(IN_CHORE.get() && inSelectorLoop());
            SocketChannelEndPoint endPoint = super.newEndPoint(channel, selector, key);
            endPoints.add(endPoint);
            return endPoint;
        }


        final class ProbeManager extends ServerConnectorManager {
            final ThreadLocal<String> placing = new ThreadLocal<>();
            final List<Boolean> doAcceptInSelectorLoop = new CopyOnWriteArrayList<>();
            final AtomicInteger doAcceptCalls = new AtomicInteger();
            final List<Boolean> closedInChore = new CopyOnWriteArrayList<>();
            final List<String> choseSelectorFor = new CopyOnWriteArrayList<>();
            final List<String> connectTimeoutFor = new CopyOnWriteArrayList<>();
            final List<Object> openedWith = new CopyOnWriteArrayList<>();
            volatile AcceptHook onAccept = serverChannel -> false;

            ProbeManager(Executor executor, Scheduler scheduler, int selectors) {
                super(executor, scheduler, selectors);
            }

            @Override
            protected SelectableChannel doAccept(SelectableChannel server) throws IOException {
                doAcceptCalls.incrementAndGet();
                doAcceptInSelectorLoop.add(inSelectorLoop());
                if (onAccept.skip(server)) {
                    return null;
                }
                return super.doAccept(server);
            }

            @Override
            protected void execute(Runnable task) {
                if (task instanceof Closeable) {
                    IN_CHORE.set(true);
                    try {
                        task.run();
                    } finally {
                        IN_CHORE.set(false);
                    }
                } else {
                    super.execute(task);
                }
            }

            @Override
            protected void endPointClosed(EndPoint endPoint) {
                closedInChore.add(IN_CHORE.get());
                super.endPointClosed(endPoint);
            }

            @Override
            protected ManagedSelector chooseSelector() {
                String placed = placing.get();
                if (placed != null) {
                    choseSelectorFor.add(placed);
                }
                return super.chooseSelector();
            }

            @Override
            public long getConnectTimeout() {
                String placed = placing.get();
                if (placed != null) {
                    connectTimeoutFor.add(placed);
                }
                return super.getConnectTimeout();
            }

            @Override
            public Connection newConnection(SelectableChannel channel, EndPoint endPoint, Object attachment) throws IOException {
                return attachment == null ? super.newConnection(channel, endPoint, null) : idle(endPoint, getExecutor());
            }

            @Override
            public void connectionOpened(Connection connection, Object attachment) {
                super.connectionOpened(connection, attachment);
                if (attachment != null) {
                    openedWith.add(attachment);
                }
            }
        }
    }

    /** What the test asks of an accept: true to return null from doAccept without accepting. */
    private interface AcceptHook {
        boolean skip(SelectableChannel serverChannel);
    }

    /** A connected socket pair whose client side becomes endpoints (on no selector) for the endpoint contracts. */
    private static final class EndPointPair implements AutoCloseable {
        final ServerSocketChannel server;
        final SocketChannel socket;
        final SocketChannel accepted;

        EndPointPair() throws IOException {
            server = ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            socket = SocketChannel.open(server.getLocalAddress());
            accepted = server.accept();
        }

        SocketChannelEndPoint endPoint(Scheduler scheduler) {
            SocketChannelEndPoint endPoint = new SocketChannelEndPoint(socket, null, new PlacedEndPointTest.RecordingKey(socket), scheduler);
            endPoint.onOpen();
            return endPoint;
        }

        @Override
        public void close() throws IOException {
            socket.close();
            accepted.close();
            server.close();
        }
    }
}
