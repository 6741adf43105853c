package io.wslb.redis.internal;

import static java.util.Objects.requireNonNull;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.lettuce.core.GetExArgs;
import io.lettuce.core.SetArgs;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.wslb.Ticker;
import io.wslb.redis.RedisLink;
import io.wslb.redis.RedisSessionStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link RedisSessionStore}: a local table (Caffeine) in front of Redis. The table answers known keys at once,
 * answers everything while the link is degraded, and remembers which keys were stored without Redis, to write them
 * back when the link comes up.
 */
public final class LocalFirstSessionStore implements RedisSessionStore {

    // Named after the public type, so that users configure the store's logging by the name they know.
    private static final Logger LOG = LoggerFactory.getLogger(RedisSessionStore.class);
    private static final CompletionStage<Void> DONE = CompletableFuture.completedStage(null);
    private static final Duration WARN_AGAIN_AFTER = Duration.ofHours(1);
    private static final long REFUSED_WARN_INTERVAL_NANOS = TimeUnit.MINUTES.toNanos(1);

    /**
     * A store's settings, checked by the builder.
     *
     * @param ttl time to live after the last use
     * @param keyPrefix what the Redis key of a session key starts with
     * @param lookupBudget how long a lookup waits for Redis
     * @param nearCacheTtl how long a confirmed backend is answered without asking Redis
     * @param maxLocalKeys the local table's bound
     * @param ticker the local time source
     */
    public record Settings(Duration ttl, String keyPrefix, Duration lookupBudget, Duration nearCacheTtl, long maxLocalKeys, Ticker ticker) {}

    /**
     * A key's backend as this instance knows it.
     *
     * @param backendId the backend
     * @param dirty stored here but not yet in Redis
     * @param confirmed Redis agreed at {@code confirmedAt}
     * @param confirmedAt ticker nanos of the last agreement, when confirmed
     */
    private record Entry(String backendId, boolean dirty, boolean confirmed, long confirmedAt) {

        static Entry written(String backendId) {
            return new Entry(backendId, true, false, 0);
        }

        static Entry synced(String backendId, long now) {
            return new Entry(backendId, false, true, now);
        }

        static Entry unconfirmed(String backendId) {
            return new Entry(backendId, false, false, 0);
        }
    }

    private final LettuceLink link;
    private final String keyPrefix;
    private final long ttlMillis;
    private final long budgetNanos;
    private final long nearCacheNanos;
    private final Ticker ticker;
    private final Cache<String, Entry> local;
    private final Cache<String, Boolean> warnedKeys;
    private final AtomicLong lastRefusedWarn;
    private final RedisLink.Listener writeBack = (previous, current) -> {
        if (current.isUp()) {
            writeBack();
        }
    };
    private final String description;

    /**
     * @param link the connection, shared
     * @param settings checked settings
     */
    public LocalFirstSessionStore(LettuceLink link, Settings settings) {
        this.link = link;
        this.keyPrefix = settings.keyPrefix();
        this.ttlMillis = settings.ttl().toMillis();
        this.budgetNanos = settings.lookupBudget().toNanos();
        this.nearCacheNanos = settings.nearCacheTtl().toNanos();
        this.ticker = settings.ticker();
        this.local = Caffeine.newBuilder()
            .expireAfterAccess(settings.ttl())
            .maximumSize(settings.maxLocalKeys())
            .ticker(ticker::nanos)
            .executor(Runnable::run)
            .build();
        // Bounded, so that a prefix full of foreign keys cannot grow the memory of who was warned about.
        this.warnedKeys = Caffeine.newBuilder()
            .expireAfterWrite(WARN_AGAIN_AFTER)
            .maximumSize(10_000)
            .ticker(ticker::nanos)
            .executor(Runnable::run)
            .build();
        this.lastRefusedWarn = new AtomicLong(ticker.nanos() - REFUSED_WARN_INTERVAL_NANOS);
        this.description = "redis(" + link.uri() + ", prefix=" + keyPrefix + ", ttl=" + settings.ttl() + ", budget="
            + settings.lookupBudget() + ")";
        link.addListener(writeBack);
    }

    @Override
    public CompletionStage<Optional<String>> get(String key) {
        requireNonNull(key, "key");
        Entry known = local.getIfPresent(key);
        RedisAsyncCommands<String, String> redis = link.isUp() ? link.commands() : null;
        if (redis == null || known != null && (known.dirty() || fresh(known))) {
            return CompletableFuture.completedStage(backendOf(known));
        }
        CompletableFuture<Optional<String>> answer = new CompletableFuture<>();
        ScheduledFuture<?> budget = link.executor().schedule(() -> {
            answer.complete(backendOf(local.getIfPresent(key)));
        }, budgetNanos, TimeUnit.NANOSECONDS);
        String redisKey = keyPrefix + key;
        redis.getex(redisKey, GetExArgs.Builder.px(ttlMillis)).whenComplete((value, failure) -> {
            budget.cancel(false);
            Optional<String> result = learn(redis, key, redisKey, value, failure);
            if (!answer.isDone()) {
                // Off Lettuce's I/O thread: the handshake continues wherever this stage completes.
                link.executor().execute(() -> answer.complete(result));
            }
        });
        return answer;
    }

