package io.wslb.strategies.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.wslb.SessionStore;
import io.wslb.Ticker;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** An in-process {@link SessionStore}: expire after access, bounded size, completed stages. */
public final class CaffeineSessionStore implements SessionStore {

    private static final CompletionStage<Void> DONE = CompletableFuture.completedStage(null);

    private final Cache<String, String> cache;
    private final Duration ttl;

    public CaffeineSessionStore(Duration ttl, long maximumSize, Ticker ticker) {
        this.ttl = ttl;
        this.cache = Caffeine.newBuilder()
            .expireAfterAccess(ttl)
            .maximumSize(maximumSize)
            .ticker(ticker::nanos)
            .executor(Runnable::run)
            .build();
    }

    @Override
    public CompletionStage<Optional<String>> get(String key) {
        return CompletableFuture.completedStage(Optional.ofNullable(cache.getIfPresent(key)));
    }

    @Override
    public CompletionStage<Void> put(String key, String backendId) {
        cache.put(key, backendId);
        return DONE;
    }

    @Override
    public CompletionStage<Void> remove(String key) {
        cache.invalidate(key);
        return DONE;
    }

    /** @return how many keys are held now (after pending expiry work) */
    public long size() {
        cache.cleanUp();
        return cache.estimatedSize();
    }

    @Override
    public String toString() {
        return "in-memory(ttl=" + ttl + ")";
    }
}
