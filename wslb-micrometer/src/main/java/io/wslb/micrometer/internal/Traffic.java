package io.wslb.micrometer.internal;

import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * The counts behind the connection gauges, per backend id: handshakes whose backend is chosen and has not answered
 * yet (pending), and proxied connections not yet closed (open). Kept whether or not a registry is bound, so that a
 * registry bound late shows the right numbers. A backend's entry goes once it is idle and no longer in the pool.
 */
final class Traffic {

    /** Changed only inside the map's {@code compute}, read without a lock by the gauges. */
    private static final class Counts {
        volatile int pending;
        volatile int open;

        boolean idle() {
            return pending == 0 && open == 0;
        }
    }

    private final ConcurrentHashMap<String, Counts> byBackend = new ConcurrentHashMap<>();

    /**
     * Adds to a backend's counts, never below zero.
     *
     * @param id the backend's id
     * @param pending added to its pending handshakes
     * @param open added to its open connections
     * @param member whether a backend with that id is in the pool now
     * @return true when the change left the backend idle and out of the pool: its entry is gone, and so should its
     *     meters be
     */
    boolean change(String id, int pending, int open, Predicate<String> member) {
        boolean[] dropped = {false};
        byBackend.compute(id, (key, existing) -> {
            Counts counts = existing != null ? existing : new Counts();
            counts.pending = Math.max(0, counts.pending + pending);
            counts.open = Math.max(0, counts.open + open);
            if (counts.idle() && !member.test(key)) {
                dropped[0] = true;
                return null;
            }
            return counts;
        });
        return dropped[0];
    }

    /**
     * Forgets a backend that just left the pool if nothing of it is pending or open.
     *
     * @param id the backend's id
     * @return true when it was idle (its entry, if any, is gone)
     */
    boolean forgetIfIdle(String id) {
        boolean[] idle = {true};
        byBackend.computeIfPresent(id, (key, counts) -> {
            idle[0] = counts.idle();
            return idle[0] ? null : counts;
        });
        return idle[0];
    }

    /** @return open connections to the backend with this id */
    int open(String id) {
        @Nullable Counts counts = byBackend.get(id);
        return counts == null ? 0 : counts.open;
    }

    /** @return open connections to all backends */
    int open() {
        int sum = 0;
        for (Counts counts : byBackend.values()) {
            sum += counts.open;
        }
        return sum;
    }

    /** @return handshakes waiting for a backend's answer, on all backends */
    int pending() {
        int sum = 0;
        for (Counts counts : byBackend.values()) {
            sum += counts.pending;
        }
        return sum;
    }
}
