package io.wslb.bench;

import java.util.concurrent.locks.LockSupport;

/**
 * The open-loop send schedule of the {@code rate} mode: slot {@code k} (k = 0, 1, 2, ...) is due at
 * {@code start + k * 1e9 / rate} nanoseconds and goes to connection {@code k mod C}. The aggregate rate is exact and
 * every connection sends every {@code C / rate} seconds, evenly interleaved with the others. Latency is measured from
 * a slot's due time (its <em>intended</em> send time), not from when the sender got round to it, so a stalled proxy or
 * sender cannot hide its stall (no coordinated omission).
 */
final class RateSchedule {
    private final long startNanos;
    private final double perSecond;
    private final int connections;

    RateSchedule(long startNanos, double perSecond, int connections) {
        if (!(perSecond > 0) || Double.isInfinite(perSecond)) {
            throw new IllegalArgumentException("rate must be > 0, got " + perSecond);
        }
        if (connections < 1) {
            throw new IllegalArgumentException("connections must be >= 1, got " + connections);
        }
        this.startNanos = startNanos;
        this.perSecond = perSecond;
        this.connections = connections;
    }

    long startNanos() {
        return startNanos;
    }

    double perSecond() {
        return perSecond;
    }

    /** Due time of slot {@code k}, in {@link System#nanoTime()} units. Non-decreasing in {@code k}. */
    long slotTime(long k) {
        return startNanos + (long) Math.floor(k * (1e9 / perSecond));
    }

    /** The connection (index) slot {@code k} is sent on. */
    int connectionOf(long k) {
        return (int) (k % connections);
    }

    /** Number of slots due strictly before {@code t}: the smallest {@code n} with {@code slotTime(n) >= t}. */
    long slotsBefore(long t) {
        if (t <= startNanos) {
            return 0;
        }
        long n = (long) Math.ceil((t - startNanos) * perSecond / 1e9);
        // correct the floating-point estimate so that it agrees exactly with slotTime()
        while (n > 0 && slotTime(n - 1) >= t) {
            n--;
        }
        while (slotTime(n) < t) {
            n++;
        }
        return n;
    }

    /** Number of slots due in {@code [from, to)}. */
    long slotsBetween(long from, long to) {
        return to <= from ? 0 : slotsBefore(to) - slotsBefore(from);
    }

    /**
     * Waits until a deadline on {@link System#nanoTime()}: parks while the deadline is further away than the expected
     * park overshoot (Linux timer slack is 50 us by default, so {@code parkNanos} wakes late), then spins for the last
     * few microseconds. The overshoot is learned as a low quantile (the estimate falls fast and rises slowly), so
     * spinning stays short (about {@link #MARGIN_NANOS} per wait) instead of burning a core that the proxy under test
     * needs, also when a busy machine makes some wake-ups very late: a late wake-up makes that one send late (the
     * lag is reported, and the latency is measured from the intended time anyway) rather than making every later
     * wait spin longer.
     */
    static final class Pacer {
        static final long MARGIN_NANOS = 10_000;
        static final long MIN_AHEAD_NANOS = 5_000;
        static final long MAX_AHEAD_NANOS = 200_000;
        private long overshootEstimate = 60_000;

        /** How long before a deadline parking stops and spinning starts. */
        long parkAheadNanos() {
            return parkAhead(overshootEstimate);
        }

        static long parkAhead(long overshootEstimate) {
            return Math.max(MIN_AHEAD_NANOS, Math.min(MAX_AHEAD_NANOS, overshootEstimate + MARGIN_NANOS));
        }

        /**
         * Asymmetric moving average of the park overshoot: moves 1/4 of the way down to a smaller observation, 1/64 of
         * the way up to a larger one, so it settles near a low quantile of the overshoot. Negative observations count
         * as zero, very large ones as {@link #MAX_AHEAD_NANOS}.
         */
        static long nextEstimate(long estimate, long observedOvershoot) {
            long o = Math.max(0, Math.min(observedOvershoot, MAX_AHEAD_NANOS));
            return o < estimate ? estimate - (estimate - o) / 4 : estimate + (o - estimate) / 64;
        }

        void awaitUntil(long deadline) {
            while (true) {
                long now = System.nanoTime();
                long remaining = deadline - now;
                if (remaining <= 0) {
                    return;
                }
                long ahead = parkAheadNanos();
                if (remaining > ahead) {
                    long want = remaining - ahead;
                    LockSupport.parkNanos(want);
                    overshootEstimate = nextEstimate(overshootEstimate, System.nanoTime() - now - want);
                } else {
                    Thread.onSpinWait();
                }
            }
        }
    }
}
