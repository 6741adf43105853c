package io.wslb.redis;

import static org.awaitility.Awaitility.await;

import io.wslb.Backend;
import io.wslb.BackendPool;
import io.wslb.LiveBackend;
import io.wslb.redis.internal.ClusterAdmin;
import io.wslb.redis.internal.LettuceLink;
import io.wslb.testing.RedisServer;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One balancer instance's share of the cluster, without a server: its own link to Redis, a pool, and the
 * {@link ClusterAdmin} between them. The link notices an outage within 300 ms and probes every 100 ms, so that the
 * tests do not wait long.
 */
final class ClusterNode implements AutoCloseable {

    static final Duration TIMEOUT = Duration.ofMillis(300);
    static final Duration PROBE = Duration.ofMillis(100);

    final String id;
    final LettuceLink link;
    final BackendPool pool;
    final ClusterAdmin admin;

    private ClusterNode(String id, LettuceLink link, BackendPool pool, ClusterAdmin admin) {
        this.id = id;
        this.link = link;
        this.pool = pool;
        this.admin = admin;
    }

    /**
     * @param redis where Redis is (or a proxy to it)
     * @param id the instance id
     * @param prefix the key prefix, one per test so that tests sharing a server do not meet
     * @param pool the instance's pool, as configured
     */
    static ClusterNode start(URI redis, String id, String prefix, BackendPool pool) {
        LettuceLink link = LettuceLink.start(redis, TIMEOUT, PROBE);
        return new ClusterNode(id, link, pool, ClusterAdmin.start(link, pool, id, prefix));
    }

    static ClusterNode start(URI redis, String id, String prefix, List<Backend> configured) {
        return start(redis, id, prefix, BackendPool.of(configured));
    }

    /** {@return whether the shared set is in use now: read since the link and the subscription were made} */
    boolean sharing() {
        return Boolean.TRUE.equals(admin.status().get("sharedSet"));
    }

    /** {@return the last version applied or written here} */
    long lastVersion() {
        return ((Number) admin.status().get("lastVersionApplied")).longValue();
    }

    /** {@return every backend of the pool as one comparable line: configuration and draining} */
    Map<String, String> view() {
        return view(pool);
    }

    static Map<String, String> view(BackendPool pool) {
        Map<String, String> out = new TreeMap<>();
        for (LiveBackend live : pool.backends()) {
            Backend b = live.backend();
            out.put(b.id(), b.uri() + " weight=" + b.weight() + " max=" + b.maxConnections() + " backup=" + b.backup() + " meta="
                + new TreeMap<>(b.metadata()) + (live.draining() ? " draining" : ""));
        }
        return out;
    }

    /** Waits (15 s at most) until every node uses the shared set. */
    static void awaitSharing(ClusterNode... nodes) {
        await().atMost(Duration.ofSeconds(15)).until(() -> List.of(nodes).stream().allMatch(ClusterNode::sharing));
    }

    /** {@return the version counter of the set under {@code prefix}, 0 if there is none} */
    static long counter(RedisServer redis, String prefix) {
        String value = redis.command("GET", prefix + "backends:version");
        return value == null ? 0 : Long.parseLong(value);
    }

    static Backend backend(String id) {
        return Backend.of(id, URI.create("ws://10.0.0." + (Math.abs(id.hashCode()) % 250 + 1) + ":3000/" + id));
    }

    @Override
    public void close() {
        admin.close();
        link.close();
    }

    @Override
    public String toString() {
        return id + " " + view();
    }
}
