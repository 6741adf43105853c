package io.wslb.jetty.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.wslb.jetty.ProxyServerConnector;
import io.wslb.jetty.testing.Balancers;
import io.wslb.jetty.testing.ClientSocket;
import io.wslb.jetty.testing.Closer;
import io.wslb.jetty.testing.EchoBackends;
import io.wslb.jetty.testing.EventLog;
import io.wslb.jetty.testing.LoadBalancerProxy;
import io.wslb.jetty.testing.WsClient;
import io.wslb.testing.Frame;
import io.wslb.testing.RawWebSocketConnection;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.ManagedSelector;
import org.eclipse.jetty.io.SocketChannelEndPoint;
import org.eclipse.jetty.server.Server;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A proxy listening on a {@link ProxyServerConnector} sets connections up and tears them down on its selector. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ProxyServerConnectorTest {

    private final Closer closer = new Closer();
    private final EventLog events = new EventLog();
    private LoadBalancerProxy proxy;
    private WsClient client;
    private final Queue<Boolean> openedOnSelector = new ConcurrentLinkedQueue<>();
    private final AtomicInteger closed = new AtomicInteger();

    @BeforeEach
    void start() throws Exception {
        EchoBackends backends = closer.add(EchoBackends.start(2));
        proxy = closer.add(LoadBalancerProxy.handlerOnProxyConnector("/", Balancers.roundRobin(events, backends.members()).build()));
        proxy.connector().addEventListener(new Connection.Listener() {
            @Override
            public void onOpened(Connection connection) {
                openedOnSelector.add(StackWalker.getInstance().walk(frames -> frames.anyMatch(
                    f -> f.getClassName().startsWith("org.eclipse.jetty.io.ManagedSelector$SelectorProducer"))));
            }

            @Override
            public void onClosed(Connection connection) {
                closed.incrementAndGet();
            }
        });
        client = closer.add(WsClient.start());
    }

    @AfterEach
    void stop() throws Exception {
        closer.close();
    }

    @Test
    void acceptedConnections_areSetUpOnTheSelectorThread_notHandedToAPoolThread() throws Exception {
        for (int i = 0; i < 5; i++) {
            ClientSocket socket = client.connect(proxy.uri("/chat"));
            assertThat(socket.echo("ping " + i)).isEqualTo("ping " + i);
            socket.close(1000, "bye");
        }

        assertThat(openedOnSelector).hasSize(5).containsOnly(true);
    }

    @Test
    void manyShortConnections_fromTenThreads_allEcho_andNothingIsLeftOpen() throws Exception {
        ExecutorService clients = Executors.newFixedThreadPool(10);
        try {
            List<Future<Integer>> results = new ArrayList<>();
            for (int t = 0; t < 10; t++) {
                int thread = t;
                results.add(clients.submit(() -> {
                    int ok = 0;
                    for (int i = 0; i < 30; i++) {
                        ClientSocket socket = client.connect(proxy.uri("/chat"));
                        String text = thread + "-" + i;
                        if (socket.echo(text).equals(text) && socket.close(1000, "done").code() == 1000) {
                            ok++;
                        }
                    }
                    return ok;
                }));
            }
            int ok = 0;
            for (Future<Integer> result : results) {
                ok += result.get(50, TimeUnit.SECONDS);
            }
            assertThat(ok).isEqualTo(300);
        } finally {
            clients.shutdownNow();
        }

        proxy.awaitNothingOpen(Duration.ofSeconds(10));
        // The client's HTTP pool may hold a spare connection that never carried a request; stopping the client
        // closes it, and then every endpoint the connector accepted must be gone.
        client.close();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(proxy.connector().getConnectedEndPoints()).as("endpoints still connected").isEmpty();
            assertThat(closed.get()).as("connections closed, of %d opened", openedOnSelector.size())
                .isEqualTo(openedOnSelector.size());
        });
        assertThat(openedOnSelector).hasSizeGreaterThanOrEqualTo(300);
    }

    @Test
    void aClientTricklingItsRequestHead_isCutAtTheHandshakeDeadline_whileAPromptOneIsProxiedPastIt() throws Exception {
        ((ProxyServerConnector) proxy.connector()).setHandshakeTimeout(Duration.ofSeconds(1));
        ScheduledExecutorService trickle = Executors.newSingleThreadScheduledExecutor();
        // Taken before the connect, so that it precedes the server's accept (where the deadline starts).
        long start = System.nanoTime();
        try (RawWebSocketConnection slow = RawWebSocketConnection.open(proxy.port())) {
            slow.write("GET /chat HTTP/1.1\r\n");
            // One header line every 200 ms: enough to keep any idle timeout from firing, never a complete head.
            trickle.scheduleAtFixedRate(() -> {
                try {
                    slow.write("X-Slow: " + System.nanoTime() + "\r\n");
                } catch (java.io.IOException closed) {
                    throw new java.io.UncheckedIOException(closed);
                }
            }, 200, 200, TimeUnit.MILLISECONDS);
            ClientSocket prompt = client.connect(proxy.uri("/chat"));

            assertThat(slow.discardUntilEndOfStream(Duration.ofSeconds(5))).as("the slow client is cut").isTrue();
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofSeconds(1));
            await().pollDelay(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5))
                .untilAsserted(() -> assertThat(prompt.echo("after the deadline")).isEqualTo("after the deadline"));
        } finally {
            trickle.shutdownNow();
        }
    }

    @Test
    void bothLegsOfEveryTunnel_areServedByTheSameSelector_andEveryTunnelEchoes() throws Exception {
        try (Closer local = new Closer()) {
            EchoBackends backends = local.add(EchoBackends.start(2));
            Set<Integer> backendPorts = backends.members().stream().map(b -> b.port()).collect(Collectors.toSet());
            Server server = new Server();
            ProxyServerConnector connector = new ProxyServerConnector(server, 3);
            connector.setHost("127.0.0.1");
            server.addConnector(connector);
            server.setHandler(io.wslb.jetty.WebSocketLoadBalancerHandler.at("/",
                Balancers.roundRobin(events, backends.members()).build()));
            server.start();
            local.add(server::stop);

            // Raw clients, so that every client socket carries a tunnel (an HTTP client may keep a spare one).
            List<RawWebSocketConnection> sockets = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                RawWebSocketConnection socket = local.add(RawWebSocketConnection.open(connector.getLocalPort()));
                assertThat(socket.upgrade("/s").status()).isEqualTo(101);
                sockets.add(socket);
            }
            for (int i = 0; i < sockets.size(); i++) {
                sockets.get(i).send(Frame.text("tunnel " + i));
                assertThat(sockets.get(i).readMessage().text()).isEqualTo("tunnel " + i);
            }

            // Each selector serves as many backend sockets as client sockets: every backend socket was opened on
            // the selector of the client it serves. (Backend sockets opened elsewhere would not be the connector's.)
            Map<ManagedSelector, int[]> legs = new HashMap<>();
            for (EndPoint endPoint : connector.getConnectedEndPoints()) {
                SocketChannelEndPoint socket = (SocketChannelEndPoint) endPoint;
                ManagedSelector selector = connector.getSelectorManager().getBeans(ManagedSelector.class).stream()
                    .filter(s -> socket.getChannel().keyFor(s.getSelector()) != null).findFirst().orElseThrow();
                boolean backendLeg = backendPorts.contains(((InetSocketAddress) socket.getRemoteSocketAddress()).getPort());
                legs.computeIfAbsent(selector, s -> new int[2])[backendLeg ? 1 : 0]++;
            }
            assertThat(legs.values().stream().mapToInt(counts -> counts[1]).sum()).as("backend legs").isEqualTo(12);
            assertThat(legs.values()).as("client and backend legs per selector")
                .allSatisfy(counts -> assertThat(counts[1]).isEqualTo(counts[0]));
            assertThat(legs).as("the tunnels are spread over the selectors").hasSizeGreaterThan(1);
            assertThat(server.getContainedBeans(org.eclipse.jetty.io.ClientConnector.class))
                .as("the backend connector, left with nothing to do").singleElement()
                .extracting(org.eclipse.jetty.io.ClientConnector::getSelectors).isEqualTo(1);
        }
    }

    @Test
    void aConnectorWithoutSelectors_isRefused() {
        Server server = new Server();

        assertThatThrownBy(() -> new ProxyServerConnector(server, 0))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessage("a connector needs at least one selector thread, got 0");
    }

    @Test
    void aConnectorWithoutProtocols_isRefused() {
        Server server = new Server();

        assertThatThrownBy(() -> new ProxyServerConnector(server, new org.eclipse.jetty.server.ConnectionFactory[0]))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("at least one connection factory");
    }
}
