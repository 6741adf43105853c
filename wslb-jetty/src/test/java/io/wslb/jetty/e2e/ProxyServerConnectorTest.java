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
import io.wslb.jetty.testing.RawWebSocket;
import io.wslb.jetty.testing.WsClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.io.Connection;
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
        try (RawWebSocket slow = RawWebSocket.connect(proxy.port())) {
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

            assertThat(slow.awaitEndOfStream(Duration.ofSeconds(5))).as("the slow client is cut").isTrue();
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofSeconds(1));
            await().pollDelay(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5))
                .untilAsserted(() -> assertThat(prompt.echo("after the deadline")).isEqualTo("after the deadline"));
        } finally {
            trickle.shutdownNow();
        }
    }

    @Test
    void theBackendSockets_getAsManySelectorsAsTheClientFacingConnector_andEveryTunnelEchoes() throws Exception {
        try (Closer local = new Closer()) {
            EchoBackends backends = local.add(EchoBackends.start(2));
            Server server = new Server();
            ProxyServerConnector connector = new ProxyServerConnector(server, 5);
            connector.setHost("127.0.0.1");
            server.addConnector(connector);
            server.setHandler(io.wslb.jetty.WebSocketLoadBalancerHandler.at("/",
                Balancers.roundRobin(events, backends.members()).build()));
            server.start();
            local.add(server::stop);

            assertThat(connector.getSelectorManager().getSelectorCount()).isEqualTo(5);
            assertThat(server.getContainedBeans(org.eclipse.jetty.io.ClientConnector.class))
                .as("the backend connector").singleElement()
                .extracting(org.eclipse.jetty.io.ClientConnector::getSelectors).isEqualTo(5);
            List<ClientSocket> sockets = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                sockets.add(client.connect(java.net.URI.create("ws://127.0.0.1:" + connector.getLocalPort() + "/s")));
            }
            for (int i = 0; i < sockets.size(); i++) {
                assertThat(sockets.get(i).echo("tunnel " + i)).isEqualTo("tunnel " + i);
            }
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
