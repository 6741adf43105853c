package io.wslb.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.wslb.Backend;
import io.wslb.BackendHealth;
import io.wslb.WebSocketLoadBalancer;
import io.wslb.WebSocketLoadBalancerBuilder;
import io.wslb.examples.snippets.BroadcastSnippets;
import io.wslb.examples.snippets.ChatBalancer;
import io.wslb.examples.snippets.OperationsSnippets;
import io.wslb.examples.snippets.StrategiesSnippets;
import io.wslb.examples.snippets.TlsInCode;
import io.wslb.examples.snippets.TwoInstances;
import io.wslb.jetty.BackendTls;
import io.wslb.jetty.KeyMaterial;
import io.wslb.jetty.ServerTls;
import io.wslb.jetty.WebSocketLoadBalancerHandler;
import io.wslb.strategies.BalancingStrategies;
import io.wslb.testing.RedisServer;
import io.wslb.testing.TestCertificate;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import javax.net.ssl.SSLContext;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.websocket.server.WebSocketUpgradeHandler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Runs every Java snippet of README.md and docs/*.md (the regions of the files in
 * {@code io.wslb.examples.snippets}, see {@link DocSnippetsTest}) against real echo backends over real sockets on
 * port 0: each balancer the snippets compose takes a WebSocket client and echoes its message.
 */
@Timeout(60)
class DocSnippetsRunTest {

    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    @Test
    void readmeUseIt_startsABalancerThatSpreadsClientsOverBothBackends_andEchoes() throws Exception {
        URI chat1 = echo("chat-1 here");
        URI chat2 = echo("chat-2 here");
        Server server = ChatBalancer.start(0, chat1, chat2);
        open.add(server::stop);
        URI ws = URI.create("ws://127.0.0.1:" + port(server) + "/ws");
        Client first = connect(HttpClient.newHttpClient(), ws, b -> { });
        Client second = connect(HttpClient.newHttpClient(), ws, b -> { });
        assertThat(List.of(first.greeting, second.greeting)).containsExactlyInAnyOrder("chat-1 here", "chat-2 here");
        first.assertEchoes("hello");
        second.assertEchoes("hello again");
    }

    @Test
    void scaleOutTwoInstances_sendARoomToOneBackendThroughEitherInstance_andEcho() throws Exception {
        RedisServer redis = RedisServer.start();
        open.add(redis);
        URI chat1 = echo("chat-1 here");
        URI chat2 = echo("chat-2 here");
        TwoInstances.Instance a = TwoInstances.Instance.start(0, "lb-a", redis.uri(), List.of(chat1, chat2));
        open.add(a);
        TwoInstances.Instance b = TwoInstances.Instance.start(0, "lb-b", redis.uri(), List.of(chat1, chat2));
        open.add(b);
        await().atMost(Duration.ofSeconds(10)).until(() -> a.link().state().isUp() && b.link().state().isUp());

        List<String> throughA = new ArrayList<>();
        for (int room = 0; room < 10; room++) {
            try (Client client = connect(HttpClient.newHttpClient(), URI.create("ws://127.0.0.1:" + port(a.server()) + "/ws?room=r" + room), x -> { })) {
                throughA.add(client.greeting);
                client.assertEchoes("hello from room " + room);
            }
        }
        assertThat(throughA).contains("chat-1 here", "chat-2 here");
        for (int room = 0; room < 10; room++) {
            try (Client client = connect(HttpClient.newHttpClient(), URI.create("ws://127.0.0.1:" + port(b.server()) + "/ws?room=r" + room), x -> { })) {
                assertThat(client.greeting).as("room r" + room + " through the other instance").isEqualTo(throughA.get(room));
            }
        }
    }

    @Test
    void readmeTlsInCode_takesWssClients_andReachesAWssBackendItVerifies(@TempDir Path dir) throws Exception {
        TestCertificate ca = TestCertificate.authority("snippet CA");
        TestCertificate balancer = ca.issue("localhost", "127.0.0.1");
        TestCertificate backend = ca.issue("localhost", "127.0.0.1");
        Path caPem = ca.writeCertificatePem(dir.resolve("ca.pem"));
        URI secureBackend = tlsEcho("secure backend here",
            backend.writeCertificatePem(dir.resolve("backend.pem")), backend.writeKeyPem(dir.resolve("backend.key")));

        Server server = TlsInCode.start(0, balancer.writeCertificatePem(dir.resolve("fullchain.pem")),
            balancer.writeKeyPem(dir.resolve("privkey.pem")), caPem, secureBackend);
        open.add(server::stop);

        SSLContext trustTheCa = BackendTls.builder().trustPem(caPem).build();
        HttpClient https = HttpClient.newBuilder().sslContext(trustTheCa).build();
        Client client = connect(https, URI.create("wss://127.0.0.1:" + port(server) + "/ws"), b -> { });
        assertThat(client.greeting).isEqualTo("secure backend here");
        client.assertEchoes("over TLS both ways");
    }

