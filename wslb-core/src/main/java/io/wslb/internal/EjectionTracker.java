package io.wslb.internal;

import io.wslb.BackendHealth;
import io.wslb.BackendPool;
import io.wslb.LiveBackend;
import io.wslb.OutlierDetection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Outlier ejection across one pool: the cap on how many members are out at once, and the timed return of those
 * whose ejection is over. Called under the pool's write lock, except {@link #due(long)}, which lets the hot path
 * skip the lock while no ejection has ended.
 */
final class EjectionTracker {

    // Named after the pool, not this class: operators filter the pool's events under io.wslb.BackendPool.
    private static final Logger LOG = LoggerFactory.getLogger(BackendPool.class.getName());

    /** The earliest end of an ejection, in ticker nanoseconds; Long.MAX_VALUE when none is ejected. */
    private volatile long nextEnd = Long.MAX_VALUE;

    /**
     * Ejects a healthy member unless the cap is reached.
     *
     * @param members the pool's members, to count those already ejected
     * @param now ticker nanoseconds
     * @return true if ejected
     */
    boolean eject(PooledBackend member, Duration time, OutlierDetection policy, List<LiveBackend> members, long now) {
        int ejected = 0;
        for (LiveBackend b : members) {
            if (b.health() == BackendHealth.EJECTED) {
                ejected++;
            }
        }
        if (ejected >= policy.maxEjected(members.size())) {
            member.ejectionRefused();
            LOG.warn("backend {} failed {} times in a row but is not ejected: {} of {} backends already are (the cap)",
                member.id(), policy.consecutiveFailures(), ejected, members.size());
            return false;
        }
        member.eject(time, now);
        nextEnd = Math.min(nextEnd, member.ejectedUntilNanos());
        return true;
    }

    /**
     * @param now ticker nanoseconds
     * @return true if some ejection has ended by {@code now}; reads no lock
     */
    boolean due(long now) {
        return nextEnd != Long.MAX_VALUE && now - nextEnd >= 0;
    }

    /**
     * Marks healthy again every ejected member whose time is up.
     *
     * @param members the pool's members
     * @param now ticker nanoseconds
     * @return the members back, in pool order
     */
    List<PooledBackend> returnDue(List<LiveBackend> members, long now) {
        List<PooledBackend> back = new ArrayList<>();
        long next = Long.MAX_VALUE;
        for (LiveBackend live : members) {
            PooledBackend member = (PooledBackend) live;
            if (member.health() == BackendHealth.EJECTED) {
                if (now - member.ejectedUntilNanos() >= 0) {
                    member.health(BackendHealth.HEALTHY, now);
                    back.add(member);
                } else {
                    next = Math.min(next, member.ejectedUntilNanos());
                }
            }
        }
        nextEnd = next;
        return back;
    }
}
