package io.wslb.internal;

import io.wslb.Ticker;
import java.net.InetAddress;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A token bucket per client address: each address may start {@code perSecond} handshakes a second on average,
 * with bursts of up to {@code perSecond}. Buckets of addresses quiet for a second (full again by then) are
 * dropped every 1,024 handshakes, so the map holds only the clients of the last second or so.
 */
public final class HandshakeRateLimiter {

    private static final long SECOND = 1_000_000_000L;
    /** A bucket untouched for a second is full again: forgetting it is the same as keeping it. */
    private static final long FORGET_AFTER = SECOND;

    private final int perSecond;
    private final Ticker ticker;
    private final Map<InetAddress, Bucket> buckets = new ConcurrentHashMap<>();
    private final AtomicInteger sinceSweep = new AtomicInteger();

    /** One client's tokens, as of {@code at}. */
    private static final class Bucket {
        double tokens;
        long at;

        Bucket(double tokens, long at) {
            this.tokens = tokens;
            this.at = at;
        }
    }

    /**
     * @param perSecond handshakes a client may start per second, 1 or more
     * @param ticker the clock
     */
    public HandshakeRateLimiter(int perSecond, Ticker ticker) {
        if (perSecond < 1) {
            throw new IllegalArgumentException("perSecond must be 1 or more, got " + perSecond);
        }
        this.perSecond = perSecond;
        this.ticker = ticker;
    }

    /**
     * @param client the client's address
     * @return true if it may start a handshake now (a token is taken), false if it is over its rate
     */
    public boolean tryAcquire(InetAddress client) {
        long now = ticker.nanos();
        if ((sinceSweep.incrementAndGet() & 1023) == 0) {
            sweep(now);
        }
        Bucket bucket = buckets.computeIfAbsent(client, c -> new Bucket(perSecond, now));
        synchronized (bucket) {
            double refill = (now - bucket.at) / (double) SECOND * perSecond;
            bucket.tokens = Math.min(perSecond, bucket.tokens + Math.max(0, refill));
            bucket.at = now;
            if (bucket.tokens >= 1) {
                bucket.tokens -= 1;
                return true;
            }
            return false;
        }
    }

    /** @return clients tracked now (for tests and figures) */
    public int trackedClients() {
        return buckets.size();
    }

    private void sweep(long now) {
        for (Iterator<Bucket> it = buckets.values().iterator(); it.hasNext(); ) {
            Bucket bucket = it.next();
            synchronized (bucket) {
                if (now - bucket.at > FORGET_AFTER) {
                    it.remove();
                }
            }
        }
    }
}
