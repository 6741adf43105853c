package io.wslb.redis;

import static java.util.Objects.requireNonNull;

import io.wslb.WebSocketLoadBalancer;
import io.wslb.redis.internal.ClusterAdmin;
import io.wslb.redis.internal.LettuceLink;
import io.wslb.redis.internal.RedisBroadcast;
import io.wslb.redis.internal.SharedCounts;
import io.wslb.spi.LoadBalancerRuntime;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * One balancer instance's part in a cluster of instances that act as one over Redis: the affinity keys they share
 * ({@link #sessionStore()}), the connection counts they publish so that least connections and its kin balance the
 * whole cluster, the admin actions (add, remove, reweight, drain, resume a backend) that reach every instance, and
 * the balancer's {@link io.wslb.Channels channels}: a message published on any instance, or by any process with
 * {@code PUBLISH <prefix>ch:<channel> <text>}, reaches the channel's clients on every instance, at most once.
 * Redis down costs affinity, balance quality and the other instances' share of a broadcast, never a handshake nor
 * a local client's broadcast: each part serves from local state while its {@link RedisLink} is degraded, and shares
 * again when it is up.
 *
 * <pre>{@code
 * RedisLink link = RedisLink.connect(URI.create("redis://127.0.0.1:6379"));
 * RedisCluster cluster = RedisCluster.builder(link).build();
 * WebSocketLoadBalancer lb = WebSocketLoadBalancer.builder()
 *     .backend(Backend.of("chat-1", URI.create("ws://10.0.0.1:3000/ws")))
 *     .strategy(BalancingStrategies.leastConnections())
 *     .affinity(AffinityResolvers.queryParameter("room"))
 *     .sessionStore(cluster.sessionStore())
 *     .build();
 * cluster.join(lb, "lb-a");  // shares counts and admin actions from now on, as instance lb-a
 * // ... serve; on shutdown, after the server has stopped:
 * cluster.close();
 * link.close();
 * }</pre>
 */
public final class RedisCluster implements AutoCloseable {

    private static final Pattern INSTANCE_ID = Pattern.compile("[A-Za-z0-9._:-]{1,64}");

    private final LettuceLink link;
    private final String keyPrefix;
    private final Duration heartbeat;
    private final RedisSessionStore store;
    private @Nullable SharedCounts counts;
    private @Nullable ClusterAdmin admin;
    private @Nullable RedisBroadcast broadcast;
    private @Nullable String instanceId;
    private boolean closed;

    private RedisCluster(Builder b) {
        this.link = b.link;
        this.keyPrefix = b.keyPrefix;
        this.heartbeat = b.heartbeat;
        this.store = RedisSessionStore.builder(b.link).ttl(b.sessionTtl).keyPrefix(b.keyPrefix).lookupBudget(b.lookupBudget).build();
    }

    /**
     * @param link the connection every part shares; the caller closes it after {@link #close()}
     * @return a builder
     */
    public static Builder builder(RedisLink link) {
        return new Builder(link);
    }

    /** @return the session store the instances share, to set on the balancer's builder */
    public RedisSessionStore sessionStore() {
        return store;
    }

    /** @return this instance's name among the others, or null before {@link #join} */
    public synchronized @Nullable String instanceId() {
        return instanceId;
    }

    /**
     * Starts sharing a built balancer's connection counts, admin actions and channel publications: it reads the shared
     * backend set (or seeds it with the balancer's backends when it is empty), then publishes and receives until
     * {@link #close()}.
     *
     * @param balancer the balancer of this instance, whose pool the cluster's admin actions change
     * @param id this instance's name among those sharing the Redis: 1 to 64 letters, digits, {@code . _ : -};
     *     unique per instance (the host name and listening port, say) and stable across its restarts
     * @throws IllegalStateException if a balancer joined already, or the cluster is closed
     */
    public synchronized void join(WebSocketLoadBalancer balancer, String id) {
        requireNonNull(balancer, "balancer");
        requireNonNull(id, "instanceId");
        if (!INSTANCE_ID.matcher(id).matches()) {
            throw new IllegalArgumentException("instanceId must be 1 to 64 letters, digits, '.', '_', ':' or '-', got '" + id + "'");
        }
        if (closed || counts != null) {
            throw new IllegalStateException(closed ? "the cluster is closed" : "a balancer joined this cluster already");
        }
        ClusterAdmin actions = ClusterAdmin.start(link, balancer.pool(), id, keyPrefix);
        SharedCounts shared = null;
        RedisBroadcast channels;
        try {
            shared = SharedCounts.start(link, balancer, id, keyPrefix, heartbeat);
            channels = RedisBroadcast.start(link, LoadBalancerRuntime.of(balancer).channels(), keyPrefix);
        } catch (RuntimeException | Error e) {
            // All or nothing: a failed join leaves no admin or counts running, and the cluster as before.
            closeQuietly(shared, e);
            closeQuietly(actions, e);
            throw e;
        }
        instanceId = id;
        admin = actions;
        counts = shared;
        broadcast = channels;
    }

    private static void closeQuietly(@Nullable AutoCloseable part, Throwable failure) {
        if (part == null) {
            return;
        }
        try {
            part.close();
        } catch (Exception closing) {
            failure.addSuppressed(closing);
        }
    }

    /**
     * @return what the admin status shows: the link's state (up, or degraded since when and why), this instance's
     *     id, the instances seen and their counts, the admin actions applied, and the broadcast's subscription and
     *     publications
     */
    public synchronized Map<String, Object> status() {
        RedisLink.State state = link.state();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("uri", link.uri().toString());
        out.put("state", state.status().name());
        out.put("since", state.since().toString());
        out.put("lastError", state.lastError());
        out.put("instanceId", instanceId);
        SharedCounts shared = counts;
        ClusterAdmin actions = admin;
        if (shared != null) {
            out.put("counts", shared.status());
        }
        if (actions != null) {
            out.put("admin", actions.status());
        }
        RedisBroadcast channels = broadcast;
        if (channels != null) {
            out.put("broadcast", channels.status());
        }
        return out;
    }

    /**
     * Leaves the cluster: stops publishing (its counts leave the others' view at once), receiving, and the store; the
     * balancer's channel publications reach its own clients only from now on.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        RedisBroadcast channels = broadcast;
        if (channels != null) {
            channels.close();
        }
        SharedCounts shared = counts;
        if (shared != null) {
            shared.close();
        }
        ClusterAdmin actions = admin;
        if (actions != null) {
            actions.close();
        }
        store.close();
    }

    @Override
    public String toString() {
        return "RedisCluster[" + (instanceId != null ? instanceId : "not joined") + " on " + link.uri() + "]";
    }

    /**
     * Settings of a cluster member. Not thread-safe.
     *
     * <pre>{@code
     * RedisCluster cluster = RedisCluster.builder(RedisLink.connect(URI.create("redis://127.0.0.1:6379")))
     *     .keyPrefix("chat:").sessionTtl(Duration.ofMinutes(30)).heartbeat(Duration.ofMillis(500))
     *     .build();
     * }</pre>
     */
    public static final class Builder {

        /** The default {@link #sessionTtl}. */
        public static final Duration DEFAULT_SESSION_TTL = Duration.ofHours(1);
        /** The default {@link #heartbeat}. */
        public static final Duration DEFAULT_HEARTBEAT = Duration.ofSeconds(1);

        private final LettuceLink link;
        private String keyPrefix = RedisSessionStore.Builder.DEFAULT_KEY_PREFIX;
        private Duration sessionTtl = DEFAULT_SESSION_TTL;
        private Duration lookupBudget = RedisSessionStore.Builder.DEFAULT_LOOKUP_BUDGET;
        private Duration heartbeat = DEFAULT_HEARTBEAT;

        private Builder(RedisLink link) {
            requireNonNull(link, "link");
            if (!(link instanceof LettuceLink lettuce)) {
                throw new IllegalArgumentException("link must come from RedisLink.builder(), got " + link.getClass().getName());
            }
            this.link = lettuce;
        }

        /**
         * @param prefix what every key of this cluster starts with, so that clusters can share one Redis; default
         *     {@value RedisSessionStore.Builder#DEFAULT_KEY_PREFIX}
         * @return this builder
         */
        public Builder keyPrefix(String prefix) {
            requireNonNull(prefix, "keyPrefix");
            if (prefix.isEmpty()) {
                throw new IllegalArgumentException("keyPrefix must not be empty");
            }
            this.keyPrefix = prefix;
            return this;
        }

        /**
         * @param ttl how long an affinity key is remembered after its last use; default 1 hour
         * @return this builder
         */
        public Builder sessionTtl(Duration ttl) {
            this.sessionTtl = positive(ttl, "sessionTtl");
            return this;
        }

        /**
         * @param budget how long a handshake waits for a Redis lookup before it proceeds as a miss; default 50 ms
         * @return this builder
         */
        public Builder lookupBudget(Duration budget) {
            this.lookupBudget = positive(budget, "lookupBudget");
            return this;
        }

        /**
         * @param interval how often this instance publishes its counts and reads the others'; an instance that
         *     stops leaves the others' view within three of them; 10 ms to 10 minutes, default 1 second
         * @return this builder
         */
        public Builder heartbeat(Duration interval) {
            requireNonNull(interval, "heartbeat");
            if (interval.compareTo(SharedCounts.MIN_HEARTBEAT) < 0 || interval.compareTo(SharedCounts.MAX_HEARTBEAT) > 0) {
                throw new IllegalArgumentException("heartbeat must be " + SharedCounts.MIN_HEARTBEAT.toMillis() + " ms to "
                    + SharedCounts.MAX_HEARTBEAT.toMinutes() + " minutes, got " + interval);
            }
            this.heartbeat = interval;
            return this;
        }

        /**
         * @return the cluster member, its store ready at once; counts and admin actions start with {@link #join}
         */
        public RedisCluster build() {
            return new RedisCluster(this);
        }

        private static Duration positive(Duration value, String name) {
            requireNonNull(value, name);
            if (value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException(name + " must be positive, got " + value);
            }
            return value;
        }
    }
}
