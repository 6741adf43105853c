package io.wslb;

/**
 * A source of monotonic nanoseconds, injected wherever wslb measures time (store expiry, slow start, rate
 * limits), so that tests move time forward instead of sleeping.
 *
 * <pre>{@code
 * AtomicLong now = new AtomicLong();
 * Ticker fake = now::get;
 * now.addAndGet(Duration.ofMinutes(5).toNanos()); // five minutes pass, instantly
 * }</pre>
 */
@FunctionalInterface
public interface Ticker {

    /** @return nanoseconds from an arbitrary origin; only differences are meaningful */
    long nanos();

    /** @return the ticker of {@link System#nanoTime()} */
    static Ticker system() {
        return System::nanoTime;
    }
}
