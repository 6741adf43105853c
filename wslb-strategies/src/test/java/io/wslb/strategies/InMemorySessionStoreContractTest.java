package io.wslb.strategies;

import io.wslb.SessionStore;
import java.time.Duration;

/** The in-memory store keeps the {@link SessionStoreContract}. */
class InMemorySessionStoreContractTest extends SessionStoreContract {

    @Override
    protected SessionStore newStore() {
        return SessionStores.inMemory(Duration.ofMinutes(5));
    }
}
