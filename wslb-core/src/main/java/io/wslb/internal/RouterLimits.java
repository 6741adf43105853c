package io.wslb.internal;

import io.wslb.HandshakeGuard;
import io.wslb.OutlierDetection;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * What bounds and shapes a router's picks: the guard, connection caps, outlier detection, slow start.
 *
 * @param maxConnections the balancer-wide cap, 0 for none
 * @param outliers the passive health policy
 * @param slowStart the ramp of a returning backend
 * @param guard the handshake guard
 * @param rate the per-client handshake rate, or null for none
 * @param admission the pending-handshake and per-client caps, or null for none
 */
public record RouterLimits(int maxConnections, OutlierDetection outliers, Duration slowStart, HandshakeGuard guard,
                           @Nullable HandshakeRateLimiter rate, @Nullable Admission admission) {
}
