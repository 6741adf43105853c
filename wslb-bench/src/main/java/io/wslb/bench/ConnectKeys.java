package io.wslb.bench;

import java.net.URI;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * The affinity key a connect cycle adds to its URL's query, {@code ?room=KEY}, so that a target whose affinity reads
 * that parameter and stores its keys (the launcher's {@code --affinity query:room}) does a session-store lookup and a
 * put on every handshake:
 * <ul>
 * <li>{@code none}: the URLs as given (the default; no key, so no store is touched);</li>
 * <li>{@code unique}: a key never used before in this JVM on every cycle, so every lookup misses and is followed by a
 * put;</li>
 * <li>{@code N}: cycle {@code i} takes key {@code i mod N}, so after the first N cycles every lookup finds a stored
 * key.</li>
 * </ul>
 * Keys start with a random prefix drawn once per JVM, so that two runs against one long-lived store do not share keys.
 *
 * @param space 0 for {@code unique}, N for {@code N}, -1 for {@code none}
 */
record ConnectKeys(int space) {
    /** The query parameter; the bench's {@code wslb-memory} and {@code wslb-redis} targets read it. */
    static final String PARAM = "room";
    static final ConnectKeys NONE = new ConnectKeys(-1);
    static final ConnectKeys UNIQUE = new ConnectKeys(0);

    private static final String RUN = Long.toString(ThreadLocalRandom.current().nextLong(1L << 32, 1L << 40), 36);
    private static final AtomicLong UNIQUE_SEQ = new AtomicLong();

    ConnectKeys {
        if (space < -1) {
            throw new IllegalArgumentException("space must be -1 (none), 0 (unique) or a number of keys, got " + space);
        }
    }

    /** {@code none}, {@code unique} or a number of keys (at least 1). */
    static ConnectKeys parse(String s) {
        String v = s.trim().toLowerCase(Locale.ROOT);
        return switch (v) {
            case "none" -> NONE;
            case "unique" -> UNIQUE;
            default -> {
                int n;
                try {
                    n = Integer.parseInt(v);
                } catch (NumberFormatException x) {
                    throw new IllegalArgumentException("keys must be none, unique or a number of keys, got '" + s + "'");
                }
                if (n < 1) {
                    throw new IllegalArgumentException("a number of keys must be 1 or more, got " + n);
                }
                yield new ConnectKeys(n);
            }
        };
    }

    boolean none() {
        return space < 0;
    }

    /** {@code none}, {@code unique}, {@code 100keys}: a short name, for scenario names. */
    String label() {
        return space < 0 ? "none" : space == 0 ? "unique" : space + "keys";
    }

    /** What a reader of the results is told about the keys. */
    String describe() {
        if (space < 0) {
            return "no affinity key";
        }
        return space == 0 ? "a new ?" + PARAM + "= key per cycle (every lookup misses, then a put)"
            : "?" + PARAM + "= one of " + space + " keys in turn (lookups find a stored key after the first " + space
                + " cycles)";
    }

    /**
     * The query parameter of cycle {@code cycle}, {@code room=KEY}, or null for {@code none}.
     *
     * @param cycle the cycle's sequence number in its client
     */
    @Nullable String query(long cycle) {
        if (space < 0) {
            return null;
        }
        String key = space == 0 ? RUN + "-u" + UNIQUE_SEQ.getAndIncrement() : RUN + "-k" + Math.floorMod(cycle, space);
        return PARAM + "=" + key;
    }

    /** The request target of a handshake: the URL's path and query, plus {@code extra} joined to the query. */
    static String requestTarget(URI url, @Nullable String extra) {
        String path = url.getRawPath() == null || url.getRawPath().isEmpty() ? "/" : url.getRawPath();
        String query = url.getRawQuery();
        if (extra != null) {
            query = query == null || query.isEmpty() ? extra : query + "&" + extra;
        }
        return query == null ? path : path + "?" + query;
    }
}
