package io.wslb.jetty.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.wslb.AdmissionLimits;
import io.wslb.Backend;
import io.wslb.OutlierDetection;
import io.wslb.WebSocketLoadBalancer;
import io.wslb.jetty.AdminHandler;
import io.wslb.jetty.testing.Balancers;
import io.wslb.jetty.testing.ClientSocket;
import io.wslb.jetty.testing.Closer;
import io.wslb.jetty.testing.EchoBackend;
import io.wslb.jetty.testing.EchoBackends;
import io.wslb.jetty.testing.EventLog;
import io.wslb.jetty.testing.LoadBalancerProxy;
import io.wslb.jetty.testing.Ports;
import io.wslb.jetty.testing.WsClient;
import io.wslb.spi.LoadBalancerRuntime;
import java.math.BigDecimal;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The admin API against a real balancer: a proxy in front of two echo backends, steered over HTTP through an
 * {@link AdminHandler} on its own server, with WebSocket clients holding connections through the proxy.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AdminEndpointsTest {

    private final Closer closer = new Closer();
    private final EventLog events = new EventLog();
    private EchoBackends backends;
    private EchoBackend b1;
    private EchoBackend b2;
    private LoadBalancerProxy proxy;
    private WsClient client;
    private AdminServer admin;

    @AfterEach
    void stop() throws Exception {
        closer.close();
    }

    /** Starts b1 and b2, a proxy with {@code inPool} of them, a client, and the admin server. */
    private void start(int inPool, UnaryOperator<AdminHandler.Builder> config) throws Exception {
        backends = closer.add(EchoBackends.start(2));
        b1 = backends.get(0);
        b2 = backends.get(1);
        WebSocketLoadBalancer balancer = Balancers.roundRobin(events, backends.members().subList(0, inPool))
            .admissionLimits(AdmissionLimits.unlimited().withMaxConnections(100)).build();
        proxy = closer.add(LoadBalancerProxy.handler("/", balancer));
        client = closer.add(WsClient.start());
        admin = closer.add(AdminServer.start(balancer, config));
    }

    private List<ClientSocket> connect(int count) throws Exception {
        List<ClientSocket> sockets = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            sockets.add(client.connect(proxy.uri("/chat")));
        }
        return sockets;
    }

    private static BigDecimal n(long value) {
        return BigDecimal.valueOf(value);
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> list(Object value) {
        return (List<Map<String, Object>>) value;
    }

    @Test
    void status_listsEveryBackendWithItsStateAndCounts() throws Exception {
        start(2, b -> b);
        connect(3);
        proxy.balancer().pool().markUnhealthy("b2");
        Map<String, Integer> active = proxy.activeConnections();

        AdminServer.Answer status = admin.get("/status");

        assertThat(status.status()).isEqualTo(200);
        assertThat(status.header("Content-Type")).isEqualTo("application/json; charset=utf-8");
        Map<String, Object> json = status.json();
        assertThat(json).containsEntry("panic", false).containsEntry("openConnections", n(3))
            .containsEntry("maxConnections", n(100)).containsEntry("pendingHandshakes", n(0));
        List<Map<String, Object>> listed = list(json.get("backends"));
        assertThat(listed).extracting(b -> b.get("id")).containsExactly("b1", "b2");
        for (Map<String, Object> backend : listed) {
            EchoBackend echo = backend.get("id").equals("b1") ? b1 : b2;
            assertThat(backend)
                .containsEntry("state", echo == b1 ? "healthy" : "unhealthy")
                .containsEntry("uri", echo.uri().toString())
                .containsEntry("weight", n(1))
                .containsEntry("effectiveWeight", n(echo == b1 ? 1 : 0))
                .containsEntry("maxConnections", n(0))
                .containsEntry("backup", false)
                .containsEntry("health", echo == b1 ? "HEALTHY" : "UNHEALTHY")
                .containsEntry("draining", false)
                .containsEntry("full", false)
                .containsEntry("activeConnections", n(active.get(echo.name())))
                .containsEntry("totalConnections", n(echo.connections().size()))
                .containsEntry("failedAttempts", n(0));
        }
        assertThat(active.values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(3);
        assertThat(list(listed.get(1).get("history"))).singleElement()
            .satisfies(entry -> assertThat(entry).containsEntry("event", "HEALTH").containsEntry("health", "UNHEALTHY")
                .containsEntry("previous", "HEALTHY"));

        proxy.balancer().pool().markUnhealthy("b1");
        assertThat(admin.get("/status").json()).as("no healthy backend left: panic mode").containsEntry("panic", true);
        assertThat(admin.get("/backends/b1").json()).containsEntry("id", "b1").containsEntry("health", "UNHEALTHY");
    }

    @Test
    void status_namesEachBackendsStateInOneWord_withItsEffectiveWeightAndFailedAttempts() throws Exception {
        backends = closer.add(EchoBackends.start(2));
        URI closed = URI.create("ws://127.0.0.1:" + Ports.closedPort());
        WebSocketLoadBalancer balancer = Balancers.roundRobin(events,
                new Backend("ok", backends.get(0).uri(), 2, Map.of(), 0, false),
                new Backend("capped", backends.get(1).uri(), 1, Map.of(), 1, false),
                Backend.of("dead", closed), Backend.of("down", closed), Backend.of("out", closed),
                new Backend("spare", closed, 1, Map.of(), 0, true))
            .outlierDetection(OutlierDetection.of(1, Duration.ofMinutes(5), Duration.ofMinutes(5), 1.0))
            .build();
        proxy = closer.add(LoadBalancerProxy.handler("/", balancer));
        client = closer.add(WsClient.start());
        admin = closer.add(AdminServer.start(balancer, b -> b));
        balancer.pool().markUnhealthy("down");
        assertThat(admin.post("/backends/out/drain", "{\"window\":\"0s\"}").status()).isEqualTo(202);
        // Round robin over ok, capped and dead: a few connections fill "capped" and fail once on "dead", which
        // one failure ejects; every client still gets through, retried on another backend.
        for (int i = 0; i < 10 && !(balancer.pool().get("capped").full() && balancer.pool().get("dead").failedAttempts() > 0); i++) {
            client.connect(proxy.uri("/chat"));
        }

        Map<String, Map<String, Object>> byId = new HashMap<>();
        for (Map<String, Object> backend : list(admin.get("/status").json().get("backends"))) {
            byId.put((String) backend.get("id"), backend);
        }

        assertThat(byId).extractingByKeys("ok", "capped", "dead", "down", "out", "spare").extracting(b -> b.get("state"))
            .containsExactly("healthy", "full", "ejected", "unhealthy", "draining", "standby");
        assertThat(byId).extractingByKeys("ok", "capped", "dead", "down", "out", "spare")
            .extracting(b -> b.get("effectiveWeight")).as("0 for every backend that takes no new connection")
            .containsExactly(n(2), n(1), n(0), n(0), n(0), n(0));
        assertThat(byId.get("dead")).containsEntry("failedAttempts", n(1)).containsEntry("totalConnections", n(1));
        assertThat(byId.get("ok")).containsEntry("failedAttempts", n(0));
        assertThat(admin.post("/backends/spare/remove", "{}").json()).as("the answer to a removal")
            .containsEntry("state", "removed");
    }

    @Test
    void effectiveWeight_followsTheSlowStartRamp_roundedToTwoDecimals() throws Exception {
        backends = closer.add(EchoBackends.start(2));
        WebSocketLoadBalancer balancer = Balancers.roundRobin(events,
                new Backend("a", backends.get(0).uri(), 7, Map.of(), 0, false), Backend.of("b", backends.get(1).uri()))
            .slowStart(Duration.ofHours(1)).build();
        admin = closer.add(AdminServer.start(balancer, b -> b));
        admin.post("/backends/a/drain", "{}");

        admin.post("/backends/a/resume", "{}"); // a resumed backend ramps up again from 10 % of its weight

        BigDecimal effective = (BigDecimal) admin.get("/backends/a").json().get("effectiveWeight");
        assertThat(effective).isBetween(new BigDecimal("0.7"), new BigDecimal("1.4"));
        assertThat(effective.scale()).isBetween(1, 2);
        assertThat(admin.get("/backends/a").json()).containsEntry("weight", n(7)).containsEntry("state", "healthy");
    }

    @Test
    void statusSections_appearInTheStatus_producedAtEachRequest_andABrokenOneDoesNotTakeTheStatusDown() throws Exception {
        AtomicInteger asked = new AtomicInteger();
        start(2, b -> b.statusSection("redis", () -> Map.of("state", "UP", "asked", asked.incrementAndGet()))
            .statusSection("broken", () -> {
                throw new IllegalStateException("a section's bug");
            }));
        LoadBalancerRuntime.of(proxy.balancer()).peerConnections(Map.of("b2", 7));

        Map<String, Object> first = admin.get("/status").json();
        Map<String, Object> second = admin.get("/status").json();

        assertThat(first.get("redis")).isEqualTo(Map.of("state", "UP", "asked", n(1)));
        assertThat(second.get("redis")).isEqualTo(Map.of("state", "UP", "asked", n(2)));
        assertThat(second.get("broken")).isEqualTo(Map.of("error", "java.lang.IllegalStateException: a section's bug"));
        assertThat(list(second.get("backends"))).extracting(b -> b.get("peerConnections")).containsExactly(n(0), n(7));
    }

    @Test
    void aStatusSectionNamedLikeAStatusField_isRefusedNamingIt() {
        WebSocketLoadBalancer balancer = Balancers.roundRobin(events, Backend.of("a", URI.create("ws://127.0.0.1:1"))).build();
        AdminHandler.Builder builder = AdminHandler.builder(balancer).statusSection("redis", Map::of);

        assertThatThrownBy(() -> builder.statusSection("backends", Map::of)).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("'backends'");
        assertThatThrownBy(() -> builder.statusSection("redis", Map::of)).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("'redis'");
    }

    @Test
    void addingABackend_makesItTakeNewConnections() throws Exception {
        start(1, b -> b);
        String body = "{\"id\":\"b2\",\"uri\":\"" + b2.uri() + "\",\"weight\":2,\"maxConnections\":100,\"backup\":false}";

        AdminServer.Answer added = admin.post("/backends", body);

        assertThat(added.status()).isEqualTo(201);
        assertThat(added.header("Location")).isEqualTo("backends/b2");
        assertThat(added.json()).containsEntry("id", "b2").containsEntry("uri", b2.uri().toString())
            .containsEntry("weight", n(2)).containsEntry("maxConnections", n(100)).containsEntry("backup", false)
            .containsEntry("health", "HEALTHY").containsEntry("activeConnections", n(0));
        for (ClientSocket socket : connect(6)) {
            assertThat(socket.echo("hi")).isEqualTo("hi");
        }
        assertThat(b2.connections()).isNotEmpty();
        assertThat(admin.get("/backends/b2").json().get("activeConnections")).isEqualTo(n(b2.openConnections().size()));
        assertThat(admin.post("/backends", body).status()).as("the same id again").isEqualTo(409);
    }

    @Test
    void addingABackendWithOnlyAUri_namesItLikeBackendOf() throws Exception {
        start(1, b -> b);

        AdminServer.Answer added = admin.post("/backends", "{\"uri\":\"" + b2.uri() + "/base\"}");

        assertThat(added.status()).isEqualTo(201);
        assertThat(added.json()).containsEntry("id", "127.0.0.1:" + b2.port()).containsEntry("weight", n(1))
            .containsEntry("maxConnections", n(0)).containsEntry("backup", false);
        assertThat(proxy.balancer().pool().get("127.0.0.1:" + b2.port()).backend().uri().getPath()).isEqualTo("/base");
    }

    @Test
    void reweighting_keepsOpenConnectionsOpen() throws Exception {
        start(2, b -> b);
        List<ClientSocket> open = connect(4);
        int upgradesOnB1 = b1.upgrades().size();

        AdminServer.Answer reweighted = admin.post("/backends/b1/weight", "{\"weight\":0}");

        assertThat(reweighted.status()).isEqualTo(200);
        assertThat(reweighted.json()).containsEntry("id", "b1").containsEntry("weight", n(0));
        assertThat(proxy.balancer().pool().get("b1").weight()).isZero();
        for (ClientSocket socket : open) {
            assertThat(socket.echo("still open")).isEqualTo("still open");
        }
        connect(4);
        assertThat(b1.upgrades()).as("weight 0: no new connection for b1").hasSize(upgradesOnB1);
        assertThat(admin.post("/backends/b1/weight", "{\"weight\":3}").json()).containsEntry("weight", n(3));
    }

    @Test
    void drain_closesTheBackendsConnectionsWith1012() throws Exception {
        start(2, b -> b);
        List<ClientSocket> open = connect(4);
        int onB1 = proxy.activeConnections().get("b1");

        AdminServer.Answer drained = admin.post("/backends/b1/drain", "{\"window\":\"0s\"}");

        assertThat(drained.status()).isEqualTo(202);
        assertThat(drained.json()).containsEntry("id", "b1").containsEntry("draining", true);
        await().atMost(Duration.ofSeconds(5)).until(() -> open.stream().filter(s -> s.closed().isDone()).count() == onB1);
        for (ClientSocket socket : open) {
            if (socket.closed().isDone()) {
                assertThat(socket.closed().join().code()).isEqualTo(1012);
            } else {
                assertThat(socket.echo("b2 is fine")).isEqualTo("b2 is fine");
            }
        }
        int upgradesOnB1 = b1.upgrades().size();
        connect(2);
        assertThat(b1.upgrades()).as("a draining backend takes no new connection").hasSize(upgradesOnB1);
        assertThat(list(admin.get("/backends/b1").json().get("history"))).singleElement()
            .satisfies(entry -> assertThat(entry).containsEntry("event", "DRAINING").containsEntry("window", "PT0S"));

        AdminServer.Answer resumed = admin.post("/backends/b1/resume", "");

        assertThat(resumed.status()).isEqualTo(200);
        assertThat(resumed.json()).containsEntry("draining", false);
        connect(4);
        assertThat(b1.upgrades()).as("resumed: b1 takes connections again").hasSizeGreaterThan(upgradesOnB1);
    }

    @Test
    void drain_acceptsAWindowInEveryForm_andDefaultsToZero() throws Exception {
        start(2, b -> b);
        for (String body : List.of("", "{}", "{\"window\":\"500ms\"}", "{\"window\":\"30s\"}", "{\"window\":\"5m\"}",
                "{\"window\":\"2h\"}", "{\"window\":\"PT30S\"}", "{\"window\":null}")) {
            assertThat(admin.post("/backends/b2/drain", body).status()).as(body).isEqualTo(202);
            assertThat(admin.post("/backends/b2/resume", "{}").status()).isEqualTo(200);
        }
        assertThat(list(admin.get("/backends/b2").json().get("history"))).extracting(e -> e.get("window"))
            .containsExactly("PT0S", "PT0S", "PT0.5S", "PT30S", "PT5M", "PT2H", "PT30S", "PT0S");
    }

    @Test
    void remove_drainsTheBackendWith1012_andForgetsIt() throws Exception {
        start(2, b -> b);
        List<ClientSocket> open = connect(2);

        AdminServer.Answer removed = admin.post("/backends/b1/remove", "{\"window\":\"0s\"}");

        assertThat(removed.status()).isEqualTo(202);
        assertThat(admin.get("/backends/b1").status()).isEqualTo(404);
        assertThat(list(admin.get("/status").json().get("backends"))).extracting(b -> b.get("id")).containsExactly("b2");
        await().atMost(Duration.ofSeconds(5)).until(() -> open.stream().anyMatch(s -> s.closed().isDone()));
        assertThat(open).filteredOn(s -> s.closed().isDone()).singleElement()
            .satisfies(s -> assertThat(s.closed().join().code()).isEqualTo(1012));
    }

    @Test
    void healthOverride_takesTheBackendOutAndBringsItBack() throws Exception {
        start(2, b -> b);

        AdminServer.Answer down = admin.post("/backends/b1/health", "{\"healthy\":false}");

        assertThat(down.status()).isEqualTo(200);
        assertThat(down.json()).containsEntry("health", "UNHEALTHY");
        int upgradesOnB1 = b1.upgrades().size();
        connect(3);
        assertThat(b1.upgrades()).hasSize(upgradesOnB1);

        AdminServer.Answer up = admin.post("/backends/b1/health", "{\"healthy\":true}");

        assertThat(up.json()).containsEntry("health", "HEALTHY");
        connect(3);
        assertThat(b1.upgrades()).hasSizeGreaterThan(upgradesOnB1);
    }

    @Test
    void history_recordsHealthChangesWithTimestamps() throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-11-24T01:02:03Z"));
        start(2, b -> b.clock(clock));

        admin.post("/backends/b1/health", "{\"healthy\":false}");
        clock.set(Instant.parse("2026-11-24T01:02:04.5Z"));
        proxy.balancer().pool().markHealthy("b1"); // a change the API did not make is recorded as well
        clock.set(Instant.parse("2026-11-24T01:03:00.123456Z"));
        admin.post("/backends/b1/drain", "{\"window\":\"30s\"}");

        List<Map<String, Object>> history = list(admin.get("/backends/b1").json().get("history"));
        assertThat(history).containsExactly(
            Map.of("at", "2026-11-24T01:02:03.000Z", "event", "HEALTH", "health", "UNHEALTHY", "previous", "HEALTHY"),
            Map.of("at", "2026-11-24T01:02:04.500Z", "event", "HEALTH", "health", "HEALTHY", "previous", "UNHEALTHY"),
            Map.of("at", "2026-11-24T01:03:00.123Z", "event", "DRAINING", "health", "HEALTHY", "window", "PT30S"));
        assertThat(list(admin.get("/backends/b2").json().get("history"))).isEmpty();
    }

    @Test
    void history_keepsTheLastHistorySizeEntries_andStopsWithTheHandler() throws Exception {
        start(2, b -> b.historySize(2));
        proxy.balancer().pool().markUnhealthy("b1");
        proxy.balancer().pool().markHealthy("b1");
        proxy.balancer().pool().markUnhealthy("b1");

        assertThat(list(admin.get("/backends/b1").json().get("history"))).extracting(e -> e.get("health"))
            .containsExactly("HEALTHY", "UNHEALTHY");

        admin.server().stop();
        proxy.balancer().pool().markHealthy("b1"); // must not reach the stopped handler's listener
        admin.server().start();
        proxy.balancer().pool().markUnhealthy("b1");
        assertThat(list(admin.get("/backends/b1").json().get("history"))).extracting(e -> e.get("health"))
            .containsExactly("UNHEALTHY");
    }

    @Test
    void paths_areRelativeToWhereTheHandlerIsMounted() throws Exception {
        start(2, b -> b);
        AdminServer mounted = closer.add(AdminServer.start(proxy.balancer(), b -> b, "/admin"));

        assertThat(mounted.get("/status").status()).isEqualTo(200);
        assertThat(mounted.get("/backends/b2").json()).containsEntry("id", "b2");
        AdminServer.Answer added = mounted.post("/backends", "{\"id\":\"b3\",\"uri\":\"ws://127.0.0.1:1\"}");
        assertThat(added.status()).isEqualTo(201);
        assertThat(added.response().uri().resolve(added.header("Location")).getPath()).isEqualTo("/admin/backends/b3");
    }
}
