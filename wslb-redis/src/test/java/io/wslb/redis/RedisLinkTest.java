package io.wslb.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.wslb.testing.RedisServerExtension;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The link's life against a real redis-server: connecting in the background, its state, listeners, closing. */
@Timeout(60)
class RedisLinkTest {

    @RegisterExtension
    static final RedisServerExtension REDIS = new RedisServerExtension();

    @Test
    void build_returnsAtOnce_degradedUntilConnected_thenUp_andTellsItsListeners() {
        Instant before = Instant.now();
        try (RedisLink link = RedisLink.connect(REDIS.uri())) {
            List<String> told = new CopyOnWriteArrayList<>();
            link.addListener((previous, current) -> told.add(previous.status() + "->" + current.status()));
            // No assertion on the first state: the connection may already be made, on the link's threads.

            await().atMost(Duration.ofSeconds(10)).until(() -> link.state().isUp());

            assertThat(link.state().since()).isAfterOrEqualTo(before.minusSeconds(1));
            assertThat(link.uri()).isEqualTo(REDIS.uri());
            assertThat(told).isIn(List.of("DEGRADED->UP"), List.of());
        }
    }

    @Test
    void aLinkToNothing_isDegraded_withTheReasonAsItsLastError() {
        REDIS.server().stop();
        try (RedisLink link = RedisLink.builder().uri(REDIS.uri()).timeout(Duration.ofMillis(300)).probeInterval(Duration.ofMillis(100)).build()) {
            await().atMost(Duration.ofSeconds(10)).until(() -> String.valueOf(link.state().lastError()).contains("Unable to connect"));

            assertThat(link.state().status()).isEqualTo(RedisLink.Status.DEGRADED);
            assertThat(link.toString()).contains("DEGRADED");
        }
    }

    @Test
    void aRemovedListener_isNotToldAnyMore() {
        try (RedisLink link = RedisLink.builder().uri(REDIS.uri()).timeout(Duration.ofMillis(300)).probeInterval(Duration.ofMillis(100)).build()) {
            await().atMost(Duration.ofSeconds(10)).until(() -> link.state().isUp());
            List<RedisLink.Status> kept = new CopyOnWriteArrayList<>();
            List<RedisLink.Status> removed = new CopyOnWriteArrayList<>();
            RedisLink.Listener gone = (previous, current) -> removed.add(current.status());
            link.addListener((previous, current) -> kept.add(current.status()));
            link.addListener(gone);
            link.removeListener(gone);

            REDIS.server().stop();
            await().atMost(Duration.ofSeconds(10)).until(() -> !link.state().isUp());

            assertThat(kept).containsExactly(RedisLink.Status.DEGRADED);
            assertThat(removed).isEmpty();
        }
    }

    @Test
    void close_isHarmlessTwice_andEndsTheLinksThreads() {
        RedisLink link = RedisLink.connect(REDIS.uri());
        await().atMost(Duration.ofSeconds(10)).until(() -> link.state().isUp());

        link.close();
        link.close();

        // Every other link of this JVM's tests is closed by its test too.
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(Thread.getAllStackTraces().keySet())
            .noneMatch(t -> t.isAlive() && t.getName().startsWith("lettuce-")));
    }

    @Test
    void wrongCredentials_leaveTheLinkDegraded_sayingWhy_withoutShowingThePassword() {
        try (LogCapture log = new LogCapture();
             RedisLink link = RedisLink.builder().uri(URI.create("redis://user:secret@127.0.0.1:" + REDIS.server().port() + "/0")).build()) {
            assertThat(link.uri()).hasToString("redis://127.0.0.1:" + REDIS.server().port() + "/0");
            assertThat(link.toString()).doesNotContain("secret");

            await().atMost(Duration.ofSeconds(10)).until(() -> String.valueOf(link.state().lastError()).contains("WRONGPASS"));

            assertThat(link.state().isUp()).isFalse();
            assertThat(link.state().lastError()).doesNotContain("secret");
            // One line for the outage, whatever the first failure said (under load the first attempt may time out
            // before AUTH is refused); the state says why now.
            assertThat(log.lines("WARN", "io.wslb.redis.RedisLink")).hasSize(1).noneMatch(line -> line.contains("secret"));
        }
    }

    @Test
    void theBuilder_failsFast_namingTheSetting() {
        assertThatThrownBy(() -> RedisLink.builder().build()).isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("uri is required");
        assertThatThrownBy(() -> RedisLink.builder().uri(URI.create("http://127.0.0.1:6379"))).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("uri must be redis://");
        assertThatThrownBy(() -> RedisLink.builder().uri(URI.create("redis://:secret@/0"))).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("must name a host").hasMessageNotContaining("secret");
        assertThatThrownBy(() -> RedisLink.builder().timeout(Duration.ZERO)).hasMessageContaining("timeout must be positive");
        assertThatThrownBy(() -> RedisLink.builder().probeInterval(Duration.ofMillis(-1))).hasMessageContaining("probeInterval must be positive");
    }
}
