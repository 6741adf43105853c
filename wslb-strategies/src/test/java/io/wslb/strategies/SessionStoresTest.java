package io.wslb.strategies;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wslb.SessionStore;
import io.wslb.Ticker;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class SessionStoresTest {

    static Optional<String> get(SessionStore store, String key) {
        return store.get(key).toCompletableFuture().join();
    }

    @Test
    void putThenGet_returnsTheBackend_andRemoveForgetsIt() {
        SessionStore store = SessionStores.inMemory(Duration.ofMinutes(1));
        store.put("k", "a").toCompletableFuture().join();
        assertThat(get(store, "k")).contains("a");
        store.remove("k").toCompletableFuture().join();
        assertThat(get(store, "k")).isEmpty();
    }

    @Test
    void keys_expireAfterTheTtlWithoutUse_andUseRefreshesThem() {
        AtomicLong now = new AtomicLong();
        Ticker ticker = now::get;
        SessionStore store = SessionStores.inMemory(Duration.ofMinutes(10), 100, ticker);
        store.put("used", "a");
        store.put("idle", "b");

        now.addAndGet(Duration.ofMinutes(6).toNanos());
        assertThat(get(store, "used")).contains("a");
        now.addAndGet(Duration.ofMinutes(6).toNanos());

        assertThat(get(store, "used")).as("read 6 minutes ago: still alive").contains("a");
        assertThat(get(store, "idle")).as("unused for 12 minutes").isEmpty();
    }

    @Test
    void size_isBounded() {
        SessionStore store = SessionStores.inMemory(Duration.ofMinutes(10), 100, Ticker.system());
        for (int i = 0; i < 1000; i++) {
            store.put("k" + i, "a");
        }
        assertThat(((io.wslb.strategies.internal.CaffeineSessionStore) store).size()).isLessThanOrEqualTo(100);
    }

    @Test
    void invalidSettings_areRejected() {
        assertThatThrownBy(() -> SessionStores.inMemory(Duration.ZERO)).hasMessageContaining("ttl must be positive");
        assertThatThrownBy(() -> SessionStores.inMemory(Duration.ofMinutes(1), 0, Ticker.system()))
            .hasMessageContaining("maximumSize");
    }
}
