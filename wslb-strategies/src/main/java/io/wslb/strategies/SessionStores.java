package io.wslb.strategies;

import static java.util.Objects.requireNonNull;

import io.wslb.SessionStore;
import io.wslb.Ticker;
import io.wslb.strategies.internal.CaffeineSessionStore;
import java.time.Duration;

/**
 * The built-in {@link SessionStore session stores}.
 *
 * <pre>{@code
 * SessionStore store = SessionStores.inMemory(Duration.ofHours(1));            // up to 1,000,000 keys
 * SessionStore small = SessionStores.inMemory(Duration.ofMinutes(30), 10_000, Ticker.system());
 * }</pre>
 */
public final class SessionStores {

    /** The maximum number of keys of {@link #inMemory(Duration)}. */
    public static final long DEFAULT_MAXIMUM_SIZE = 1_000_000;

    private SessionStores() {}

    /**
     * An in-process store (Caffeine) holding up to {@value #DEFAULT_MAXIMUM_SIZE} keys. A key expires when
     * it has been neither read nor written for {@code ttl}, so clients that keep reconnecting keep their
     * backend. Not shared between balancer instances.
     *
     * @param ttl time to live after the last use of a key; positive
     * @return a new store
     */
    public static SessionStore inMemory(Duration ttl) {
        return inMemory(ttl, DEFAULT_MAXIMUM_SIZE, Ticker.system());
    }

    /**
     * An in-process store (Caffeine) with a size bound and a ticker (for tests that move time).
     *
     * @param ttl time to live after the last use of a key; positive
     * @param maximumSize most keys held; beyond it the least recently used keys go first; positive
     * @param ticker the time source
     * @return a new store
     */
    public static SessionStore inMemory(Duration ttl, long maximumSize, Ticker ticker) {
        requireNonNull(ttl, "ttl");
        requireNonNull(ticker, "ticker");
        if (ttl.isNegative() || ttl.isZero()) {
            throw new IllegalArgumentException("ttl must be positive, got " + ttl);
        }
        if (maximumSize <= 0) {
            throw new IllegalArgumentException("maximumSize must be positive, got " + maximumSize);
        }
        return new CaffeineSessionStore(ttl, maximumSize, ticker);
    }
}
