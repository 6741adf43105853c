package io.wslb.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.wslb.jetty.testing.Closer;
import io.wslb.jetty.testing.EchoBackends;
import io.wslb.jetty.testing.WsClient;
import io.wslb.strategies.BalancingStrategies;
import io.wslb.testing.RedisServerExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 17's acceptance, shared affinity: three balancer instances on real Jetty servers, each with its own link to one
 * real redis-server, in front of three real echo backends, act as one: a key first served through one instance reaches
 * the same backend through the others. The outages are {@link RedisOutageAcceptanceTest}'s.
 */
@Timeout(120)
class ScaleOutAcceptanceTest {

    @RegisterExtension
    static final RedisServerExtension REDIS = new RedisServerExtension();

    private static final int KEYS = 100;
    private static final Duration PATIENCE = Duration.ofSeconds(15);

    private final Closer closer = new Closer();

    @AfterEach
    void closeAll() throws Exception {
        closer.close();
    }

    @Test
    void sharedAffinity_100KeysFirstServedThroughA_reachTheSameBackendThroughBAndThroughC_100Of100() throws Exception {
        EchoBackends backends = closer.add(EchoBackends.start(3));
        // A random pick, which does not look at the key: only the shared store can send a key back to its backend.
        List<BalancerInstance> instances = new ArrayList<>();
        for (String id : List.of("lb-a", "lb-b", "lb-c")) {
            instances.add(closer.add(BalancerInstance.start(id, REDIS.uri(), "affinity:", backends.members(), BalancingStrategies.random(),
                b -> b, b -> b)));
        }
        BalancerInstance a = instances.get(0);
        BalancerInstance b = instances.get(1);
        BalancerInstance c = instances.get(2);
        WsClient client = closer.add(WsClient.start());

        Map<String, String> throughA = new LinkedHashMap<>();
        for (int i = 0; i < KEYS; i++) {
            String key = "room-" + i;
            throughA.put(key, a.visit(client, backends, key, "a" + i));
        }
        // A records a key after the backend accepted, without holding the handshake for it: a client's next
        // connection, through whichever instance, comes after that write, as it does here.
        await("A's 100 keys in Redis").atMost(PATIENCE).untilAsserted(() -> {
            for (Map.Entry<String, String> placed : throughA.entrySet()) {
                assertThat(REDIS.server().command("GET", "affinity:session:" + placed.getKey())).as(placed.getKey())
                    .isEqualTo("wslb1:" + placed.getValue());
            }
        });
        Map<String, String> throughB = new LinkedHashMap<>();
        Map<String, String> throughC = new LinkedHashMap<>();
        for (int i = 0; i < KEYS; i++) {
            String key = "room-" + i;
            throughB.put(key, b.visit(client, backends, key, "b" + i));
            throughC.put(key, c.visit(client, backends, key, "c" + i));
        }

        Map<String, Integer> spread = new TreeMap<>();
        throughA.values().forEach(backend -> spread.merge(backend, 1, Integer::sum));
        System.out.printf("shared affinity: %d keys through A spread %s; same backend through B %d of %d, through C %d of %d%n", KEYS, spread,
            same(throughA, throughB), KEYS, same(throughA, throughC), KEYS);
        // Three backends each took a fair share through A, so agreeing on 100 keys is the store's doing, not chance.
        assertThat(spread).as("A's random picks").containsOnlyKeys("b1", "b2", "b3").allSatisfy((backend, n) -> assertThat(n).isGreaterThan(10));
        assertThat(throughB).as("through B").isEqualTo(throughA);
        assertThat(throughC).as("through C").isEqualTo(throughA);
        for (BalancerInstance instance : instances) {
            assertThat(instance.events.rejected).as(instance.id + " rejected").isEmpty();
            assertThat(instance.linkChanges).as(instance.id + "'s link: up throughout").isEmpty();
        }
    }

    private static long same(Map<String, String> first, Map<String, String> then) {
        return first.entrySet().stream().filter(e -> e.getValue().equals(then.get(e.getKey()))).count();
    }
}