    @Override
    public CompletionStage<Void> put(String key, String backendId) {
        requireNonNull(key, "key");
        requireNonNull(backendId, "backendId");
        Entry written = Entry.written(backendId);
        local.put(key, written);
        // Stored locally first, so that the write-back of a link coming up now sees it if this put does not reach Redis.
        RedisAsyncCommands<String, String> redis = link.isUp() ? link.commands() : null;
        if (redis == null) {
            return DONE;
        }
        return withinBudget(redis.set(keyPrefix + key, SessionValue.encode(backendId), SetArgs.Builder.px(ttlMillis)), (ok, failure) -> {
            if (failure == null) {
                long now = ticker.nanos();
                local.asMap().computeIfPresent(key, (k, current) -> current == written ? Entry.synced(backendId, now) : current);
            } else {
                failed(failure);
            }
        });
    }

    @Override
    public CompletionStage<Void> remove(String key) {
        requireNonNull(key, "key");
        local.invalidate(key);
        RedisAsyncCommands<String, String> redis = link.isUp() ? link.commands() : null;
        if (redis == null) {
            return DONE;
        }
        return withinBudget(redis.del(keyPrefix + key), (deleted, failure) -> {
            if (failure != null) {
                failed(failure);
            }
        });
    }

    @Override
    public void close() {
        link.removeListener(writeBack);
    }

    @Override
    public String toString() {
        return description;
    }

    /** What a lookup that reached Redis learned: the backend to answer, with the local table brought up to date. */
    private Optional<String> learn(RedisAsyncCommands<String, String> redis, String key, String redisKey, @Nullable String value,
                                   @Nullable Throwable failure) {
        if (failure != null) {
            if (Reply.isWrongType(failure)) {
                return foreign(key, redisKey, "a key of another type");
            }
            failed(failure);
            return backendOf(local.getIfPresent(key));
        }
        if (value == null) {
            Entry known = local.getIfPresent(key);
            if (known != null && !known.dirty()) {
                // Redis lost or expired a key this instance still uses (a restart without persistence, say): give it back,
                // unless another instance stored one meanwhile.
                redis.set(redisKey, SessionValue.encode(known.backendId()), SetArgs.Builder.px(ttlMillis).nx())
                    .whenComplete((ok, setFailure) -> {
                        if (setFailure != null) {
                            failed(setFailure);
                        }
                    });
            }
            return backendOf(known);
        }
        String backendId = SessionValue.decode(value);
        if (backendId == null) {
            return foreign(key, redisKey, "a value wslb did not write");
        }
        long now = ticker.nanos();
        // A put of this instance not yet in Redis is newer than what Redis answered.
        Entry merged = local.asMap().compute(key, (k, current) -> current != null && current.dirty() ? current : Entry.synced(backendId, now));
        return backendOf(merged);
    }

    /** A key under the prefix that wslb did not write: a miss, with a warning once per key and hour. */
    private Optional<String> foreign(String key, String redisKey, String what) {
        if (warnedKeys.asMap().putIfAbsent(redisKey, Boolean.TRUE) == null) {
            LOG.warn("ignoring {} under {}: treated as a miss; the next put of this key replaces it", what, redisKey);
        }
        Entry kept = local.asMap().computeIfPresent(key, (k, current) -> current.dirty() ? current : null);
        return backendOf(kept);
    }

    /** A command failed: an outage degrades the link (which logs it); an error Redis answered is logged here, at most once a minute. */
    private void failed(Throwable failure) {
        if (LettuceLink.isOutage(failure)) {
            link.commandFailed(failure);
            return;
        }
        long now = ticker.nanos();
        long last = lastRefusedWarn.get();
        if (now - last >= REFUSED_WARN_INTERVAL_NANOS && lastRefusedWarn.compareAndSet(last, now)) {
            LOG.warn("Redis at {} refused a session command; serving from local state for it: {}", link.uri(),
                LettuceLink.unwrap(failure).toString());
        }
    }

    /** Writes back every key stored while Redis was down, as its link comes up. */
    private void writeBack() {
        RedisAsyncCommands<String, String> redis = link.commands();
        if (redis == null) {
            return;
        }
        List<Map.Entry<String, Entry>> dirty = new ArrayList<>();
        local.asMap().forEach((key, entry) -> {
            if (entry.dirty()) {
                dirty.add(Map.entry(key, entry));
            }
        });
        LOG.debug("writing back {} keys stored while Redis at {} did not answer", dirty.size(), link.uri());
        for (Map.Entry<String, Entry> stored : dirty) {
            String key = stored.getKey();
            Entry entry = stored.getValue();
            // Last writer wins: the write-back is this instance's latest word on the key. It stays unconfirmed, so
            // that the next lookup reads what the other instances' write-backs left.
            redis.set(keyPrefix + key, SessionValue.encode(entry.backendId()), SetArgs.Builder.px(ttlMillis)).whenComplete((ok, failure) -> {
                if (failure == null) {
                    local.asMap().computeIfPresent(key, (k, current) -> current == entry ? Entry.unconfirmed(entry.backendId()) : current);
                } else {
                    failed(failure);
                }
            });
        }
    }

    private <T> CompletionStage<Void> withinBudget(CompletionStage<T> command, BiConsumer<@Nullable T, @Nullable Throwable> outcome) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        ScheduledFuture<?> budget = link.executor().schedule(() -> {
            done.complete(null);
        }, budgetNanos, TimeUnit.NANOSECONDS);
        command.whenComplete((value, failure) -> {
            budget.cancel(false);
            outcome.accept(value, failure);
            if (!done.isDone()) {
                link.executor().execute(() -> done.complete(null));
            }
        });
        return done;
    }

    private boolean fresh(Entry entry) {
        return entry.confirmed() && ticker.nanos() - entry.confirmedAt() < nearCacheNanos;
    }

    private static Optional<String> backendOf(@Nullable Entry entry) {
        return entry == null ? Optional.empty() : Optional.of(entry.backendId());
    }
}
