package io.wslb.internal;

import io.wslb.Backend;
import io.wslb.BackendHealth;
import io.wslb.LiveBackend;
import io.wslb.OutlierDetection;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;

/**
 * A pool member: the current configuration and the counters, kept in plain volatile fields updated through
 * VarHandles so that a strategy scanning many members reads one object per member.
 */
public final class PooledBackend implements LiveBackend {

    private static final VarHandle ACTIVE;
    private static final VarHandle TOTAL;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            ACTIVE = lookup.findVarHandle(PooledBackend.class, "active", int.class);
            TOTAL = lookup.findVarHandle(PooledBackend.class, "total", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final String id;
    private volatile Backend backend;
    private volatile int active;
    private volatile long total;
    /** Failed attempts; a failure is rare, so a plain adder costs nothing on the common path. */
    private final LongAdder failures = new LongAdder();
    /** What other instances hold, as a cluster module last set it. */
    private volatile int peers;
    private volatile boolean removed;
    private volatile BackendHealth health = BackendHealth.HEALTHY;
    private volatile boolean draining;
    /** Outlier detection, guarded by this: failures in a row and ejections in a row. */
    private int failuresInARow;
    private int ejectionsInARow;
    /** When the last ejection ends or ended. */
    private volatile long ejectedUntilNanos;
    /** When it last became able to take connections, for slow start; Long.MIN_VALUE: since the start. */
    private volatile long eligibleSinceNanos = Long.MIN_VALUE;

    public PooledBackend(Backend backend) {
        this.id = backend.id();
        this.backend = backend;
    }

    @Override
    public Backend backend() {
        return backend;
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public int activeConnections() {
        return active;
    }

    @Override
    public int peerConnections() {
        return peers;
    }

    @Override
    public int clusterConnections() {
        return active + peers;
    }

    /** @param count connections other instances hold to this backend, as last published (0 or more) */
    public void peers(int count) {
        peers = count;
    }

    @Override
    public long totalConnections() {
        return total;
    }

    @Override
    public long failedAttempts() {
        return failures.sum();
    }

    /** An attempt on this backend failed before the client's 101. */
    public void countFailure() {
        failures.increment();
    }

    @Override
    public boolean inPool() {
        return !removed;
    }

    @Override
    public BackendHealth health() {
        return health;
    }

    @Override
    public boolean draining() {
        return draining;
    }

    /** @return true if it may take new connections: weight above 0, healthy, not draining, in the pool */
    public boolean accepting() {
        return !removed && !draining && health == BackendHealth.HEALTHY && backend.weight() > 0;
    }

    /** @return true if it could take connections in panic mode: weight above 0, not draining, in the pool */
    public boolean acceptingInPanic() {
        return !removed && !draining && backend.weight() > 0;
    }

    /**
     * Sets the health; the pool republishes its eligible set after.
     *
     * @param now ticker nanoseconds, recorded as the start of a slow start when it becomes healthy again
     * @return the previous health
     */
    public BackendHealth health(BackendHealth update, long now) {
        BackendHealth previous = health;
        health = update;
        if (previous != BackendHealth.HEALTHY && update == BackendHealth.HEALTHY) {
            eligibleSinceNanos = now;
        }
        return previous;
    }

    /** @param draining whether it drains */
    public void draining(boolean draining) {
        this.draining = draining;
    }

    /** @param now ticker nanoseconds: it takes connections from now on, starting a slow start */
    public void eligibleSince(long now) {
        eligibleSinceNanos = now;
    }

    /** @return when it last became able to take connections; Long.MIN_VALUE: since the balancer started */
    public long eligibleSinceNanos() {
        return eligibleSinceNanos;
    }

    /** @return when its ejection ends, in ticker nanoseconds (meaningful while EJECTED) */
    public long ejectedUntilNanos() {
        return ejectedUntilNanos;
    }

    /**
     * Counts a connect or upgrade failure.
     *
     * @param policy the outlier detection policy
     * @param now ticker nanoseconds
     * @return how long to eject it for, or null when it stays in
     */
    public synchronized @Nullable Duration failed(OutlierDetection policy, long now) {
        if (!policy.enabled() || health != BackendHealth.HEALTHY) {
            return null;
        }
        failuresInARow++;
        if (failuresInARow < policy.consecutiveFailures()) {
            return null;
        }
        if (ejectionsInARow > 0 && now - ejectedUntilNanos >= policy.maxEjectionTime().toNanos()) {
            ejectionsInARow = 0;
        }
        return policy.ejectionTime(ejectionsInARow + 1);
    }

    /**
     * Ejects it (the pool decided the cap allows it).
     *
     * @param time how long
     * @param now ticker nanoseconds
     */
    public synchronized void eject(Duration time, long now) {
        failuresInARow = 0;
        ejectionsInARow++;
        ejectedUntilNanos = now + time.toNanos();
        health = BackendHealth.EJECTED;
    }

    /** A failure that could not eject it (the cap was reached): it will be ejected at the next failure. */
    public synchronized void ejectionRefused() {
        failuresInARow = Math.max(0, failuresInARow - 1);
    }

    /** Counts a successful upgrade: the failures in a row start again from zero. */
    public synchronized void succeeded() {
        failuresInARow = 0;
    }

    /** Counts one more connection assigned to this backend. */
    public void acquire() {
        ACTIVE.getAndAdd(this, 1);
        TOTAL.getAndAdd(this, 1L);
    }

    /** Counts one connection fewer; called exactly once per {@link #acquire()}. */
    public void release() {
        ACTIVE.getAndAdd(this, -1);
    }

    public void configure(Backend update) {
        if (!update.id().equals(id)) {
            throw new IllegalArgumentException("id mismatch: " + update.id() + " != " + id);
        }
        this.backend = update;
    }

    public void markRemoved() {
        removed = true;
    }

    @Override
    public String toString() {
        return id + "{active=" + active + ", weight=" + backend.weight()
            + (health != BackendHealth.HEALTHY ? ", " + health.name().toLowerCase(java.util.Locale.ROOT) : "")
            + (draining ? ", draining" : "") + (backend.backup() ? ", backup" : "") + (removed ? ", removed" : "") + "}";
    }
}
