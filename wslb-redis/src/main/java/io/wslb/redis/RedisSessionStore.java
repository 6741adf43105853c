package io.wslb.redis;

import static java.util.Objects.requireNonNull;

import io.wslb.SessionStore;
import io.wslb.Ticker;
import io.wslb.redis.internal.LettuceLink;
import io.wslb.redis.internal.LocalFirstSessionStore;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * A {@link SessionStore} shared by every balancer instance on one Redis, that never fails a handshake because Redis
 * did. Its local table answers first: a key this instance stored or read within the
 * {@linkplain Builder#nearCacheTtl near-cache time} costs no round trip, and any other lookup that Redis does not
 * answer within the {@linkplain Builder#lookupBudget lookup budget} completes with what the local table knows, or
 * as a miss, so the handshake goes on. While its {@link RedisLink} is {@code DEGRADED} the store serves from the local
 * table alone: keys it saw keep their backend, new keys are stored locally, and those are written back to Redis when
 * it answers again.
 *
 * <pre>{@code
 * RedisLink link = RedisLink.connect(URI.create("redis://127.0.0.1:6379"));
 * RedisSessionStore store = RedisSessionStore.builder(link)
 *     .ttl(Duration.ofHours(1))                  // refreshed on use, in Redis and locally
 *     .lookupBudget(Duration.ofMillis(50))       // then a lookup counts as a miss
 *     .build();
 * WebSocketLoadBalancer lb = WebSocketLoadBalancer.builder()
 *     .backend(Backend.of("chat-1", URI.create("ws://10.0.0.1:3000/ws")))
 *     .strategy(BalancingStrategies.leastConnections())
 *     .affinity(AffinityResolvers.queryParameter("room"))
 *     .sessionStore(store)
 *     .build();
 * }</pre>
 *
 * <p>In Redis, a key {@code k} is stored as the string {@code <keyPrefix>session:k} with a time to live, and its
 * value is {@code wslb1:} followed by the backend id. A value of another form, or a key of another type, under the
 * prefix is not wslb's: a lookup ignores it (one WARN per key, under the logger
 * {@code io.wslb.redis.RedisSessionStore}) and counts it as a miss, and the next {@code put} of that key replaces it.
 * Requires Redis 6.2 or later ({@code GETEX}).
 *
 * <p>Stages complete on the caller's thread (answers from the local table) or on the link's threads, never on
 * Lettuce's I/O thread, and never exceptionally because of Redis. A {@code remove} while Redis is down is local only.
 */
public interface RedisSessionStore extends SessionStore, AutoCloseable {

    /**
     * A builder of a store over {@code link}.
     *
     * @param link the connection, from {@link RedisLink#builder()}; several stores and later features may share it
     * @return the builder
     * @throws IllegalArgumentException if the link is not one of {@link RedisLink#builder()}'s
     */
    static Builder builder(RedisLink link) {
        return new Builder(link);
    }

    /** Stops writing back to Redis after outages; the link stays open (its owner closes it). */
    @Override
    void close();

    /**
     * Settings of a store; {@link #ttl} is required. Not thread-safe; {@link #build()} may be called again.
     *
     * <pre>{@code
     * RedisSessionStore store = RedisSessionStore.builder(RedisLink.connect(URI.create("redis://127.0.0.1:6379")))
     *     .ttl(Duration.ofMinutes(30)).keyPrefix("chat:").nearCacheTtl(Duration.ZERO).build();
     * }</pre>
     */
    final class Builder {

        /** The default {@link #keyPrefix}. */
        public static final String DEFAULT_KEY_PREFIX = "wslb:";
        /** The default {@link #lookupBudget}. */
        public static final Duration DEFAULT_LOOKUP_BUDGET = Duration.ofMillis(50);
        /** The default {@link #nearCacheTtl}. */
        public static final Duration DEFAULT_NEAR_CACHE_TTL = Duration.ofSeconds(5);
        /** The default {@link #maxLocalKeys}. */
        public static final long DEFAULT_MAX_LOCAL_KEYS = 1_000_000;

        private final LettuceLink link;
        private @Nullable Duration ttl;
        private String keyPrefix = DEFAULT_KEY_PREFIX;
        private Duration lookupBudget = DEFAULT_LOOKUP_BUDGET;
        private Duration nearCacheTtl = DEFAULT_NEAR_CACHE_TTL;
        private long maxLocalKeys = DEFAULT_MAX_LOCAL_KEYS;
        private Ticker ticker = Ticker.system();

        private Builder(RedisLink link) {
            requireNonNull(link, "link");
            if (!(link instanceof LettuceLink lettuce)) {
                throw new IllegalArgumentException("link must come from RedisLink.builder() or RedisLink.connect, got " + link.getClass().getName());
            }
            this.link = lettuce;
        }

        /**
         * @param ttl how long a key lives after its last use, in Redis and in the local table; refreshed by every
         *     {@code put} and by lookups that reach Redis ({@code GETEX}); positive, at least a millisecond
         * @return this builder
         */
        public Builder ttl(Duration ttl) {
            requireNonNull(ttl, "ttl");
            if (ttl.toMillis() < 1) {
                throw new IllegalArgumentException("ttl must be at least 1 ms, got " + ttl);
            }
            this.ttl = ttl;
            return this;
        }

        /**
         * @param keyPrefix what every Redis key of wslb starts with, to share one Redis between clusters or with other
         *     applications; sessions are under {@code <keyPrefix>session:}; {@value #DEFAULT_KEY_PREFIX} by default
         * @return this builder
         */
        public Builder keyPrefix(String keyPrefix) {
            this.keyPrefix = requireNonNull(keyPrefix, "keyPrefix");
            return this;
        }

        /**
         * @param lookupBudget how long a lookup waits for Redis before it completes with what the local table knows,
         *     or as a miss; the handshake waits this long at most; positive; 50 ms by default
         * @return this builder
         */
        public Builder lookupBudget(Duration lookupBudget) {
            requireNonNull(lookupBudget, "lookupBudget");
            if (lookupBudget.isNegative() || lookupBudget.isZero()) {
                throw new IllegalArgumentException("lookupBudget must be positive, got " + lookupBudget);
            }
            this.lookupBudget = lookupBudget;
            return this;
        }

        /**
         * @param nearCacheTtl how long a key's backend, once read from or written to Redis, is answered from the
         *     local table without asking Redis again; a shorter time sees another instance's change of a key sooner,
         *     at a round trip per lookup; {@link Duration#ZERO} asks Redis on every lookup (the local table still
         *     answers while Redis is down); 5 seconds by default
         * @return this builder
         */
        public Builder nearCacheTtl(Duration nearCacheTtl) {
            requireNonNull(nearCacheTtl, "nearCacheTtl");
            if (nearCacheTtl.isNegative()) {
                throw new IllegalArgumentException("nearCacheTtl must not be negative, got " + nearCacheTtl);
            }
            this.nearCacheTtl = nearCacheTtl;
            return this;
        }

        /**
         * @param maxLocalKeys most keys the local table holds, the least recently used going first; a key it no
         *     longer holds is read from Redis, and is lost for this instance while Redis is down; positive;
         *     1,000,000 by default
         * @return this builder
         */
        public Builder maxLocalKeys(long maxLocalKeys) {
            if (maxLocalKeys <= 0) {
                throw new IllegalArgumentException("maxLocalKeys must be positive, got " + maxLocalKeys);
            }
            this.maxLocalKeys = maxLocalKeys;
            return this;
        }

        /**
         * @param ticker the time source of the local table's expiry and of the near-cache time (Redis keeps its own
         *     clock for its keys); {@link Ticker#system()} by default
         * @return this builder
         */
        public Builder ticker(Ticker ticker) {
            this.ticker = requireNonNull(ticker, "ticker");
            return this;
        }

        /**
         * @return a new store, writing back to Redis whenever its link comes up
         * @throws IllegalStateException if no {@link #ttl} was set
         */
        public RedisSessionStore build() {
            Duration chosenTtl = ttl;
            if (chosenTtl == null) {
                throw new IllegalStateException("ttl is required, e.g. .ttl(Duration.ofHours(1))");
            }
            return new LocalFirstSessionStore(link, new LocalFirstSessionStore.Settings(chosenTtl, keyPrefix + "session:", lookupBudget,
                nearCacheTtl, maxLocalKeys, ticker));
        }
    }
}
