package io.wslb.internal;

import io.wslb.BackendHealth;
import io.wslb.BackendPool;
import io.wslb.LiveBackend;
import io.wslb.OutlierDetection;
import io.wslb.Ticker;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which members of one {@link BackendPool} take new connections, kept beside its membership the way a
 * health-checked view decorates an endpoint list: the published {@link Eligibility} and panic mode, outlier
 * ejection with its cap and timed return ({@link EjectionTracker}). The pool republishes it under its write lock
 * after each change of membership, drain or health; the router reaches ejection through {@link PoolControl}.
 */
public final class Availability implements PoolControl {

    // Named after the pool, not this class: operators filter the pool's events under io.wslb.BackendPool.
    private static final Logger LOG = LoggerFactory.getLogger(BackendPool.class.getName());

    private final ReentrantLock lock;
    private final Supplier<List<LiveBackend>> members;
    private final Ticker ticker;
    private final PoolListeners listeners;
    private final EjectionTracker ejections = new EjectionTracker();
    private volatile Eligibility current = Eligibility.NONE;

    /**
     * @param lock the pool's write lock, which serialises every change of its members
     * @param members the pool's current members, in pool order
     * @param ticker the pool's clock of ejections and slow starts
     * @param listeners the pool's listeners, told of health changes and panic
     */
    public Availability(ReentrantLock lock, Supplier<List<LiveBackend>> members, Ticker ticker,
                        PoolListeners listeners) {
        this.lock = lock;
        this.members = members;
        this.ticker = ticker;
        this.listeners = listeners;
    }

    /** @return who takes new connections now; the same object until the next {@link #publish} */
    public Eligibility current() {
        return current;
    }

    /**
     * Under the pool's write lock: recomputes who takes new connections from the members' state, and logs and
     * reports entering or leaving panic mode.
     *
     * @param snapshot the pool's members, in pool order
     */
    public void publish(List<LiveBackend> snapshot) {
        boolean wasPanic = current.panic();
        Eligibility next = Eligibility.of(snapshot);
        current = next;
        if (next.panic() != wasPanic) {
            if (next.panic()) {
                LOG.warn("PANIC: no backend is healthy; offering all {} backends that are not draining, whatever their health",
                    next.eligible().size());
            } else {
                LOG.warn("panic over: healthy backends are available again");
            }
            listeners.tell("panic change", l -> l.onPanic(next.panic()));
        }
    }

    /**
     * Starts a slow start: the member takes a growing share of new connections from now on.
     *
     * @param member a member added at runtime, or back from a drain
     */
    public void rampUp(PooledBackend member) {
        member.eligibleSince(ticker.nanos());
    }

    /**
     * Sets an active health mark (what a health check or an operator decides); marking an ejected member healthy
     * ends its ejection early. A member that becomes healthy starts a slow start.
     *
     * @param member the member, or null when the pool has none with that id
     * @param health its new health
     * @return true if its health changed
     */
    public boolean mark(@Nullable PooledBackend member, BackendHealth health) {
        if (member == null) {
            return false;
        }
        BackendHealth previous;
        lock.lock();
        try {
            if (!member.inPool() || member.health() == health) {
                return false;
            }
            previous = member.health(health, ticker.nanos());
            publish(members.get());
        } finally {
            lock.unlock();
        }
        listeners.healthChanged(member, previous);
        return true;
    }

    @Override
    public Ticker ticker() {
        return ticker;
    }

    @Override
    public boolean eject(PooledBackend member, Duration time, OutlierDetection policy) {
        lock.lock();
        try {
            if (member.health() != BackendHealth.HEALTHY || !member.inPool()) {
                return false;
            }
            List<LiveBackend> snapshot = members.get();
            if (!ejections.eject(member, time, policy, snapshot, ticker.nanos())) {
                return false;
            }
            publish(snapshot);
        } finally {
            lock.unlock();
        }
        LOG.warn("backend {} ejected for {} after {} connect or upgrade failures in a row", member.id(), time,
            policy.consecutiveFailures());
        listeners.healthChanged(member, BackendHealth.HEALTHY);
        return true;
    }

    @Override
    public void refresh() {
        if (!ejections.due(ticker.nanos())) {
            return;
        }
        List<PooledBackend> back;
        lock.lock();
        try {
            List<LiveBackend> snapshot = members.get();
            back = ejections.returnDue(snapshot, ticker.nanos());
            if (!back.isEmpty()) {
                publish(snapshot);
            }
        } finally {
            lock.unlock();
        }
        for (PooledBackend member : back) {
            LOG.info("backend {} back from ejection", member.id());
            listeners.healthChanged(member, BackendHealth.EJECTED);
        }
    }
}
