package io.wslb.redis;

import io.wslb.strategies.SessionStoreContract;

/** The Redis store with its default settings (the near cache on) keeps the {@link SessionStoreContract}. */
class RedisSessionStoreNearCacheContractTest extends RedisSessionStoreContractTest {

    @Override
    RedisSessionStore.Builder settings(RedisSessionStore.Builder builder) {
        return builder;
    }
}
