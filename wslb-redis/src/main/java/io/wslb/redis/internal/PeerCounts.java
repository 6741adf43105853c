package io.wslb.redis.internal;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;

/**
 * The other instances' hashes of counts, as one heartbeat read them, summed per backend id. What wslb did not write is
 * left out with a warning about its key: a key of another type, a count that is not one.
 *
 * @param total the sum per backend id
 * @param seen the instances whose hash holds counts, by id (an expired hash holds none)
 */
record PeerCounts(Map<String, Integer> total, Map<String, CountsSnapshot.Seen> seen) {

    /**
     * One other instance, asked for its hash.
     *
     * @param id its instance id
     * @param heartbeatAgeMillis the age of its last heartbeat, on the Redis server's clock
     * @param hash the answer to {@code HGETALL} of its hash
     */
    record Peer(String id, long heartbeatAgeMillis, CompletableFuture<Reply<Map<String, String>>> hash) {}

    /**
     * @param peers the instances, each answered (not necessarily with success)
     * @param keys where their hashes are
     * @param foreign told {@code (key, what)} of a value that wslb did not write, to warn about
     * @param refused told {@code (what, reply)} of another error that Redis answered
     * @return the sum and the instances seen
     */
    static PeerCounts sum(List<Peer> peers, CountsLayout keys, BiConsumer<String, String> foreign, BiConsumer<String, Reply<?>> refused) {
        Map<String, Integer> total = new TreeMap<>();
        Map<String, CountsSnapshot.Seen> seen = new TreeMap<>();
        for (Peer peer : peers) {
            Reply<Map<String, String>> hash = peer.hash().join();
            String key = keys.countsKey(peer.id());
            Map<String, String> fields = hash.value();
            if (hash.wrongType()) {
                foreign.accept(key, "ignoring " + key + ": not a hash of counts that wslb wrote");
            } else if (hash.failure() != null) {
                refused.accept("the counts of instance " + peer.id() + " were not read", hash);
            } else if (fields != null && !fields.isEmpty()) {
                // An empty hash has expired: its instance stopped without deleting it (a crash), or has no backend.
                Map<String, Integer> counts = new TreeMap<>();
                fields.forEach((backendId, value) -> {
                    int n = CountsLayout.parseCount(value);
                    if (n < 0) {
                        foreign.accept(key, "ignoring the count of backend '" + CountsLayout.abbreviate(backendId) + "' in " + key + ": '"
                            + CountsLayout.abbreviate(value) + "' is not a count that wslb wrote");
                    } else {
                        counts.put(backendId, n);
                        total.merge(backendId, n, CountsLayout::saturatedAdd);
                    }
                });
                seen.put(peer.id(), new CountsSnapshot.Seen(counts, peer.heartbeatAgeMillis()));
            }
        }
        return new PeerCounts(total, seen);
    }
}
