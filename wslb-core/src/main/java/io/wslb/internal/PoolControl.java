package io.wslb.internal;

import io.wslb.OutlierDetection;
import io.wslb.Ticker;
import java.time.Duration;

/**
 * What the router may do to a pool beyond its public face: bring ejected members back when their time is up, and
 * eject one. The pool hands it to the balancer that builds the router, so users of {@code BackendPool} never see
 * it.
 */
public interface PoolControl {

    /** Brings back the ejected members whose time is up; cheap when none is due. */
    void refresh();

    /** @return the clock of ejections and slow starts */
    Ticker ticker();

    /**
     * Ejects a member for outlier detection, unless the cap on ejected members is reached.
     *
     * @param member the member that failed
     * @param time how long it stays out
     * @param policy the outlier policy, for its cap
     * @return true if ejected
     */
    boolean eject(PooledBackend member, Duration time, OutlierDetection policy);
}