    @Test
    void operationsCapacity_placesClientsOnThePrimaries_notTheBackup() throws Exception {
        WebSocketLoadBalancer lb = OperationsSnippets.capacity(echo("chat-1"), echo("chat-2"), echo("overflow"));
        URI ws = mount(lb);
        assertThat(lb.admissionLimits().maxConnections()).hasValue(50_000);
        assertThat(lb.pool().get("chat-1").backend().maxConnections()).isEqualTo(20_000);
        Client client = connect(HttpClient.newHttpClient(), ws, b -> { });
        assertThat(client.greeting).isIn("chat-1", "chat-2");
        client.assertEchoes("capacity");
    }

    @Test
    void operationsBuilderFragments_composeABalancerThatEchoes() throws Exception {
        List<Consumer<WebSocketLoadBalancerBuilder>> fragments = List.of(
            OperationsSnippets::outlierDetection, OperationsSnippets::healthCheck, OperationsSnippets::slowStart,
            OperationsSnippets::pingInterval, OperationsSnippets::accessLog);
        WebSocketLoadBalancerBuilder builder = WebSocketLoadBalancer.builder().backend(Backend.of("a", echo("a")))
            .strategy(BalancingStrategies.roundRobin());
        fragments.forEach(f -> f.accept(builder));
        Server server = new Server();
        OperationsSnippets.shutdownWindow(builder, server);
        WebSocketLoadBalancer lb = builder.build();
        assertThat(lb.slowStart()).isEqualTo(Duration.ofSeconds(30));
        assertThat(lb.timeouts().pingInterval()).isEqualTo(Duration.ofSeconds(30));
        assertThat(lb.shutdownWindow()).isEqualTo(Duration.ofSeconds(30));
        assertThat(lb.healthCheck()).isNotNull();
        assertThat(server.getStopTimeout()).isEqualTo(35_000);

        URI ws = mount(lb, server);
        Client client = connect(HttpClient.newHttpClient(), ws, b -> { });
        assertThat(client.greeting).isEqualTo("a");
        client.assertEchoes("configured");
        // The WebSocket health check with ping passes against a real backend: it stays healthy.
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10))
            .until(() -> lb.pool().get("a").health() == BackendHealth.HEALTHY);
        client.close();
    }

    @Test
    void operationsChangeThePool_addsReweightsAndRemovesWhileAClientStaysConnected() throws Exception {
        WebSocketLoadBalancer lb = WebSocketLoadBalancer.builder()
            .backend(Backend.of("chat-1", echo("chat-1"))).backend(Backend.of("chat-2", echo("chat-2"))).strategy(BalancingStrategies.roundRobin()).build();
        URI ws = mount(lb);
        Client before = connect(HttpClient.newHttpClient(), ws, b -> { });

        OperationsSnippets.changeThePool(lb, echo("chat-3"));

        assertThat(lb.pool().get("chat-1").backend().weight()).isEqualTo(3);
        assertThat(lb.pool().get("chat-3")).isNotNull();
        await().atMost(Duration.ofSeconds(40)).until(() -> lb.pool().get("chat-2") == null);
        if (!before.greeting.equals("chat-2")) {
            before.assertEchoes("still here");
        }
        Client after = connect(HttpClient.newHttpClient(), ws, b -> { });
        assertThat(after.greeting).isIn("chat-1", "chat-3");
        after.assertEchoes("after the changes");
    }

    @Test
    void operationsAdmin_servesTheStatusToTheTokenOnly() throws Exception {
        WebSocketLoadBalancer lb = WebSocketLoadBalancer.builder().backend(Backend.of("chat-1", echo("chat-1")))
            .strategy(BalancingStrategies.roundRobin()).build();
        mount(lb);
        Server admin = OperationsSnippets.admin(lb, "s3cret-t0ken", 0);
        open.add(admin::stop);
        HttpClient http = HttpClient.newHttpClient();
        URI status = URI.create("http://127.0.0.1:" + port(admin) + "/status");
        HttpResponse<String> withToken = http.send(HttpRequest.newBuilder(status)
            .header("Authorization", "Bearer s3cret-t0ken").build(), HttpResponse.BodyHandlers.ofString());
        assertThat(withToken.statusCode()).isEqualTo(200);
        assertThat(withToken.body()).contains("\"id\":\"chat-1\"");
        assertThat(http.send(HttpRequest.newBuilder(status).build(), HttpResponse.BodyHandlers.discarding()).statusCode())
            .isEqualTo(401);
    }

    @Test
    void operationsMetrics_showAnOpenConnectionInThePrometheusScrape() throws Exception {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        WebSocketLoadBalancer lb = OperationsSnippets.metrics(WebSocketLoadBalancer.builder()
            .backend(Backend.of("chat-1", echo("chat-1"))).strategy(BalancingStrategies.roundRobin()), registry);
        URI ws = mount(lb);

        try (Client client = connect(HttpClient.newHttpClient(), ws, b -> { })) {
            client.assertEchoes("counted");
            assertThat(registry.scrape()).contains("wslb_connections_open 1.0", "wslb_backend_connections_open{backend=\"chat-1\"} 1.0");
        }
    }

    @Test
    void broadcastPublish_reachesTheBackendsClients() throws Exception {
        WebSocketLoadBalancer lb = WebSocketLoadBalancer.builder().backend(Backend.of("chat-2", echo("chat-2 here")))
            .strategy(BalancingStrategies.roundRobin()).build();
        URI ws = mount(lb);

        try (Client client = connect(HttpClient.newHttpClient(), ws, b -> { })) {
            assertThat(BroadcastSnippets.publish(lb)).as("nobody is in room 7").isZero();
            assertThat(client.messages.poll(5, TimeUnit.SECONDS)).isEqualTo("chat-2 restarts in 5 minutes");
            client.assertEchoes("still echoing");
        }
    }

    @Test
    void operationsListener_hearsPanicModeBeginAndEnd() throws Exception {
        WebSocketLoadBalancer lb = WebSocketLoadBalancer.builder().backend(Backend.of("chat-1", echo("chat-1")))
            .strategy(BalancingStrategies.roundRobin()).build();
        URI ws = mount(lb);
        AtomicBoolean panicking = new AtomicBoolean();
        OperationsSnippets.listen(lb, LoggerFactory.getLogger(DocSnippetsRunTest.class), panicking);

        lb.pool().markUnhealthy("chat-1");
        await().atMost(Duration.ofSeconds(10)).untilTrue(panicking);
        connect(HttpClient.newHttpClient(), ws, b -> { }).assertEchoes("served in panic mode");
        lb.pool().markHealthy("chat-1");
        await().atMost(Duration.ofSeconds(10)).untilFalse(panicking);
    }

    @Test
    void strategiesWritingYourOwn_sendsAClientToTheBackendOfItsZone() throws Exception {
        WebSocketLoadBalancerBuilder builder = WebSocketLoadBalancer.builder()
            .backend(Backend.of("a", echo("zone a")).withMetadata("zone", "a"))
            .backend(Backend.of("b", echo("zone b")).withMetadata("zone", "b"));
        WebSocketLoadBalancer lb = StrategiesSnippets.writingYourOwn(builder).build();
        URI ws = mount(lb);
        for (String zone : List.of("b", "a", "b")) {
            Client client = connect(HttpClient.newHttpClient(), ws, b -> b.header("X-Zone", zone));
            assertThat(client.greeting).isEqualTo("zone " + zone);
            client.assertEchoes("from zone " + zone);
        }
    }

    // ---------------------------------------------------------------------------------------------------------------

    private URI echo(String greeting) throws Exception {
        EchoServer echo = EchoServer.start("127.0.0.1", 0, greeting);
        open.add(echo);
        return URI.create(echo.uri());
    }

    private URI tlsEcho(String greeting, Path certificate, Path key) throws Exception {
        Server server = new Server();
        ServerTls tls = ServerTls.of(KeyMaterial.pem(certificate, key));
        ServerConnector connector = new ServerConnector(server, tls.connectionFactory(), new HttpConnectionFactory());
        connector.setHost("127.0.0.1");
        server.addConnector(connector);
        server.addBean(tls);
        server.setHandler(WebSocketUpgradeHandler.from(server,
            container -> container.addMapping("/*", (request, response, callback) -> new EchoServer.Echo(greeting))));
        server.start();
        open.add(server::stop);
        return URI.create("wss://127.0.0.1:" + connector.getLocalPort() + "/");
    }

    private URI mount(WebSocketLoadBalancer lb) throws Exception {
        return mount(lb, new Server());
    }

    private URI mount(WebSocketLoadBalancer lb, Server server) throws Exception {
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        server.addConnector(connector);
        server.setHandler(WebSocketLoadBalancerHandler.at("/ws", lb));
        server.start();
        open.add(server::stop);
        return URI.create("ws://127.0.0.1:" + connector.getLocalPort() + "/ws");
    }

    private static int port(Server server) {
        return ((ServerConnector) server.getConnectors()[0]).getLocalPort();
    }

    private Client connect(HttpClient http, URI uri, Consumer<WebSocket.Builder> headers) throws Exception {
        LinkedBlockingQueue<String> messages = new LinkedBlockingQueue<>();
        WebSocket.Builder builder = http.newWebSocketBuilder();
        headers.accept(builder);
        WebSocket ws = builder.buildAsync(uri, new WebSocket.Listener() {
            @Override
            public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
                messages.add(data.toString());
                webSocket.request(1);
                return null;
            }
        }).get(10, TimeUnit.SECONDS);
        Client client = new Client(ws, messages, messages.poll(10, TimeUnit.SECONDS));
        open.add(client);
        return client;
    }

    /** A connected client and the greeting of the backend it reached. */
    private static final class Client implements AutoCloseable {
        final WebSocket ws;
        final LinkedBlockingQueue<String> messages;
        final String greeting;

        Client(WebSocket ws, LinkedBlockingQueue<String> messages, String greeting) {
            this.ws = ws;
            this.messages = messages;
            this.greeting = greeting;
        }

        void assertEchoes(String text) throws Exception {
            ws.sendText(text, true).get(10, TimeUnit.SECONDS);
            assertThat(messages.poll(10, TimeUnit.SECONDS)).isEqualTo(text);
        }

        @Override
        public void close() {
            ws.abort();
        }
    }
}
