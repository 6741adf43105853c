package io.wslb.strategies;

import static org.assertj.core.api.Assertions.assertThat;

import io.wslb.SessionStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The behaviour every {@link SessionStore} owes the balancer, as tests: extend this class and implement
 * {@link #newStore()} to check a store of your own (the Redis store does). Each test gets a fresh store, with a
 * time to live of at least a minute.
 *
 * <p>It ships in the test jar of {@code wslb-strategies}: depend on {@code io.wslb:wslb-strategies} with
 * {@code <type>test-jar</type>} and {@code <scope>test</scope>}, then
 *
 * <pre>{@code
 * class MyStoreContractTest extends SessionStoreContract {
 *     protected SessionStore newStore() { return new MyStore(Duration.ofMinutes(5)); }
 * }
 * }</pre>
 */
@Timeout(30)
public abstract class SessionStoreContract {

    /** @return a new, empty store */
    protected abstract SessionStore newStore();

    private static <T> T await(CompletionStage<T> stage) throws Exception {
        return stage.toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    @Test
    void unknownKey_isEmpty() throws Exception {
        assertThat(await(newStore().get("nobody"))).isEmpty();
    }

    @Test
    void put_thenGet_returnsTheBackend() throws Exception {
        SessionStore store = newStore();
        await(store.put("user-1", "chat-2"));
        assertThat(await(store.get("user-1"))).contains("chat-2");
    }

    @Test
    void put_overwrites() throws Exception {
        SessionStore store = newStore();
        await(store.put("user-1", "chat-2"));
        await(store.put("user-1", "chat-3"));
        assertThat(await(store.get("user-1"))).contains("chat-3");
    }

    @Test
    void remove_forgetsTheKey_andIsHarmlessForUnknownKeys() throws Exception {
        SessionStore store = newStore();
        await(store.put("user-1", "chat-2"));
        await(store.remove("user-1"));
        await(store.remove("never-stored"));
        assertThat(await(store.get("user-1"))).isEmpty();
    }

    @Test
    void keysAreExact_caseAndUnicodeIncluded() throws Exception {
        SessionStore store = newStore();
        await(store.put("User", "a"));
        await(store.put("user", "b"));
        await(store.put("ü-ключ-🔑", "c"));
        assertThat(await(store.get("User"))).contains("a");
        assertThat(await(store.get("user"))).contains("b");
        assertThat(await(store.get("ü-ключ-🔑"))).contains("c");
    }

    @Test
    void concurrentUse_fromManyThreads_keepsEveryKeysLastValue() throws Exception {
        SessionStore store = newStore();
        int threads = 8;
        int keysEach = 200;
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> workers = new ArrayList<>();
        List<Throwable> failures = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int id = t;
            Thread worker = new Thread(() -> {
                try {
                    start.await();
                    for (int k = 0; k < keysEach; k++) {
                        await(store.put("t" + id + "-k" + k, "first"));
                        await(store.put("t" + id + "-k" + k, "b" + id));
                        Optional<String> read = await(store.get("t" + id + "-k" + k));
                        if (!read.equals(Optional.of("b" + id))) {
                            throw new AssertionError("read " + read + " for t" + id + "-k" + k);
                        }
                    }
                } catch (Throwable e) {
                    synchronized (failures) {
                        failures.add(e);
                    }
                }
            });
            workers.add(worker);
            worker.start();
        }
        start.countDown();
        for (Thread worker : workers) {
            worker.join(Duration.ofSeconds(20).toMillis());
        }
        assertThat(failures).isEmpty();
        for (int t = 0; t < threads; t++) {
            assertThat(await(store.get("t" + t + "-k" + (keysEach - 1)))).contains("b" + t);
        }
    }
}
