package io.wslb.redis.internal;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * What the last heartbeat of {@link SharedCounts} left, for the admin status.
 *
 * @param shared whether the balancer has the other instances' counts now
 * @param published this instance's counts as last written, by backend id
 * @param instances the other instances read, by id
 * @param peers their sum per backend id, as given to the balancer
 * @param takenAt ticker nanos when it was read
 * @param roundTripNanos from the heartbeat's first command to the sum handed over
 */
record CountsSnapshot(boolean shared, Map<String, Integer> published, Map<String, Seen> instances, Map<String, Integer> peers,
                      long takenAt, long roundTripNanos) {

    /**
     * Another instance as a heartbeat read it.
     *
     * @param counts its published count per backend id (the valid ones)
     * @param heartbeatAgeMillis how long before the read its last heartbeat was, on the Redis server's clock
     */
    record Seen(Map<String, Integer> counts, long heartbeatAgeMillis) {

        /** Copies the counts. */
        Seen {
            counts = Map.copyOf(counts);
        }
    }

    /** Copies the maps. */
    CountsSnapshot {
        published = Map.copyOf(published);
        instances = Map.copyOf(instances);
        peers = Map.copyOf(peers);
    }

    /**
     * @param published this instance's counts as last written
     * @param now ticker nanos
     * @return local counts only: no instance seen, no peer counts
     */
    static CountsSnapshot localOnly(Map<String, Integer> published, long now) {
        return new CountsSnapshot(false, published, Map.of(), Map.of(), now, 0);
    }

    /**
     * @param now ticker nanos
     * @return the part of the status that the heartbeat knows, sorted by id, ages brought up to {@code now}
     */
    Map<String, Object> status(long now) {
        long sinceMillis = TimeUnit.NANOSECONDS.toMillis(Math.max(0, now - takenAt));
        Map<String, Object> seen = new TreeMap<>();
        instances.forEach((id, instance) -> {
            Map<String, Object> one = new LinkedHashMap<>();
            one.put("counts", new TreeMap<>(instance.counts()));
            one.put("lastHeartbeatAgeMs", instance.heartbeatAgeMillis() + sinceMillis);
            seen.put(id, one);
        });
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("shared", shared);
        out.put("published", new TreeMap<>(published));
        out.put("instances", seen);
        out.put("peerConnections", new TreeMap<>(peers));
        out.put("lastRoundTripMicros", TimeUnit.NANOSECONDS.toMicros(roundTripNanos));
        return out;
    }
}
