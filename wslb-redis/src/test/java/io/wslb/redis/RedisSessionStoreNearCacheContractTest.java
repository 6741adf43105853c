package io.wslb.redis;

import static org.awaitility.Awaitility.await;

import io.wslb.SessionStore;
import io.wslb.strategies.SessionStoreContract;
import io.wslb.testing.RedisServerExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The Redis store with its default settings (the near cache on) keeps the {@link SessionStoreContract}. */
class RedisSessionStoreNearCacheContractTest extends SessionStoreContract {

    @RegisterExtension
    static final RedisServerExtension REDIS = new RedisServerExtension();

    private static RedisLink link;
    private final List<RedisSessionStore> stores = new ArrayList<>();

    @BeforeAll
    static void connect() {
        link = RedisLink.connect(REDIS.uri());
        await().atMost(Duration.ofSeconds(10)).until(() -> link.state().isUp());
    }

    @AfterAll
    static void disconnect() {
        link.close();
    }

    @AfterEach
    void closeStores() {
        stores.forEach(RedisSessionStore::close);
    }

    @Override
    protected SessionStore newStore() {
        RedisSessionStore store = RedisSessionStore.builder(link).ttl(Duration.ofMinutes(5)).keyPrefix("near-" + UUID.randomUUID() + ":").build();
        stores.add(store);
        return store;
    }
}
