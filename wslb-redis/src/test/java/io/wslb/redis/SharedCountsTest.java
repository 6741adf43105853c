package io.wslb.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.wslb.Backend;
import io.wslb.LiveBackend;
import io.wslb.WebSocketLoadBalancer;
import io.wslb.WebSocketLoadBalancerBuilder;
import io.wslb.jetty.testing.Balancers;
import io.wslb.jetty.testing.Closer;
import io.wslb.jetty.testing.EchoBackends;
import io.wslb.jetty.testing.LoadBalancerProxy;
import io.wslb.jetty.testing.WsClient;
import io.wslb.redis.internal.LettuceLink;
import io.wslb.redis.internal.SharedCounts;
import io.wslb.strategies.BalancingStrategies;
import io.wslb.testing.RedisServer;
import io.wslb.testing.RedisServerExtension;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Connection counts shared between balancer instances on real Jetty servers, over one real redis-server: least
 * connections through one instance sees the others' connections, a crashed instance leaves the others' view within
 * its expiry, Redis down means local counts (and nothing else changes), and garbage under the prefix is ignored.
 */
@Timeout(120)
@SuppressWarnings("try") // WsClient.close() may throw InterruptedException, as Jetty's stop() does
class SharedCountsTest {

    @RegisterExtension
    static final RedisServerExtension REDIS = new RedisServerExtension();

    private static final String PREFIX = "wslb:";
    /** Quick to notice an outage and a return, so that the tests do not wait long. */
    private static final Duration TIMEOUT = Duration.ofMillis(300);
    private static final Duration PROBE = Duration.ofMillis(100);
    private static final Duration HEARTBEAT = Duration.ofMillis(200);
    private static final Duration PATIENCE = Duration.ofSeconds(15);

    private final Closer closer = new Closer();

    @BeforeEach
    void emptyRedis() {
        REDIS.server().command("FLUSHALL");
    }

    @AfterEach
    void closeAll() throws Exception {
        closer.close();
    }

