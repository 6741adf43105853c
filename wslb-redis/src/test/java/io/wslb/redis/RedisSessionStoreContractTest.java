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

/**
 * The Redis store keeps the {@link SessionStoreContract} against a real redis-server, with the near cache off so
 * that every lookup reads Redis (a put's own key aside, until Redis has it).
 */
class RedisSessionStoreContractTest extends SessionStoreContract {

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
        // A prefix of its own makes each store empty, on a Redis that the class's tests share.
        RedisSessionStore store = settings(RedisSessionStore.builder(link)
            .ttl(Duration.ofMinutes(5))
            .keyPrefix("contract-" + UUID.randomUUID() + ":"))
            .build();
        stores.add(store);
        return store;
    }

    /** The settings under test, beyond the ttl and the prefix: here, every lookup reads Redis. */
    RedisSessionStore.Builder settings(RedisSessionStore.Builder builder) {
        return builder.nearCacheTtl(Duration.ZERO).lookupBudget(Duration.ofSeconds(2));
    }
}
