package io.wslb.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wslb.testing.RawWebSocketConnection;
import io.wslb.testing.RawWebSocketServer;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The affinity keys a connect cycle adds to its URL ({@code --connect-keys}, {@code connect --keys}). */
class ConnectKeysTest {
    @Test
    void parsesTheThreeModes() {
        assertThat(ConnectKeys.parse("none")).isEqualTo(ConnectKeys.NONE);
        assertThat(ConnectKeys.parse(" Unique ")).isEqualTo(ConnectKeys.UNIQUE);
        assertThat(ConnectKeys.parse("100").space()).isEqualTo(100);
        assertThat(ConnectKeys.NONE.none()).isTrue();
        assertThat(ConnectKeys.UNIQUE.none()).isFalse();
        assertThat(List.of(ConnectKeys.NONE.label(), ConnectKeys.UNIQUE.label(), ConnectKeys.parse("100").label()))
            .containsExactly("none", "unique", "100keys");
        assertThatThrownBy(() -> ConnectKeys.parse("0")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1 or more");
        assertThatThrownBy(() -> ConnectKeys.parse("some")).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("none, unique or a number");
    }

    @Test
    void noneAddsNothing() {
        assertThat(ConnectKeys.NONE.query(7)).isNull();
    }

    @Test
    void uniqueNeverRepeatsAKey() {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            String q = ConnectKeys.UNIQUE.query(i % 3); // the cycle number does not matter
            assertThat(q).startsWith("room=");
            assertThat(seen.add(q)).as("key %s seen before", q).isTrue();
        }
    }

    @Test
    void aNumberOfKeysCyclesThroughThem() {
        ConnectKeys three = ConnectKeys.parse("3");
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            keys.add(three.query(i));
        }
        assertThat(new HashSet<>(keys)).hasSize(3);
        assertThat(keys.subList(0, 3)).isEqualTo(keys.subList(3, 6));
        assertThat(three.query(-1)).isEqualTo(three.query(2)); // a wrapped sequence number stays in range
    }

    @Test
    void theKeyJoinsTheUrlsQuery() {
        assertThat(ConnectKeys.requestTarget(URI.create("ws://127.0.0.1:1"), null)).isEqualTo("/");
        assertThat(ConnectKeys.requestTarget(URI.create("ws://127.0.0.1:1"), "room=a")).isEqualTo("/?room=a");
        assertThat(ConnectKeys.requestTarget(URI.create("ws://127.0.0.1:1/chat"), "room=a")).isEqualTo("/chat?room=a");
        assertThat(ConnectKeys.requestTarget(URI.create("ws://127.0.0.1:1/chat?x=1"), "room=a"))
            .isEqualTo("/chat?x=1&room=a");
        assertThat(ConnectKeys.requestTarget(URI.create("ws://127.0.0.1:1/chat?x=1"), null)).isEqualTo("/chat?x=1");
    }

    @Test
    void connectCyclesSendTheirKeys() throws Exception {
        try (RawWebSocketServer server = RawWebSocketServer.start();
             LoadClient client = new LoadClient(List.of(server.uri()), 1)) {
            CompletableFuture<LoadClient.CycleRun> run = CompletableFuture.supplyAsync(() -> {
                try {
                    return client.cycles(4, 1, 64, ConnectKeys.parse("2"), Duration.ofSeconds(20), LoadClient.WindowListener.NONE);
                } catch (InterruptedException x) {
                    throw new IllegalStateException(x);
                }
            });
            List<String> targets = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                RawWebSocketConnection c = server.accept(Duration.ofSeconds(10));
                targets.add(c.requestHead().lines().findFirst().orElseThrow());
                c.close(); // the cycle fails at its echo; only the request matters here
            }
            assertThat(run.get().completed()).isEqualTo(4);
            assertThat(targets).allMatch(l -> l.matches("GET /\\?room=[0-9a-z]+-k[01] HTTP/1.1"));
            assertThat(targets.get(0)).isEqualTo(targets.get(2));
            assertThat(targets.get(1)).isEqualTo(targets.get(3));
            assertThat(targets.get(0)).isNotEqualTo(targets.get(1));
        }
    }
}
