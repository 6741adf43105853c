package io.wslb;

import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * Maps affinity keys to backend ids. Every operation is asynchronous so that a remote store (Redis) can never
 * block a server thread; an in-memory store simply returns completed stages. The built-in store is
 * {@code io.wslb.strategies.SessionStores.inMemory(...)}.
 *
 * <pre>{@code
 * SessionStore store = SessionStores.inMemory(Duration.ofHours(1));
 * store.put("user-42", "chat-2")
 *     .thenCompose(done -> store.get("user-42"))
 *     .thenAccept(id -> System.out.println(id.orElse("none"))); // chat-2
 * }</pre>
 *
 * <p>Contract for implementations: thread-safe; never block the calling thread; complete the returned stage
 * from any thread; complete it exceptionally on a store failure (the balancer then treats a {@code get} as a
 * miss and a {@code put} as not stored, logs it, and still serves the client). A {@code put} refreshes the
 * key's time to live.
 */
public interface SessionStore {

    /**
     * @param key an affinity key
     * @return the backend id stored for the key, or empty when there is no live mapping
     */
    CompletionStage<Optional<String>> get(String key);

    /**
     * @param key an affinity key
     * @param backendId the backend now serving that key
     * @return completes once stored
     */
    CompletionStage<Void> put(String key, String backendId);

    /**
     * @param key an affinity key
     * @return completes once the mapping is gone
     */
    CompletionStage<Void> remove(String key);
}
