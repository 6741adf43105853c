package io.wslb.redis;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The pauses of this test process that have nothing to do with the code under test, as jHiccup measures them: a thread
 * asks to wake every millisecond and notes each time it woke late by at least a threshold. A machine whose cores other
 * work holds (another build, a benchmark), or a garbage collection, pauses that thread and every handshake in flight
 * alike; a handshake that waits for Redis does not pause it. A latency test can so tell the two apart.
 */
final class PauseMeter implements AutoCloseable {

    /** A pause, in {@link System#nanoTime()}: from when the meter asked to wake to when it woke. */
    record Pause(long fromNanos, long toNanos) {

        long millis() {
            return TimeUnit.NANOSECONDS.toMillis(toNanos - fromNanos);
        }
    }

    private static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    private final long thresholdNanos;
    private final ConcurrentLinkedQueue<Pause> pauses = new ConcurrentLinkedQueue<>();
    private final Thread thread;
    private volatile boolean running = true;

    /** @param threshold the lateness that counts as a pause */
    PauseMeter(Duration threshold) {
        this.thresholdNanos = threshold.toNanos();
        this.thread = new Thread(this::measure, "pause-meter");
        thread.setDaemon(true);
        thread.start();
    }

    private void measure() {
        while (running) {
            long asked = System.nanoTime();
            LockSupport.parkNanos(TICK_NANOS);
            long woke = System.nanoTime();
            if (woke - asked - TICK_NANOS >= thresholdNanos) {
                pauses.add(new Pause(asked, woke));
            }
        }
    }

    /** {@return the pauses so far} */
    List<Pause> pauses() {
        return List.copyOf(pauses);
    }

    /** {@return whether a pause overlapped the interval from {@code fromNanos} to {@code toNanos}} */
    boolean pausedDuring(long fromNanos, long toNanos) {
        for (Pause pause : pauses) {
            if (pause.fromNanos() < toNanos && pause.toNanos() > fromNanos) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.join();
    }
}
