package io.wslb;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * Passive health: a backend whose connect or upgrade fails {@code consecutiveFailures} times in a row (no
 * successful upgrade in between) is ejected, takes no new connection for {@code baseEjectionTime}, and comes
 * back by itself. Each further ejection of the same backend doubles the time, up to {@code maxEjectionTime}; a
 * backend that stays healthy for {@code maxEjectionTime} after coming back starts again from the base. At most
 * {@code maxEjectedShare} of the pool (but at least one backend, unless the share is 0) is ejected at a time, so that a fault on
 * the balancer's side cannot empty the pool.
 *
 * <pre>{@code
 * WebSocketLoadBalancer lb = WebSocketLoadBalancer.builder()
 *     .backend(Backend.of("a", URI.create("ws://10.0.0.1:3000")))
 *     .backend(Backend.of("b", URI.create("ws://10.0.0.2:3000")))
 *     .strategy(BalancingStrategies.roundRobin())
 *     .outlierDetection(OutlierDetection.of(3, Duration.ofSeconds(10), Duration.ofMinutes(2), 0.5))
 *     .build();
 * }</pre>
 *
 * @param consecutiveFailures failures in a row that eject a backend, 1 or more; 0 only for {@link #disabled()}
 * @param baseEjectionTime how long a first ejection lasts, more than zero
 * @param maxEjectionTime the longest ejection, at least {@code baseEjectionTime}
 * @param maxEjectedShare the largest share of the pool ejected at once, from 0 to 1
 */
public record OutlierDetection(int consecutiveFailures, Duration baseEjectionTime, Duration maxEjectionTime,
                               double maxEjectedShare) {

    private static final OutlierDetection DISABLED = new OutlierDetection(0, Duration.ofSeconds(1), Duration.ofSeconds(1), 0);
    private static final OutlierDetection DEFAULTS =
        new OutlierDetection(5, Duration.ofSeconds(30), Duration.ofMinutes(5), 0.5);

    /** Validates every component; see the record's description for the rules. */
    public OutlierDetection {
        requireNonNull(baseEjectionTime, "baseEjectionTime");
        requireNonNull(maxEjectionTime, "maxEjectionTime");
        if (consecutiveFailures < 0) {
            throw new IllegalArgumentException("consecutiveFailures must be 1 or more (0: disabled), got " + consecutiveFailures);
        }
        if (baseEjectionTime.isNegative() || baseEjectionTime.isZero()) {
            throw new IllegalArgumentException("baseEjectionTime must be more than zero, got " + baseEjectionTime);
        }
        if (maxEjectionTime.compareTo(baseEjectionTime) < 0) {
            throw new IllegalArgumentException("maxEjectionTime (" + maxEjectionTime + ") must be at least baseEjectionTime ("
                + baseEjectionTime + ")");
        }
        if (!(maxEjectedShare >= 0 && maxEjectedShare <= 1)) {
            throw new IllegalArgumentException("maxEjectedShare must be from 0 to 1, got " + maxEjectedShare);
        }
    }

    /**
     * @param consecutiveFailures failures in a row that eject a backend, 1 or more
     * @param baseEjectionTime how long a first ejection lasts
     * @param maxEjectionTime the longest ejection
     * @param maxEjectedShare the largest share of the pool ejected at once, 0 to 1
     * @return the policy
     */
    public static OutlierDetection of(int consecutiveFailures, Duration baseEjectionTime, Duration maxEjectionTime,
                                      double maxEjectedShare) {
        if (consecutiveFailures < 1) {
            throw new IllegalArgumentException("consecutiveFailures must be 1 or more, got " + consecutiveFailures);
        }
        return new OutlierDetection(consecutiveFailures, baseEjectionTime, maxEjectionTime, maxEjectedShare);
    }

    /** @return 5 failures in a row, 30 s doubling up to 5 minutes, at most half of the pool: the default */
    public static OutlierDetection defaults() {
        return DEFAULTS;
    }

    /** @return no passive ejection */
    public static OutlierDetection disabled() {
        return DISABLED;
    }

    /** @return false for {@link #disabled()} */
    public boolean enabled() {
        return consecutiveFailures > 0;
    }

    /**
     * @param ejections how many times the backend was ejected in a row, this one included (1 or more)
     * @return how long this ejection lasts
     */
    public Duration ejectionTime(int ejections) {
        Duration time = baseEjectionTime;
        for (int i = 1; i < ejections && time.compareTo(maxEjectionTime) < 0; i++) {
            time = time.multipliedBy(2);
        }
        return time.compareTo(maxEjectionTime) > 0 ? maxEjectionTime : time;
    }

    /**
     * @param poolSize backends in the pool
     * @return how many of them may be ejected at once: the share, rounded down, but at least one unless the share
     *     is 0
     */
    public int maxEjected(int poolSize) {
        return maxEjectedShare == 0 ? 0 : Math.max(1, (int) Math.floor(maxEjectedShare * poolSize));
    }
}
