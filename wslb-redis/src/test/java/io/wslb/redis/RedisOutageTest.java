package io.wslb.redis;

import static io.wslb.redis.RedisSessionStoreTest.done;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.wslb.jetty.testing.Closer;
import io.wslb.testing.RedisServer;
import io.wslb.testing.RedisServerExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Redis frozen (SIGSTOP), killed, or not there at start, against a real redis-server: lookups complete within their
 * budget, keys seen keep their backend, the outage is logged once and the recovery once, and what was stored during
 * the outage reaches Redis when it returns.
 */
@Timeout(120)
class RedisOutageTest {

    @RegisterExtension
    static final RedisServerExtension REDIS = new RedisServerExtension();

    /** Quick to notice an outage and a return, so that the tests do not wait long. */
    private static final Duration TIMEOUT = Duration.ofMillis(300);
    private static final Duration PROBE = Duration.ofMillis(100);
    private static final Duration BUDGET = Duration.ofMillis(50);
    private static final Duration PATIENCE = Duration.ofSeconds(15);

    private final Closer toClose = new Closer();

    @AfterEach
    void closeAll() throws Exception {
        toClose.close();
    }

    @Test
    void withRedisFrozen_aLookupOfAnUnknownKey_completesAsAMiss_withinTheBudget() throws Exception {
        // A link slow to give up, so that what is measured is the lookup budget, not the degraded link's local answer.
        RedisLink link = link(b -> b.timeout(Duration.ofSeconds(20)).probeInterval(Duration.ofSeconds(20)));
        RedisSessionStore store = store(link, s -> s.lookupBudget(BUDGET).nearCacheTtl(Duration.ZERO));
        done(store.put("known", "chat-1"));

        redis().freeze();
        List<Long> micros = new ArrayList<>();
        List<Optional<String>> answers = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            long start = System.nanoTime();
            answers.add(done(store.get(i % 5 == 0 ? "known" : "unknown-" + i)));
            micros.add((System.nanoTime() - start) / 1_000);
        }
        redis().thaw();

