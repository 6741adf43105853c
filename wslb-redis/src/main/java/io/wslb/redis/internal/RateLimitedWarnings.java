package io.wslb.redis.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.wslb.Ticker;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;

/**
 * Warnings that a task repeated every second must not repeat: about a key, once per key and hour (remembering at most
 * 10,000 keys, so that a prefix full of foreign keys cannot grow the memory of who was warned); about anything else,
 * once a minute.
 */
final class RateLimitedWarnings {

    private static final Duration PER_KEY = Duration.ofHours(1);
    private static final long OTHERS_NANOS = TimeUnit.MINUTES.toNanos(1);

    private final Logger log;
    private final Ticker ticker;
    private final Cache<String, Boolean> warnedKeys;
    private final AtomicLong lastOther;

    /**
     * @param log where the warnings go
     * @param ticker the clock of the limits
     */
    RateLimitedWarnings(Logger log, Ticker ticker) {
        this.log = log;
        this.ticker = ticker;
        this.warnedKeys = Caffeine.newBuilder()
            .expireAfterWrite(PER_KEY)
            .maximumSize(10_000)
            .ticker(ticker::nanos)
            .executor(Runnable::run)
            .build();
        this.lastOther = new AtomicLong(ticker.nanos() - OTHERS_NANOS);
    }

    /**
     * @param key the Redis key the warning is about
     * @param message the warning, logged unless one about the same key was within the hour
     */
    void aboutKey(String key, String message) {
        if (warnedKeys.asMap().putIfAbsent(key, Boolean.TRUE) == null) {
            log.warn("{} (warned once an hour per key)", message);
        }
    }

    /**
     * @param message the warning, logged unless another one was within the minute
     */
    void other(String message) {
        long now = ticker.nanos();
        long last = lastOther.get();
        if (now - last >= OTHERS_NANOS && lastOther.compareAndSet(last, now)) {
            log.warn("{} (warned once a minute at most)", message);
        }
    }
}
