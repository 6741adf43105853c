package io.wslb.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.wslb.SessionStore;
import io.wslb.jetty.testing.Closer;
import io.wslb.jetty.testing.EchoBackend;
import io.wslb.micrometer.testing.Lab;
import io.wslb.strategies.AffinityResolvers;
import io.wslb.strategies.SessionStores;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Affinity lookups (hit, miss, error) and the session store's latency, with the in-memory store. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class AffinityMetersTest {

    private final Closer closer = new Closer();

    @AfterEach
    void stop() throws Exception {
        closer.close();
    }

    @Test
    void theInMemoryStore_countsAMissThenAHit_andTimesItsGetsAndPuts() throws Exception {
        EchoBackend a = closer.add(EchoBackend.start("a"));
        EchoBackend b = closer.add(EchoBackend.start("b"));
        Lab lab = closer.add(Lab.start(builder -> builder.backend(a.backend()).backend(b.backend())
            .affinity(AffinityResolvers.queryParameter("room"))
            .sessionStore(SessionStores.inMemory(Duration.ofHours(1)))));

        lab.connect("/?room=blue").close();
        await().atMost(Duration.ofSeconds(5))
            .until(() -> lab.timed("wslb.session.store.duration", "operation", "put", "outcome", "success") == 1);
        lab.connect("/?room=blue").close();

        assertThat(lab.count("wslb.affinity.lookups", "outcome", "miss")).isEqualTo(1);
        assertThat(lab.count("wslb.affinity.lookups", "outcome", "hit")).isEqualTo(1);
        assertThat(lab.count("wslb.affinity.lookups", "outcome", "error")).isZero();
        assertThat(lab.timer("wslb.session.store.duration", "operation", "get", "outcome", "miss").count()).isEqualTo(1);
        assertThat(lab.timer("wslb.session.store.duration", "operation", "get", "outcome", "hit").count()).isEqualTo(1);
        await().atMost(Duration.ofSeconds(5))
            .until(() -> lab.timed("wslb.session.store.duration", "operation", "put", "outcome", "success") == 2);
        assertThat(lab.timer("wslb.session.store.duration", "operation", "put", "outcome", "success")
            .totalTime(TimeUnit.NANOSECONDS)).isPositive();
    }

    @Test
    void aStoreThatFails_countsLookupErrorsAndFailedPuts_whileClientsAreStillServed() throws Exception {
        EchoBackend a = closer.add(EchoBackend.start("a"));
        Lab lab = closer.add(Lab.start(builder -> builder.backend(a.backend())
            .affinity(AffinityResolvers.queryParameter("room"))
            .sessionStore(new BrokenStore())));

        lab.connect("/?room=blue").close();

        assertThat(lab.count("wslb.affinity.lookups", "outcome", "error")).isEqualTo(1);
        assertThat(lab.timer("wslb.session.store.duration", "operation", "get", "outcome", "error").count()).isEqualTo(1);
        await().atMost(Duration.ofSeconds(5))
            .until(() -> lab.timed("wslb.session.store.duration", "operation", "put", "outcome", "error") == 1);
        assertThat(lab.count("wslb.handshakes", "outcome", "upgraded")).isEqualTo(1);
    }

    /** A session store whose backing service is down: every call fails. */
    private static final class BrokenStore implements SessionStore {
        @Override
        public CompletionStage<Optional<String>> get(String key) {
            return CompletableFuture.failedFuture(new IOException("store unreachable"));
        }

        @Override
        public CompletionStage<Void> put(String key, String backendId) {
            return CompletableFuture.failedFuture(new IOException("store unreachable"));
        }

        @Override
        public CompletionStage<Void> remove(String key) {
            return CompletableFuture.failedFuture(new IOException("store unreachable"));
        }
    }
}
