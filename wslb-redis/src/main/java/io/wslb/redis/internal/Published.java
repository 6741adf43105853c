package io.wslb.redis.internal;

import io.lettuce.core.ScoredValue;
import io.lettuce.core.api.async.RedisAsyncCommands;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The first round trip of a {@link SharedCounts} heartbeat, sent as one pipeline: the server's time, this instance's
 * counts with their expiry renewed, and the set of instances.
 *
 * @param generation the heartbeat's generation: it is discarded if the counts went local meanwhile
 * @param startedAt ticker nanos when it was sent
 * @param counts this instance's counts, by backend id
 * @param time the answer to {@code TIME}
 * @param hset the answer to {@code HSET} of the counts
 * @param renewals the answers to {@code HDEL} (of backends gone) and {@code PEXPIRE}
 * @param members the answer to {@code ZRANGE <instances> 0 -1 WITHSCORES}
 */
record Published(long generation, long startedAt, Map<String, Integer> counts, CompletableFuture<Reply<List<String>>> time,
                 CompletableFuture<Reply<Long>> hset, List<CompletableFuture<? extends Reply<?>>> renewals,
                 CompletableFuture<Reply<List<ScoredValue<String>>>> members) {

    /**
     * Sends the pipeline, without waiting.
     *
     * @param redis the connection's commands
     * @param keys where the counts live
     * @param instanceId this instance
     * @param counts its counts now, by backend id
     * @param gone the backends published before that the pool no longer has
     * @param expiryMillis the counts' time to live
     * @param generation the heartbeat's generation
     * @param startedAt ticker nanos now
     * @return what was sent, with its answers to come
     */
    static Published send(RedisAsyncCommands<String, String> redis, CountsLayout keys, String instanceId, Map<String, Integer> counts,
                          Collection<String> gone, long expiryMillis, long generation, long startedAt) {
        String countsKey = keys.countsKey(instanceId);
        Map<String, String> fields = new LinkedHashMap<>();
        counts.forEach((id, n) -> fields.put(id, Integer.toString(n)));
        CompletableFuture<Reply<List<String>>> time = Reply.of(redis.time());
        // An empty pool writes no field (HSET needs one): an instance without backends adds to no count.
        CompletableFuture<Reply<Long>> hset = fields.isEmpty() ? Reply.done(0L) : Reply.of(redis.hset(countsKey, fields));
        List<CompletableFuture<? extends Reply<?>>> renewals = new ArrayList<>();
        if (!gone.isEmpty()) {
            renewals.add(Reply.of(redis.hdel(countsKey, gone.toArray(String[]::new))));
        }
        renewals.add(Reply.of(redis.pexpire(countsKey, expiryMillis)));
        CompletableFuture<Reply<List<ScoredValue<String>>>> members = Reply.of(redis.zrangeWithScores(keys.instancesKey(), 0, -1));
        return new Published(generation, startedAt, Map.copyOf(counts), time, hset, List.copyOf(renewals), members);
    }

    /** {@return every answer to wait for} */
    List<CompletableFuture<? extends Reply<?>>> all() {
        List<CompletableFuture<? extends Reply<?>>> all = new ArrayList<>(renewals);
        all.add(time);
        all.add(hset);
        all.add(members);
        return all;
    }
}
