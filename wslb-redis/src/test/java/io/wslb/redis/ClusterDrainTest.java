package io.wslb.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.wslb.BackendPool;
import io.wslb.LiveBackend;
import io.wslb.WebSocketLoadBalancer;
import io.wslb.jetty.AdminHandler;
import io.wslb.jetty.testing.Balancers;
import io.wslb.jetty.testing.ClientSocket;
import io.wslb.jetty.testing.CloseStatus;
import io.wslb.jetty.testing.Closer;
import io.wslb.jetty.testing.EchoBackend;
import io.wslb.jetty.testing.EchoBackends;
import io.wslb.jetty.testing.EventLog;
import io.wslb.jetty.testing.LoadBalancerProxy;
import io.wslb.jetty.testing.WsClient;
import io.wslb.redis.internal.ClusterAdmin;
import io.wslb.redis.internal.LettuceLink;
import io.wslb.strategies.BalancingStrategies;
import io.wslb.testing.RedisServerExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Acceptance "cluster-wide drain" (issue 17), over real sockets and a real redis-server: three balancer instances on
 * real Jetty servers in front of the same echo backends, each with its own link and {@link ClusterAdmin}; a drain
 * asked of instance A's admin API closes the backend's connections on all three with 1012, spread over the window,
 * none of them sends it new connections after, and a resume asked of B brings it back on all three.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ClusterDrainTest {

    @RegisterExtension
    static final RedisServerExtension REDIS = new RedisServerExtension();

    private static final String PREFIX = "drain:";
    private static final Duration WINDOW = Duration.ofSeconds(2);
    private static final int CLIENTS_PER_INSTANCE = 12;
    private static final Duration PATIENCE = Duration.ofSeconds(15);

    /** One balancer instance: a pool, a balancer on a Jetty server, a link, its cluster admin, and its admin API. */
    private record Instance(String id, BackendPool pool, LoadBalancerProxy proxy, ClusterAdmin admin, URI adminUri) {}

    private final Closer closer = new Closer();
    /** When each instance's pool started draining b1, told before its ClusterAdmin announces the drain. */
    private final Map<String, Long> drainingAt = new ConcurrentHashMap<>();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

    @AfterEach
    void stop() throws Exception {
        closer.close();
    }

    @Test
    void aDrainAskedOfOneInstance_closesTheBackendsConnectionsOnAllThree_with1012_spreadOverTheWindow_andAResumeOnAnotherBringsItBack()
        throws Exception {
        EchoBackends backends = closer.add(EchoBackends.start(2));
        EchoBackend b1 = backends.get(0);
        EchoBackend b2 = backends.get(1);
        List<Instance> instances = new ArrayList<>();
        for (String id : List.of("lb-a", "lb-b", "lb-c")) {
            instances.add(instance(id, b1));
        }
        Instance a = instances.get(0);
        Instance b = instances.get(1);
        await().atMost(PATIENCE).until(() -> instances.stream().allMatch(i -> Boolean.TRUE.equals(i.admin().status().get("sharedSet"))));
        WsClient client = closer.add(WsClient.start());

        // Every instance holds connections to b1, its only backend yet.
        Map<ClientSocket, String> onB1 = new LinkedHashMap<>();
        for (Instance instance : instances) {
            for (int n = 0; n < CLIENTS_PER_INSTANCE; n++) {
                onB1.put(client.connect(instance.proxy().uri("/chat?from=" + instance.id() + "&n=" + n)), instance.id());
            }
        }
        assertThat(b1.connections()).as("recorded before each 101").hasSize(3 * CLIENTS_PER_INSTANCE);
        // b2 joins through A's admin API, and so joins every instance.
        assertThat(post(a, "/backends", "{\"id\":\"b2\",\"uri\":\"" + b2.uri() + "\"}").statusCode()).isEqualTo(201);
        await().atMost(PATIENCE).until(() -> instances.stream().allMatch(i -> i.pool().get("b2") != null));

        Map<ClientSocket, Long> closedAt = new ConcurrentHashMap<>();
        onB1.keySet().forEach(socket -> socket.closed().thenRun(() -> closedAt.put(socket, System.nanoTime())));
        int upgradesOfB1 = b1.upgrades().size();

        try (LogCapture log = new LogCapture()) {
            long asked = System.nanoTime();
            HttpResponse<String> drained = post(a, "/backends/b1/drain", "{\"window\":\"" + WINDOW.toSeconds() + "s\"}");
            assertThat(drained.statusCode()).as(drained.body()).isEqualTo(202);

            await().atMost(WINDOW.plus(PATIENCE)).until(() -> closedAt.size() == onB1.size());
            long startedOnA = drainingAt.get("lb-a");
            System.out.printf("drain asked of A's admin API; started on A after %.1f ms, on B after %.1f ms more, on C after %.1f ms more%n",
                (startedOnA - asked) / 1e6, (drainingAt.get("lb-b") - startedOnA) / 1e6, (drainingAt.get("lb-c") - startedOnA) / 1e6);
            assertThat(onB1.keySet().stream().map(s -> s.closed().join()).map(CloseStatus::code).distinct()).containsExactly(1012);
            for (Instance instance : instances) {
                List<Long> times = onB1.entrySet().stream().filter(e -> e.getValue().equals(instance.id()))
                    .map(e -> closedAt.get(e.getKey()) - drainingAt.get(instance.id())).sorted().toList();
                System.out.printf("%s: %d closes from %.0f ms to %.0f ms after its drain began%n", instance.id(), times.size(),
                    times.get(0) / 1e6, times.get(times.size() - 1) / 1e6);
                // Not at once: moments drawn at random in the window, which load can delay but not bring forward. Twelve
                // draws within an eighth of the window of each other happen once in about 10^9 runs.
                assertThat(Duration.ofNanos(times.get(times.size() - 1) - times.get(0))).as(instance.id() + ": first to last close")
                    .isGreaterThan(WINDOW.dividedBy(8));
                assertThat(Duration.ofNanos(times.get(times.size() - 1))).as(instance.id() + ": the last close after its drain began")
                    .isLessThan(WINDOW.plusSeconds(3));
            }
            long afterHalf = closedAt.values().stream().filter(t -> t - asked >= WINDOW.toNanos() / 2).count();
            assertThat(afterHalf).as("closes in the second half of the window or later, of 36 (18 expected)").isGreaterThanOrEqualTo(6);

            // None of the three sends b1 a new connection.
            List<ClientSocket> newcomers = new ArrayList<>();
            for (Instance instance : instances) {
                assertThat(instance.pool().get("b1").draining()).as(instance.id()).isTrue();
                for (int n = 0; n < 4; n++) {
                    newcomers.add(client.connect(instance.proxy().uri("/chat?from=" + instance.id() + "&after=drain")));
                }
            }
            for (ClientSocket newcomer : newcomers) {
                assertThat(newcomer.echo("hello")).isEqualTo("hello");
            }
            assertThat(b1.upgrades()).as("upgrades that reached b1").hasSize(upgradesOfB1);
            assertThat(log.lines("INFO", "backend b1 drained over 2s by instance lb-a")).hasSize(2);

            // A resume asked of B's admin API: all three use b1 again.
            assertThat(post(b, "/backends/b1/resume", "").statusCode()).isEqualTo(200);
            await().atMost(PATIENCE).until(() -> instances.stream().noneMatch(i -> i.pool().get("b1").draining()));
            for (Instance instance : instances) {
                for (int n = 0; n < 2; n++) { // round robin over b1 and b2: one of two
                    client.connect(instance.proxy().uri("/chat?from=" + instance.id() + "&after=resume"));
                }
                assertThat(b1.upgrades().stream().filter(u -> u.query().equals("from=" + instance.id() + "&after=resume")))
                    .as("new connections through " + instance.id() + " that reached b1").hasSize(1);
            }
            assertThat(log.lines("INFO", "backend b1 resumed by instance lb-b")).hasSize(2);
        }
        HttpResponse<String> status = http.send(HttpRequest.newBuilder(a.adminUri().resolve("/status")).GET().build(),
            HttpResponse.BodyHandlers.ofString());
        assertThat(status.body()).contains("\"cluster\":{\"instance\":\"lb-a\",\"sharedSet\":true,\"lastVersionApplied\":4");
    }

    private Instance instance(String id, EchoBackend... configured) throws Exception {
        BackendPool pool = BackendPool.of(List.of(configured).stream().map(EchoBackend::backend).toList());
        pool.addListener(new BackendPool.Listener() {
            @Override
            public void onDraining(LiveBackend backend, Duration window, boolean forget) {
                drainingAt.put(id, System.nanoTime());
            }
        });
        WebSocketLoadBalancer balancer = WebSocketLoadBalancer.builder().pool(pool).strategy(BalancingStrategies.roundRobin())
            .timeouts(Balancers.TIMEOUTS).listener(new EventLog()).build();
        LoadBalancerProxy proxy = closer.add(LoadBalancerProxy.handler("/", balancer));
        LettuceLink link = closer.add(LettuceLink.start(REDIS.uri(), Duration.ofMillis(300), Duration.ofMillis(100)));
        ClusterAdmin admin = closer.add(ClusterAdmin.start(link, pool, id, PREFIX));
        return new Instance(id, pool, proxy, admin, adminApi(balancer, admin));
    }

    /** The instance's admin API on a Jetty server of its own, with the cluster's part of the status. */
    private URI adminApi(WebSocketLoadBalancer balancer, ClusterAdmin admin) throws Exception {
        QueuedThreadPool threads = new QueuedThreadPool(16, 2);
        threads.setName("admin");
        Server server = new Server(threads);
        ServerConnector connector = new ServerConnector(server, 1, 1);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        server.setHandler(AdminHandler.builder(balancer).statusSection("cluster", admin::status).build());
        server.start();
        closer.add((AutoCloseable) server::stop);
        return URI.create("http://127.0.0.1:" + connector.getLocalPort());
    }

    private HttpResponse<String> post(Instance instance, String path, String json) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(instance.adminUri().resolve(path)).timeout(Duration.ofSeconds(10))
            .POST(HttpRequest.BodyPublishers.ofString(json)).build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }
}