        assertThat(link.state().isUp()).as("the link still up: each lookup waited for Redis").isTrue();
        for (int i = 0; i < 20; i++) {
            assertThat(answers.get(i)).as("lookup " + i).isEqualTo(i % 5 == 0 ? Optional.of("chat-1") : Optional.empty());
        }
        List<Long> sorted = new ArrayList<>(micros);
        Collections.sort(sorted);
        System.out.printf("lookup with Redis frozen, budget %d ms: p50 %d us, max %d us%n", BUDGET.toMillis(), sorted.get(sorted.size() / 2),
            sorted.get(sorted.size() - 1));
        // Not a tight bound: the machine may be loaded; ten budgets still tells a budget from a command timeout.
        assertThat(sorted.get(sorted.size() - 1)).as("slowest lookup, us").isLessThan(BUDGET.toNanos() / 1_000 * 10);
        assertThat(sorted.get(0)).as("fastest lookup, us: it did wait for Redis").isGreaterThanOrEqualTo(BUDGET.toNanos() / 1_000);
    }

    @Test
    void aFrozenRedis_isOneOutage_loggedOnceWhenItStarts_andOnceWhenItEnds_andKeysStoredMeanwhileReachRedis() throws Exception {
        try (LogCapture log = new LogCapture()) {
            RedisLink link = link(b -> b.timeout(TIMEOUT).probeInterval(PROBE));
            List<RedisLink.Status> changes = new CopyOnWriteArrayList<>();
            link.addListener((before, now) -> changes.add(now.status()));
            RedisSessionStore store = store(link, s -> s.lookupBudget(BUDGET).nearCacheTtl(Duration.ZERO));
            done(store.put("before", "chat-1"));

            redis().freeze();
            AtomicInteger handshakes = new AtomicInteger();
            // Handshakes go on through the outage, until the link has failed to reconnect at least once.
            await().atMost(PATIENCE).pollInterval(Duration.ofMillis(20)).until(() -> {
                handshake(store, "during-" + handshakes.getAndIncrement() % 50, "chat-2");
                return String.valueOf(link.state().lastError()).contains("RedisConnectionException");
            });
            assertThat(link.state().isUp()).isFalse();
            assertThat(done(store.get("before"))).as("a key seen before the outage").contains("chat-1");
            assertThat(done(store.get("during-3"))).as("a key stored during the outage").contains("chat-2");
            redis().thaw();

            await().atMost(PATIENCE).until(() -> link.state().isUp());
            int stored = Math.min(50, handshakes.get());
            await().atMost(PATIENCE).untilAsserted(() -> {
                for (int i = 0; i < stored; i++) {
                    assertThat(redis().command("GET", "wslb:session:during-" + i)).as("during-" + i).isEqualTo("wslb1:chat-2");
                }
            });
            assertThat(changes).containsExactly(RedisLink.Status.DEGRADED, RedisLink.Status.UP);
            assertThat(log.lines("WARN", "io.wslb.redis.RedisLink", "stopped answering")).hasSize(1);
            assertThat(log.lines("INFO", "io.wslb.redis.RedisLink", "answers again")).hasSize(1);
            assertThat(log.lines("io.wslb.redis.")).as("everything wslb logged").hasSize(3); // connected, outage, recovery
        }
    }

    @Test
    void aKilledRedis_isOneOutagePerInstance_andKeysSeenDuringItKeepTheirBackend_andReachTheRestartedRedis() throws Exception {
        try (LogCapture log = new LogCapture()) {
            RedisLink linkA = link(b -> b.timeout(TIMEOUT).probeInterval(PROBE));
            RedisLink linkB = link(b -> b.timeout(TIMEOUT).probeInterval(PROBE));
            RedisSessionStore a = store(linkA, s -> s.lookupBudget(BUDGET).nearCacheTtl(Duration.ZERO));
            RedisSessionStore b = store(linkB, s -> s.lookupBudget(BUDGET).nearCacheTtl(Duration.ZERO));
            done(a.put("before", "chat-1"));

            redis().stop();
            // Both links down, and each has failed to reconnect at least once (which must not log again).
            await().atMost(PATIENCE).until(() -> String.valueOf(linkA.state().lastError()).contains("RedisConnectionException")
                && String.valueOf(linkB.state().lastError()).contains("RedisConnectionException"));
            assertThat(linkA.state().isUp() || linkB.state().isUp()).isFalse();

            assertThat(done(a.get("before"))).as("a key A saw before the outage").contains("chat-1");
            done(a.put("during", "chat-2"));
            assertThat(done(a.get("during"))).as("a key A stored during the outage").contains("chat-2");
            assertThat(done(b.get("during"))).as("B cannot know it yet").isEmpty();

            redis().restart(); // empty: persistence is off
            await().atMost(PATIENCE).until(() -> linkA.state().isUp() && linkB.state().isUp());

            await().atMost(PATIENCE).until(() -> "wslb1:chat-2".equals(redis().command("GET", "wslb:session:during")));
            assertThat(done(b.get("during"))).as("B, once A wrote it back").contains("chat-2");
            assertThat(done(a.get("before"))).as("a key the restarted Redis lost, still known to A").contains("chat-1");
            await().atMost(PATIENCE).until(() -> "wslb1:chat-1".equals(redis().command("GET", "wslb:session:before")));
            assertThat(log.lines("WARN", "io.wslb.redis.RedisLink", "stopped answering")).as("one per instance").hasSize(2);
            assertThat(log.lines("INFO", "io.wslb.redis.RedisLink", "answers again")).as("one per instance").hasSize(2);
        }
    }

    @Test
    void aRedisUnreachableAtStart_isLoggedOnce_theStoreServesLocally_andWritesBackWhenRedisAnswers() throws Exception {
        redis().stop();
        try (LogCapture log = new LogCapture()) {
            RedisLink link = RedisLink.builder().uri(REDIS.uri()).timeout(TIMEOUT).probeInterval(PROBE).build();
            toClose.add(link);
            RedisSessionStore store = store(link, s -> s.lookupBudget(BUDGET));

            done(store.put("early", "chat-3"));
            assertThat(done(store.get("early"))).contains("chat-3");
            // Several connection attempts fail meanwhile (one per probe interval), and the link stays degraded.
            await().during(Duration.ofMillis(10 * PROBE.toMillis())).atMost(PATIENCE).until(() -> !link.state().isUp());
            assertThat(link.state().lastError()).contains("RedisConnectionException");

            redis().restart();

            await().atMost(PATIENCE).until(() -> link.state().isUp());
            await().atMost(PATIENCE).until(() -> "wslb1:chat-3".equals(redis().command("GET", "wslb:session:early")));
            assertThat(log.lines("WARN", "io.wslb.redis.RedisLink", "cannot be reached")).hasSize(1);
            assertThat(log.lines("INFO", "io.wslb.redis.RedisLink", "answers again")).hasSize(1);
            assertThat(log.lines("io.wslb.redis.")).as("everything wslb logged").hasSize(2);
        }
    }

    /** What the balancer does per handshake with a key: a lookup, then (once the backend accepted) a put. */
    private static void handshake(RedisSessionStore store, String key, String backend) throws Exception {
        Optional<String> found = done(store.get(key));
        done(store.put(key, found.orElse(backend)));
    }

    private RedisServer redis() {
        return REDIS.server();
    }

    private RedisLink link(UnaryOperator<RedisLink.Builder> settings) {
        RedisLink link = settings.apply(RedisLink.builder().uri(REDIS.uri())).build();
        toClose.add(link);
        await().atMost(PATIENCE).until(() -> link.state().isUp());
        return link;
    }

    private RedisSessionStore store(RedisLink link, UnaryOperator<RedisSessionStore.Builder> settings) {
        RedisSessionStore store = settings.apply(RedisSessionStore.builder(link).ttl(Duration.ofMinutes(5))).build();
        toClose.add(store);
        return store;
    }
}
