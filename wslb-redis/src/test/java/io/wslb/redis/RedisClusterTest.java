package io.wslb.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.wslb.LiveBackend;
import io.wslb.jetty.testing.ClientSocket;
import io.wslb.jetty.testing.Closer;
import io.wslb.jetty.testing.EchoBackends;
import io.wslb.jetty.testing.WsClient;
import io.wslb.strategies.BalancingStrategies;
import io.wslb.testing.RedisServerExtension;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link RedisCluster} as the launcher uses it, over real Jetty servers and one real redis-server: its status shows the
 * link's state, this instance's id and the other instances it sees with their counts; {@link RedisCluster#close()}
 * takes this instance's counts out of the others' view at once, not after their expiry.
 */
@Timeout(120)
@SuppressWarnings("try") // WsClient.close() may throw InterruptedException, as Jetty's stop() does
class RedisClusterTest {

    @RegisterExtension
    static final RedisServerExtension REDIS = new RedisServerExtension();

    private static final Duration PATIENCE = Duration.ofSeconds(15);
    /** Quick to notice an outage and a return, so that the test does not wait long. */
    private static final UnaryOperator<RedisLink.Builder> QUICK_LINK = b -> b.timeout(Duration.ofMillis(300)).probeInterval(Duration.ofMillis(100));

    private final Closer closer = new Closer();

    @AfterEach
    void closeAll() throws Exception {
        closer.close();
    }

    @Test
    void status_showsTheLinkState_thisInstancesId_andTheOtherInstancesSeenWithTheirCounts_upAndDegraded() throws Exception {
        EchoBackends backends = closer.add(EchoBackends.start(2));
        List<BalancerInstance> instances = new ArrayList<>();
        for (String id : List.of("lb-a", "lb-b", "lb-c")) {
            instances.add(closer.add(BalancerInstance.start(id, REDIS.uri(), "status:", backends.members(), BalancingStrategies.leastConnections(),
                QUICK_LINK, c -> c.heartbeat(Duration.ofMillis(200)))));
        }
        BalancerInstance a = instances.get(0);
        BalancerInstance b = instances.get(1);
        WsClient client = closer.add(WsClient.start());
        client.connect(a.uri("k1", "s1"));
        client.connect(a.uri("k2", "s2"));

        await("B sees A's 2 connections and C").atMost(PATIENCE).untilAsserted(() -> {
            Map<String, Object> seen = map(map(b.cluster.status().get("counts")).get("instances"));
            assertThat(seen).containsOnlyKeys("lb-a", "lb-c");
            assertThat(sum(map(map(seen.get("lb-a")).get("counts")))).isEqualTo(2);
            assertThat(sum(map(map(seen.get("lb-c")).get("counts")))).isZero();
        });
        Map<String, Object> up = b.cluster.status();
        System.out.println("B's status, Redis up: " + up);
        assertThat(up).containsEntry("state", "UP").containsEntry("instanceId", "lb-b").containsEntry("uri", REDIS.uri().toString());
        assertThat(Instant.parse((String) up.get("since"))).isBeforeOrEqualTo(Instant.now());
        assertThat(map(up.get("counts"))).containsEntry("shared", true);
        assertThat(b.cluster.instanceId()).isEqualTo("lb-b");

        REDIS.server().stop();
        await("B degraded").atMost(PATIENCE).until(() -> "DEGRADED".equals(b.cluster.status().get("state")));
        Map<String, Object> down = b.cluster.status();
        System.out.println("B's status, Redis down: " + down);
        assertThat(down).containsEntry("instanceId", "lb-b");
        assertThat((String) down.get("lastError")).as("why").isNotBlank();
        assertThat(Instant.parse((String) down.get("since"))).as("degraded since").isAfter(Instant.parse((String) up.get("since")));
        assertThat(map(down.get("counts"))).as("local counts only").containsEntry("shared", false);

        REDIS.server().restart();
        await("B up again, seeing the others again").atMost(PATIENCE).untilAsserted(() -> {
            Map<String, Object> again = b.cluster.status();
            assertThat(again).containsEntry("state", "UP");
            assertThat(map(map(again.get("counts")).get("instances"))).containsOnlyKeys("lb-a", "lb-c");
        });
    }

    @Test
    void status_beforeJoin_showsTheLinkWithoutAnInstance() {
        RedisLink link = closer.add(RedisLink.connect(REDIS.uri()));
        RedisCluster cluster = closer.add(RedisCluster.builder(link).build());
        await().atMost(PATIENCE).until(() -> link.state().isUp());

        Map<String, Object> status = cluster.status();
        assertThat(status).containsEntry("state", "UP").containsEntry("uri", REDIS.uri().toString()).containsEntry("instanceId", null)
            .doesNotContainKey("counts");
        assertThat(cluster.instanceId()).isNull();
    }

    @Test
    void close_takesThisInstancesCountsOutOfTheOthersView_atOnce_notAfterTheirExpiry() throws Exception {
        EchoBackends backends = closer.add(EchoBackends.start(2));
        // A publishes every 2 s, so its counts would stay 6 s after its last heartbeat; B reads every 100 ms.
        Duration heartbeatA = Duration.ofSeconds(2);
        BalancerInstance a = closer.add(BalancerInstance.start("lb-a", REDIS.uri(), "close:", backends.members(),
            BalancingStrategies.leastConnections(), QUICK_LINK, c -> c.heartbeat(heartbeatA)));
        BalancerInstance b = closer.add(BalancerInstance.start("lb-b", REDIS.uri(), "close:", backends.members(),
            BalancingStrategies.leastConnections(), QUICK_LINK, c -> c.heartbeat(Duration.ofMillis(100))));
        WsClient client = closer.add(WsClient.start());
        List<ClientSocket> open = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            open.add(client.connect(a.uri("k" + i, "c" + i)));
        }
        await("B sees A's 4").atMost(PATIENCE).until(() -> peerConnections(b) == 4);

        long closing = System.nanoTime();
        a.cluster.close();
        long closed = System.nanoTime();
        await("A's counts out of B's view").atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(5)).until(() -> peerConnections(b) == 0);
        long gone = System.nanoTime();
        System.out.printf("A's close() took %d ms; its 4 connections left B's view %d ms after it returned (B's heartbeat 100 ms; A's"
            + " counts would have expired %d ms after its last heartbeat)%n", TimeUnit.NANOSECONDS.toMillis(closed - closing),
            TimeUnit.NANOSECONDS.toMillis(gone - closed), 3 * heartbeatA.toMillis());
        assertThat(map(map(b.cluster.status().get("counts")).get("instances"))).as("the instances B sees").doesNotContainKey("lb-a");
        assertThat(open).as("A's clients, still connected: it is the close that took the counts away").allMatch(s -> s.session().isOpen());
        assertThat(a.proxy.activeConnections().values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(4);
    }

    private static int peerConnections(BalancerInstance instance) {
        return instance.balancer.pool().backends().stream().mapToInt(LiveBackend::peerConnections).sum();
    }

    private static int sum(Map<String, Object> counts) {
        return counts.values().stream().mapToInt(v -> ((Number) v).intValue()).sum();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object value) {
        return (Map<String, Object>) value;
    }
}
