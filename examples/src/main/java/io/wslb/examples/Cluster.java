package io.wslb.examples;

import io.wslb.WebSocketLoadBalancer;
import io.wslb.redis.RedisCluster;
import io.wslb.redis.RedisLink;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import org.eclipse.jetty.util.component.AbstractLifeCycle;

/**
 * The launcher's membership of a cluster over Redis ({@code --redis}): the link and the cluster member made from the
 * flags, joined once the proxy listens (so the default instance id can name the real port), shown in the admin
 * status, and closed when the proxy stops, as a bean of its server.
 *
 * <pre>{@code
 * Cluster cluster = Cluster.connect(RedisOptions.parse(options), Duration.ofHours(1));
 * }</pre>
 */
final class Cluster extends AbstractLifeCycle {

    private final RedisOptions.Settings settings;
    private final RedisLink link;
    private final RedisCluster member;

    private Cluster(RedisOptions.Settings settings, RedisLink link, RedisCluster member) {
        this.settings = settings;
        this.link = link;
        this.member = member;
    }

    /**
     * Starts connecting in the background; never waits for Redis, which may be down (the instance then serves from
     * local state, and says so in its log and status).
     *
     * @param settings the Redis flags
     * @param sessionTtl how long an affinity key is remembered after its last use ({@code --session-ttl})
     * @return the cluster, not joined yet
     * @throws Options.UsageException if {@code --session-ttl} is not positive
     */
    static Cluster connect(RedisOptions.Settings settings, Duration sessionTtl) throws Options.UsageException {
        if (sessionTtl.isZero() || sessionTtl.isNegative()) {
            throw new Options.UsageException("--session-ttl must be positive, got " + LauncherFlags.human(sessionTtl));
        }
        RedisLink link = RedisLink.builder().uri(settings.linkUri()).build();
        try {
            return new Cluster(settings, link, RedisCluster.builder(link).sessionTtl(sessionTtl).lookupBudget(settings.timeout()).build());
        } catch (RuntimeException e) {
            link.close();
            throw e;
        }
    }

    /** @return the cluster member, for its session store */
    /** @return the link to Redis, for its meters */
    RedisLink link() {
        return link;
    }

    RedisCluster member() {
        return member;
    }

    /**
     * Shares the balancer's counts and admin actions from now on.
     *
     * @param balancer the proxy's balancer
     * @param listening the proxy's bound address, for the default instance id
     * @return the instance id taken
     */
    String join(WebSocketLoadBalancer balancer, InetSocketAddress listening) {
        String id = settings.instanceIdOr(listening);
        member.join(balancer, id);
        return id;
    }

    /** @return the admin status's {@code redis} section */
    Map<String, Object> status() {
        return member.status();
    }

    /** @return where the cluster meets, without the password */
    String display() {
        return settings.display();
    }

    @Override
    protected void doStop() {
        close();
    }

    /** Leaves the cluster and closes the link; harmless when called again. */
    void close() {
        try {
            member.close();
        } finally {
            link.close();
        }
    }
}
