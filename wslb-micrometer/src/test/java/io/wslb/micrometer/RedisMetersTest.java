package io.wslb.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.MeterRegistry;
import io.wslb.jetty.testing.Closer;
import io.wslb.jetty.testing.EchoBackend;
import io.wslb.micrometer.testing.Lab;
import io.wslb.redis.RedisLink;
import io.wslb.redis.RedisSessionStore;
import io.wslb.strategies.AffinityResolvers;
import io.wslb.testing.RedisServerExtension;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The Redis session store's lookups and latency, and the link's gauge and outages, against a real redis-server. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RedisMetersTest {

    @RegisterExtension
    static final RedisServerExtension REDIS = new RedisServerExtension();

    private final Closer closer = new Closer();
    private RedisLink link;
    private Lab lab;

    @BeforeEach
    void start() throws Exception {
        EchoBackend a = closer.add(EchoBackend.start("a"));
        EchoBackend b = closer.add(EchoBackend.start("b"));
        link = closer.add(RedisLink.builder().uri(REDIS.uri()).timeout(Duration.ofMillis(500))
            .probeInterval(Duration.ofMillis(100)).build());
        // No near cache: every lookup asks Redis.
        RedisSessionStore store = closer.add(RedisSessionStore.builder(link).ttl(Duration.ofHours(1))
            .keyPrefix("metrics-" + UUID.randomUUID() + ":").nearCacheTtl(Duration.ZERO).lookupBudget(Duration.ofSeconds(1))
            .build());
        lab = closer.add(Lab.start(builder -> builder.backend(a.backend()).backend(b.backend())
            .affinity(AffinityResolvers.queryParameter("room"))
            .sessionStore(store)));
        RedisLinkMetrics.of(link).bindTo(lab.registry());
        await().atMost(Duration.ofSeconds(10)).until(() -> link.state().isUp());
    }

    @AfterEach
    void stop() throws Exception {
        closer.close();
    }

    @Test
    void theRedisStore_countsAMissThenAHit_andTimesTheRoundTrips() throws Exception {
        lab.connect("/?room=green").close();
        await().atMost(Duration.ofSeconds(5))
            .until(() -> lab.timed("wslb.session.store.duration", "operation", "put", "outcome", "success") == 1);
        lab.connect("/?room=green").close();

        assertThat(lab.count("wslb.affinity.lookups", "outcome", "miss")).isEqualTo(1);
        assertThat(lab.count("wslb.affinity.lookups", "outcome", "hit")).isEqualTo(1);
        assertThat(lab.timer("wslb.session.store.duration", "operation", "get", "outcome", "hit").totalTime(TimeUnit.NANOSECONDS))
            .as("a round trip to redis-server").isPositive();
        assertThat(lab.gauge("wslb.redis.link.up")).isEqualTo(1);
    }

    @Test
    void aStoppedRedis_movesTheLinkGaugeToZero_andCountsAnOutage_andBackWhenItReturns() throws Exception {
        MeterRegistry registry = lab.registry();
        assertThat(lab.gauge("wslb.redis.link.up")).isEqualTo(1);
        assertThat(lab.count("wslb.redis.link.outages")).isZero();

        REDIS.server().stop();

        await().atMost(Duration.ofSeconds(10)).until(() -> lab.gauge("wslb.redis.link.up") == 0);
        assertThat(lab.count("wslb.redis.link.outages")).isEqualTo(1);
        lab.connect("/?room=red").close();
        assertThat(lab.count("wslb.handshakes", "outcome", "upgraded")).as("served from local state while Redis is down")
            .isEqualTo(1);
        assertThat(lab.count("wslb.affinity.lookups")).isEqualTo(1);

        REDIS.server().restart();

        await().atMost(Duration.ofSeconds(10)).until(() -> lab.gauge("wslb.redis.link.up") == 1);
        assertThat(registry.get("wslb.redis.link.outages").functionCounter().count()).isEqualTo(1);
    }
}
