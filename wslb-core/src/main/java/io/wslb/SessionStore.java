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
 * <p>Contract for implementations (the test class {@code SessionStoreContract} of {@code wslb-strategies} checks
 * it; extend it for a store of your own):
 * <ul>
 *   <li>thread-safe; never block the calling thread, which is a server thread: do the I/O elsewhere and complete
 *       the returned stage from any thread;</li>
 *   <li>keys and backend ids are compared exactly (case, Unicode);</li>
 *   <li>{@code put} overwrites and refreshes the key's time to live; reads may refresh it too (the in-memory store
 *       expires a key after a time without reads or writes);</li>
 *   <li>on a failure, complete the stage exceptionally: the balancer then treats a {@code get} as a miss and a
 *       {@code put} as not stored, logs it, and still serves the client;</li>
 *   <li>the balancer waits for {@code get} before it picks a backend (a slow store delays handshakes), and does
 *       not wait for {@code put}.</li>
 * </ul>
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