    @Test
    void sharedCounts_100PinnedToBackend1ThroughA_then100NewThroughB_allGoToBackend2_whereALocalViewWouldSplitThem() throws Exception {
        EchoBackends backends = closer.add(EchoBackends.start(2));
        Backend b1 = backends.get(0).backend();
        Backend b2 = backends.get(1).backend();
        // A takes both backends, b2 at weight 0 for now: no new connection goes there until it is given a weight.
        WebSocketLoadBalancer a = leastConnections(b1, b2.withWeight(0));
        WebSocketLoadBalancer b = leastConnections(b1, b2);
        WebSocketLoadBalancer local = leastConnections(b1, b2);
        LoadBalancerProxy proxyA = closer.add(LoadBalancerProxy.handler("/", a));
        LoadBalancerProxy proxyB = closer.add(LoadBalancerProxy.handler("/", b));
        LoadBalancerProxy proxyLocal = closer.add(LoadBalancerProxy.handler("/", local));
        SharedCounts countsA = counts(link(), a, "a", HEARTBEAT);
        SharedCounts countsB = counts(link(), b, "b", HEARTBEAT);
        WsClient client = closer.add(WsClient.start());

        for (int i = 0; i < 100; i++) {
            client.connect(proxyA.uri("/chat"));
        }
        assertThat(proxyA.activeConnections()).isEqualTo(Map.of("b1", 100, "b2", 0));
        a.pool().update(b2); // A now balances both, with least connections, as B does
        await("B sees A's 100 connections on b1").atMost(PATIENCE).until(() -> peers(b, "b1") == 100 && peers(b, "b2") == 0);

        // The control: an instance that does not share counts splits new connections evenly, blind to A's.
        try (WsClient control = WsClient.start()) {
            for (int i = 0; i < 100; i++) {
                control.connect(proxyLocal.uri("/chat"));
            }
            assertThat(proxyLocal.activeConnections()).as("a local view alone").isEqualTo(Map.of("b1", 50, "b2", 50));
        }
        proxyLocal.awaitNothingOpen();

        for (int i = 0; i < 100; i++) {
            client.connect(proxyB.uri("/chat"));
        }

        assertThat(proxyB.activeConnections()).as("B, seeing A's").isEqualTo(Map.of("b1", 0, "b2", 100));
        await("A sees B's 100 connections on b2").atMost(PATIENCE).until(() -> peers(a, "b2") == 100 && peers(a, "b1") == 0);
        for (LiveBackend backend : b.pool().backends()) {
            assertThat(backend.clusterConnections()).as(backend.id() + " across the cluster, seen from B").isEqualTo(100);
        }
        Map<String, Object> status = countsB.status();
        assertThat(status).containsEntry("instanceId", "b").containsEntry("shared", true)
            .containsEntry("published", Map.of("b1", 0, "b2", 100)).containsEntry("peerConnections", Map.of("b1", 100, "b2", 0));
        Map<String, Object> instances = map(status.get("instances"));
        assertThat(instances).containsOnlyKeys("a");
        assertThat(map(instances.get("a"))).containsEntry("counts", Map.of("b1", 100, "b2", 0));
        assertThat((Long) map(instances.get("a")).get("lastHeartbeatAgeMs")).isBetween(0L, 3 * HEARTBEAT.toMillis());
        List<Long> trips = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            long before = (Long) countsB.status().get("heartbeats");
            await().atMost(PATIENCE).pollInterval(Duration.ofMillis(5)).until(() -> (Long) countsB.status().get("heartbeats") > before);
            trips.add((Long) countsB.status().get("lastRoundTripMicros"));
        }
        Collections.sort(trips);
        System.out.printf("heartbeat round trip (two pipelined round trips, 1 peer, 200 connections open), 10 of B's: median %d us, max %d us;"
            + " A's last %s us%n", trips.get(trips.size() / 2), trips.get(trips.size() - 1), countsA.status().get("lastRoundTripMicros"));
        assertThat(REDIS.server().command("HGET", PREFIX + "counts:a", "b1")).as("as stored").isEqualTo("100");
    }

    @Test
    void aCrashedInstance_leavesTheOthersView_withinItsExpiryAndOneHeartbeat() throws Exception {
        Duration heartbeat = Duration.ofMillis(500);
        long expiryMillis = SharedCounts.EXPIRY_HEARTBEATS * heartbeat.toMillis();
        EchoBackends backends = closer.add(EchoBackends.start(2));
        WebSocketLoadBalancer a = leastConnections(backends.get(0).backend(), backends.get(1).backend());
        WebSocketLoadBalancer b = leastConnections(backends.get(0).backend(), backends.get(1).backend());
        LoadBalancerProxy proxyA = closer.add(LoadBalancerProxy.handler("/", a));
        LettuceLink linkA = link();
        SharedCounts.start(linkA, a, "a", PREFIX, heartbeat); // never closed: its instance crashes
        SharedCounts countsB = counts(link(), b, "b", heartbeat);
        WsClient client = closer.add(WsClient.start());
        for (int i = 0; i < 10; i++) {
            client.connect(proxyA.uri("/chat"));
        }
        await("B sees A's 10").atMost(PATIENCE).until(() -> peers(b, "b1") + peers(b, "b2") == 10);

        // The crash, as Redis sees one: A's connection goes, its heartbeats stop (they ran on the link's threads), and
        // nothing deletes its entries. A's connections stay up: only what it published must go.
        long crashedAt = System.nanoTime();
        linkA.close();

        long bound = expiryMillis + heartbeat.toMillis();
        await("B no longer counts A").atMost(Duration.ofMillis(bound + 250)).pollInterval(Duration.ofMillis(10))
            .until(() -> peers(b, "b1") + peers(b, "b2") == 0);
        long gone = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - crashedAt);
        System.out.printf("a crashed instance left the others' view after %d ms (expiry %d ms, heartbeat %d ms)%n", gone, expiryMillis,
            heartbeat.toMillis());
        assertThat(gone).as("it expired: nobody deleted it").isGreaterThanOrEqualTo(expiryMillis - heartbeat.toMillis() - 100);
        assertThat(REDIS.server().command("EXISTS", PREFIX + "counts:a")).isEqualTo("0");
        assertThat(proxyA.activeConnections().values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(10);
        assertThat(countsB.status()).containsEntry("shared", true).containsEntry("instances", Map.of());
    }

    @Test
    void close_deletesItsEntries_soACleanStopLeavesTheOthersViewAtOnce() throws Exception {
        EchoBackends backends = closer.add(EchoBackends.start(2));
        WebSocketLoadBalancer a = leastConnections(backends.get(0).backend(), backends.get(1).backend());
        WebSocketLoadBalancer b = leastConnections(backends.get(0).backend(), backends.get(1).backend());
        LoadBalancerProxy proxyA = closer.add(LoadBalancerProxy.handler("/", a));
        WsClient client = closer.add(WsClient.start());
        for (int i = 0; i < 4; i++) {
            client.connect(proxyA.uri("/chat"));
        }
        // A heartbeat of 10 s, so an expiry of 30 s: only the deletion can make A leave B's view within the test.
        SharedCounts countsA = SharedCounts.start(link(), a, "a", PREFIX, Duration.ofSeconds(10));
        counts(link(), b, "b", HEARTBEAT);
        await("B sees A's 4").atMost(PATIENCE).until(() -> peers(b, "b1") + peers(b, "b2") == 4);

        countsA.close();
        countsA.close();

        assertThat(REDIS.server().command("EXISTS", PREFIX + "counts:a")).as("A's hash, once close() returned").isEqualTo("0");
        assertThat(REDIS.server().command("ZSCORE", PREFIX + "instances", "a")).as("A in the set of instances").isNull();
        long closedAt = System.nanoTime();
        await("B's next heartbeat no longer counts A").atMost(Duration.ofSeconds(2)).pollInterval(Duration.ofMillis(10))
            .until(() -> peers(b, "b1") + peers(b, "b2") == 0);
        System.out.printf("a closed instance left the others' view after %d ms (heartbeat %d ms)%n",
            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - closedAt), HEARTBEAT.toMillis());
        assertThat(map(counts(b).status().get("instances"))).isEmpty();
        assertThat(countsA.status()).containsEntry("shared", false);
    }

    @Test
    void aBackendRemovedFromThePool_leavesThePublishedCounts() {
        WebSocketLoadBalancer a = leastConnections(Backend.of("b1", URI.create("ws://127.0.0.1:9")), Backend.of("b2", URI.create("ws://127.0.0.1:9")));
        WebSocketLoadBalancer b = leastConnections(Backend.of("b1", URI.create("ws://127.0.0.1:9")));
        counts(link(), a, "a", HEARTBEAT);
        SharedCounts countsB = counts(link(), b, "b", HEARTBEAT);
        await().atMost(PATIENCE).until(() -> map(countsB.status().get("instances")).containsKey("a"));
        assertThat(map(map(countsB.status().get("instances")).get("a"))).containsEntry("counts", Map.of("b1", 0, "b2", 0));

        a.pool().remove("b2");

        await().atMost(PATIENCE).until(() -> "0".equals(REDIS.server().command("HEXISTS", PREFIX + "counts:a", "b2")));
        await().atMost(PATIENCE).until(() -> map(map(countsB.status().get("instances")).get("a")).get("counts").equals(Map.of("b1", 0)));
    }

    @Test
    void start_andStatus_returnAtOnce_evenWithRedisFrozen() {
        LettuceLink link = link();
        WebSocketLoadBalancer lb = leastConnections(Backend.of("b1", URI.create("ws://127.0.0.1:9")));
        REDIS.server().freeze();

        long started = System.nanoTime();
        SharedCounts counts = counts(link, lb, "a", HEARTBEAT);
        Map<String, Object> status = counts.status();
        long tookMicros = TimeUnit.NANOSECONDS.toMicros(System.nanoTime() - started);

        assertThat(status).containsEntry("shared", false).containsEntry("heartbeats", 0L);
        assertThat(tookMicros).as("start() and status(), us, with Redis frozen").isLessThan(TIMEOUT.toNanos() / 1_000 / 2);
        await("the link gives up").atMost(PATIENCE).until(() -> !link.state().isUp());
        REDIS.server().thaw();
        await("and shares once Redis answers").atMost(PATIENCE).until(() -> counts.status().get("shared").equals(true));
    }

    @Test
    void withRedisFrozen_countsAreLocal_handshakesGoOn_andSharingResumesAfterTheThaw() throws Exception {
        outage(RedisServer::freeze, RedisServer::thaw);
    }

    @Test
    void withRedisKilled_countsAreLocal_handshakesGoOn_andSharingResumesAfterTheRestart() throws Exception {
        outage(RedisServer::stop, RedisServer::restart);
    }

    private void outage(Consumer<RedisServer> outage, Consumer<RedisServer> recovery) throws Exception {
        EchoBackends backends = closer.add(EchoBackends.start(2));
        Backend b1 = backends.get(0).backend();
        Backend b2 = backends.get(1).backend();
        WebSocketLoadBalancer a = leastConnections(b1, b2.withWeight(0));
        WebSocketLoadBalancer b = leastConnections(b1, b2);
        LoadBalancerProxy proxyA = closer.add(LoadBalancerProxy.handler("/", a));
        LoadBalancerProxy proxyB = closer.add(LoadBalancerProxy.handler("/", b));
        LettuceLink linkA = link();
        LettuceLink linkB = link();
        counts(linkA, a, "a", HEARTBEAT);
        SharedCounts countsB = counts(linkB, b, "b", HEARTBEAT);
        WsClient client = closer.add(WsClient.start());
        for (int i = 0; i < 10; i++) {
            client.connect(proxyA.uri("/chat"));
        }
        await("B sees A's 10 on b1").atMost(PATIENCE).until(() -> peers(b, "b1") == 10);

        try (LogCapture log = new LogCapture()) {
            outage.accept(REDIS.server());
            await("B falls back to its local counts").atMost(PATIENCE).until(() -> peers(b, "b1") == 0 && !linkB.state().isUp());
            assertThat(countsB.status()).containsEntry("shared", false).containsEntry("instances", Map.of())
                .containsEntry("peerConnections", Map.of());
            for (int i = 0; i < 10; i++) {
                client.connect(proxyB.uri("/chat"));
            }
            assertThat(proxyB.activeConnections()).as("local least connections").isEqualTo(Map.of("b1", 5, "b2", 5));

            recovery.accept(REDIS.server());
            await("B shares again").atMost(PATIENCE).until(() -> peers(b, "b1") == 10 && linkA.state().isUp() && linkB.state().isUp());
            await("A sees B's 10").atMost(PATIENCE).until(() -> peers(a, "b1") == 5 && peers(a, "b2") == 5);
            assertThat(countsB.status()).containsEntry("shared", true);

            assertThat(log.lines("io.wslb.redis.internal.SharedCounts")).as("what the shared counts logged").isEmpty();
            assertThat(log.lines("WARN", "io.wslb.redis.RedisLink")).as("the outage, once per instance").hasSize(2);
            assertThat(log.lines("INFO", "io.wslb.redis.RedisLink", "answers again")).as("the recovery, once per instance").hasSize(2);
            assertThat(log.lines("Exception").stream().filter(line -> !line.contains("io.wslb.redis.RedisLink")).toList())
                .as("no exception but in the link's outage line").isEmpty();
        }
    }

    @Test
    void garbageInAnotherInstancesEntries_isIgnored_withOneWarningPerKey() throws Exception {
        WebSocketLoadBalancer b = leastConnections(Backend.of("b1", URI.create("ws://127.0.0.1:9")),
            Backend.of("b2", URI.create("ws://127.0.0.1:9")));
        String now = REDIS.server().command("EVAL", "local t = redis.call('TIME') return t[1] * 1000 + math.floor(t[2] / 1000)", "0");
        REDIS.server().command("HSET", PREFIX + "counts:ghost", "b1", "lots", "b2", "7", "b3", "-2", "b4", "99999999999");
        REDIS.server().command("ZADD", PREFIX + "instances", now, "ghost");
        REDIS.server().command("SET", PREFIX + "counts:stringy", "hello");
        REDIS.server().command("ZADD", PREFIX + "instances", now, "stringy");

        try (LogCapture log = new LogCapture()) {
            // A heartbeat of 200 ms, so the planted members (scored now) are not pruned as stale (after 6 s) within the test.
            SharedCounts countsB = counts(link(), b, "b", HEARTBEAT);
            await().atMost(PATIENCE).until(() -> peers(b, "b2") == 7);
            long seen = (Long) countsB.status().get("heartbeats");
            await("three heartbeats more").atMost(PATIENCE).until(() -> (Long) countsB.status().get("heartbeats") >= seen + 3);

            assertThat(peers(b, "b1")).isZero();
            Map<String, Object> status = countsB.status();
            assertThat(status).containsEntry("shared", true).containsEntry("peerConnections", Map.of("b2", 7));
            Map<String, Object> instances = map(status.get("instances"));
            assertThat(instances).as("an instance whose hash is not one is not seen").containsOnlyKeys("ghost");
            assertThat(map(instances.get("ghost"))).containsEntry("counts", Map.of("b2", 7));
            assertThat(log.lines("WARN", "SharedCounts", "counts:ghost")).as("one per key").hasSize(1);
            assertThat(log.lines("WARN", "SharedCounts", "counts:stringy", "not a hash")).hasSize(1);
            assertThat(log.lines("WARN", "io.wslb")).as("nothing else").hasSize(2);
        }
    }

    @Test
    void foreignValuesUnderThisInstancesOwnKeys_areReplaced_withOneWarningEach() throws Exception {
        REDIS.server().command("SET", PREFIX + "instances", "not a set");
        REDIS.server().command("SET", PREFIX + "counts:b", "not a hash");
        WebSocketLoadBalancer b = leastConnections(Backend.of("b1", URI.create("ws://127.0.0.1:9")));

        try (LogCapture log = new LogCapture()) {
            counts(link(), b, "b", Duration.ofMillis(50));
            await().atMost(PATIENCE).until(() -> "0".equals(REDIS.server().command("HGET", PREFIX + "counts:b", "b1"))
                && REDIS.server().command("ZSCORE", PREFIX + "instances", "b") != null);

            assertThat(REDIS.server().command("TYPE", PREFIX + "instances")).isEqualTo("zset");
            assertThat(log.lines("WARN", "SharedCounts", "replacing " + PREFIX + "instances")).hasSize(1);
            assertThat(log.lines("WARN", "SharedCounts", "replacing " + PREFIX + "counts:b")).hasSize(1);
        }
    }

    @Test
    void start_checksItsSettings_namingEachOne() {
        LettuceLink link = link();
        WebSocketLoadBalancer lb = leastConnections(Backend.of("b1", URI.create("ws://127.0.0.1:9")));
        assertThatThrownBy(() -> SharedCounts.start(link, lb, "", PREFIX, HEARTBEAT)).hasMessageContaining("instanceId");
        assertThatThrownBy(() -> SharedCounts.start(link, lb, "has space", PREFIX, HEARTBEAT)).hasMessageContaining("instanceId");
        assertThatThrownBy(() -> SharedCounts.start(link, lb, "x".repeat(129), PREFIX, HEARTBEAT)).hasMessageContaining("instanceId");
        assertThatThrownBy(() -> SharedCounts.start(link, lb, "a", PREFIX, Duration.ofMillis(5))).hasMessageContaining("heartbeat");
        assertThatThrownBy(() -> SharedCounts.start(link, lb, "a", PREFIX, Duration.ofMinutes(11))).hasMessageContaining("heartbeat");
        assertThatThrownBy(() -> SharedCounts.start(link, lb, "a", PREFIX, Duration.ofMillis(-1))).hasMessageContaining("heartbeat");
        assertThatThrownBy(() -> SharedCounts.start(link, lb, "a", null, HEARTBEAT)).hasMessageContaining("keyPrefix");
        assertThatThrownBy(() -> SharedCounts.start(link, lb, null, PREFIX, HEARTBEAT)).hasMessageContaining("instanceId");
        assertThatThrownBy(() -> SharedCounts.start(link, null, "a", PREFIX, HEARTBEAT)).hasMessageContaining("balancer");
        assertThatThrownBy(() -> SharedCounts.start(null, lb, "a", PREFIX, null)).hasMessageContaining("link");
    }

    private final Map<WebSocketLoadBalancer, SharedCounts> started = new IdentityHashMap<>();

    private SharedCounts counts(LettuceLink link, WebSocketLoadBalancer lb, String id, Duration heartbeat) {
        SharedCounts counts = closer.add(SharedCounts.start(link, lb, id, PREFIX, heartbeat));
        started.put(lb, counts);
        return counts;
    }

    private SharedCounts counts(WebSocketLoadBalancer lb) {
        return started.get(lb);
    }

    private LettuceLink link() {
        RedisLink link = closer.add(RedisLink.builder().uri(REDIS.uri()).timeout(TIMEOUT).probeInterval(PROBE).build());
        await().atMost(PATIENCE).until(() -> link.state().isUp());
        return (LettuceLink) link;
    }

    private static WebSocketLoadBalancer leastConnections(Backend... backends) {
        WebSocketLoadBalancerBuilder builder = WebSocketLoadBalancer.builder().strategy(BalancingStrategies.leastConnections())
            .timeouts(Balancers.TIMEOUTS);
        for (Backend backend : backends) {
            builder.backend(backend);
        }
        return builder.build();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object value) {
        return (Map<String, Object>) value;
    }

    private static int peers(WebSocketLoadBalancer lb, String backendId) {
        LiveBackend backend = lb.pool().get(backendId);
        return backend == null ? -1 : backend.peerConnections();
    }
}
