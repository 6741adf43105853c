package io.wslb.redis.internal;

import static java.util.Objects.requireNonNull;

import io.lettuce.core.Range;
import io.lettuce.core.ScoredValue;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.wslb.LiveBackend;
import io.wslb.Ticker;
import io.wslb.WebSocketLoadBalancer;
import io.wslb.redis.RedisLink;
import io.wslb.redis.internal.PeerCounts.Peer;
import io.wslb.spi.LoadBalancerRuntime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Connection counts shared between balancer instances over one {@link LettuceLink}, so that the load-aware strategies
 * compare {@link LiveBackend#clusterConnections()}: this instance's own live count plus what the other instances
 * published last.
 *
 * <p>Every heartbeat, on the link's threads, an instance publishes {@code activeConnections()} of each backend of its
 * pool in the hash {@code <keyPrefix>counts:<instanceId>} (backend id to a decimal count), which expires
 * {@value #EXPIRY_HEARTBEATS} heartbeats later unless the next heartbeat renews it, and enters itself in the sorted set
 * {@code <keyPrefix>instances}, scored by the Redis server's time ({@code TIME}, in milliseconds) of that heartbeat
 * ({@link CountsLayout}). It then reads the hashes of the other members (not its own), sums them per backend id and
 * hands the sum to {@link LoadBalancerRuntime#peerConnections(Map)}. Two round trips, each a pipeline of commands sent
 * without waiting: {@code TIME}, {@code HSET}, {@code HDEL} (of backends gone from the pool only), {@code PEXPIRE},
 * {@code ZRANGE ... WITHSCORES}; then {@code ZADD}, {@code ZREMRANGEBYSCORE}, {@code PEXPIRE} of the set, and one
 * {@code HGETALL} per other member.
 *
 * <p>While the link is degraded, or when a heartbeat's command goes unanswered, the balancer is given an empty map
 * (local counts only) once, and the link is told, which logs the outage; sharing resumes with the heartbeat that the
 * link coming up starts. A value that wslb did not write (a count that is not a decimal integer, a key of another
 * type) is ignored with one WARN per key and hour; this instance's own keys holding one are replaced. Nothing here
 * blocks a caller's thread but {@link #close()}, which waits a bounded time for Redis to acknowledge the deletion of
 * this instance's entries.
 */
public final class SharedCounts implements AutoCloseable {

    /** How many heartbeats an instance's counts outlive their last renewal. */
    public static final int EXPIRY_HEARTBEATS = 3;
    /** After how many expiries without a heartbeat a member of the instance set is ignored and pruned. */
    public static final int PRUNE_AFTER_EXPIRIES = 10;
    /** The shortest heartbeat accepted. */
    public static final Duration MIN_HEARTBEAT = Duration.ofMillis(10);
    /** The longest heartbeat accepted. */
    public static final Duration MAX_HEARTBEAT = Duration.ofMinutes(10);

    private static final Logger LOG = LoggerFactory.getLogger(SharedCounts.class);
    // The rule of RedisCluster.join, the only caller outside tests.
    private static final Pattern INSTANCE_ID = Pattern.compile("[A-Za-z0-9._:-]{1,64}");
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(1);

    private final LettuceLink link;
    private final ScheduledExecutorService executor;
    private final LoadBalancerRuntime runtime;
    private final WebSocketLoadBalancer balancer;
    private final String instanceId;
    private final CountsLayout keys;
    private final String countsKey;
    private final long heartbeatMillis;
    private final long expiryMillis;
    private final long pruneAfterMillis;
    private final Ticker ticker;
    private final RateLimitedWarnings warnings;
    private final AtomicBoolean inFlight = new AtomicBoolean();
    private final Object lock = new Object();
    private final RedisLink.Listener onLinkChange = (previous, current) -> onLinkChange(current.isUp());
    private final ScheduledFuture<?> schedule;

    // Written under the lock; read without it where a stale answer costs one heartbeat at most.
    private volatile boolean closed;
    private volatile CountsSnapshot snapshot;
    private volatile long heartbeats;
    // Guarded by the lock.
    private boolean shared;
    private long generation;
    // Read and written by the one heartbeat in flight only.
    private Set<String> publishedFields = Set.of();

    private SharedCounts(LettuceLink link, WebSocketLoadBalancer balancer, String instanceId, String keyPrefix, Duration heartbeat,
                         Ticker ticker) {
        this.link = link;
        this.executor = link.executor();
        this.balancer = balancer;
        this.runtime = LoadBalancerRuntime.of(balancer);
        this.instanceId = instanceId;
        this.keys = CountsLayout.under(keyPrefix);
        this.countsKey = keys.countsKey(instanceId);
        this.heartbeatMillis = heartbeat.toMillis();
        this.expiryMillis = EXPIRY_HEARTBEATS * heartbeatMillis;
        this.pruneAfterMillis = PRUNE_AFTER_EXPIRIES * expiryMillis;
        this.ticker = ticker;
        this.warnings = new RateLimitedWarnings(LOG, ticker);
        this.snapshot = CountsSnapshot.localOnly(Map.of(), ticker.nanos());
        link.addListener(onLinkChange);
        this.schedule = executor.scheduleAtFixedRate(this::beat, 0, heartbeat.toNanos(), TimeUnit.NANOSECONDS);
    }

    /**
     * Starts publishing this instance's counts and reading the others', every {@code heartbeat}; returns at once.
     *
     * @param link the connection, shared; its owner closes it after {@link #close()}
     * @param balancer this instance's balancer: its pool's counts are published, the others' are given to it
     * @param instanceId this instance's name among those sharing the prefix, unique and stable across its restarts:
     *     1 to 64 characters out of letters, digits and {@code . _ : -}
     * @param keyPrefix what every Redis key of wslb starts with ({@code wslb:}, say)
     * @param heartbeat how often to publish and read; counts expire {@value #EXPIRY_HEARTBEATS} heartbeats after
     *     the last; 10 ms to 10 minutes (1 second is the usual)
     * @return the running shared counts
     * @throws IllegalArgumentException if a setting is out of range, naming it
     * @throws NullPointerException if a setting is null, naming it
     */
    public static SharedCounts start(LettuceLink link, WebSocketLoadBalancer balancer, String instanceId, String keyPrefix, Duration heartbeat) {
        return start(link, balancer, instanceId, keyPrefix, heartbeat, Ticker.system());
    }

    /**
     * {@link #start(LettuceLink, WebSocketLoadBalancer, String, String, Duration)} with the clock of the warning
     * limits, status ages and round-trip times; whether an instance is alive is never this clock's business.
     *
     * @param link the connection, shared
     * @param balancer this instance's balancer
     * @param instanceId this instance's name
     * @param keyPrefix what every Redis key of wslb starts with
     * @param heartbeat how often to publish and read
     * @param ticker the local time source
     * @return the running shared counts
     * @throws IllegalArgumentException if a setting is out of range, naming it
     * @throws NullPointerException if a setting is null, naming it
     */
    public static SharedCounts start(LettuceLink link, WebSocketLoadBalancer balancer, String instanceId, String keyPrefix, Duration heartbeat,
                                     Ticker ticker) {
        requireNonNull(link, "link");
        requireNonNull(balancer, "balancer");
        requireNonNull(instanceId, "instanceId");
        requireNonNull(keyPrefix, "keyPrefix");
        requireNonNull(heartbeat, "heartbeat");
        requireNonNull(ticker, "ticker");
        if (!INSTANCE_ID.matcher(instanceId).matches()) {
            throw new IllegalArgumentException("instanceId must be 1 to 64 letters, digits, '.', '_', ':' or '-', got '" + instanceId + "'");
        }
        if (heartbeat.compareTo(MIN_HEARTBEAT) < 0 || heartbeat.compareTo(MAX_HEARTBEAT) > 0) {
            throw new IllegalArgumentException("heartbeat must be " + MIN_HEARTBEAT.toMillis() + " ms to " + MAX_HEARTBEAT.toMinutes()
                + " minutes, got " + heartbeat);
        }
        return new SharedCounts(link, balancer, instanceId, keyPrefix, heartbeat, ticker);
    }

    /**
     * @return for the admin status: this instance's id, the heartbeat and expiry, whether the balancer has the other
     *     instances' counts now ({@code shared}), what this instance published last, the other instances read at the
     *     last heartbeat with their counts and the age of their last heartbeat, the sum given to the balancer, the
     *     last heartbeat's round trip, and how many heartbeats have shared counts so far
     */
    public Map<String, Object> status() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("instanceId", instanceId);
        out.put("heartbeatMs", heartbeatMillis);
        out.put("expiryMs", expiryMillis);
        out.putAll(snapshot.status(ticker.nanos()));
        out.put("heartbeats", heartbeats);
        return out;
    }

    /**
     * Stops the heartbeat and deletes this instance's hash and set member, so that its counts leave the others' view
     * at once (best effort: while Redis is down they expire instead); the balancer goes back to local counts. Waits at
     * most a second for Redis to acknowledge; harmless when called again.
     */
    @Override
    public void close() {
        CompletableFuture<?> deleted = CompletableFuture.completedFuture(null);
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            schedule.cancel(false);
            link.removeListener(onLinkChange);
            RedisAsyncCommands<String, String> redis = link.isUp() ? link.commands() : null;
            if (redis != null) {
                // Under the lock, so that no heartbeat's write can follow these on the connection.
                deleted = CompletableFuture.allOf(redis.del(countsKey).toCompletableFuture(),
                    redis.zrem(keys.instancesKey(), instanceId).toCompletableFuture());
            }
            localOnlyLocked();
        }
        try {
            deleted.get(CLOSE_WAIT.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            LOG.debug("could not delete the counts of instance {} from Redis at {}; they expire within {} ms", instanceId, link.uri(),
                expiryMillis, e);
        }
    }

    @Override
    public String toString() {
        return "SharedCounts(" + instanceId + ", " + countsKey + ", heartbeat " + heartbeatMillis + " ms)";
    }

    private void onLinkChange(boolean up) {
        try {
            // Off the link's lock, under which it tells its listeners.
            executor.execute(up ? this::beat : this::localOnly);
        } catch (RejectedExecutionException e) {
            // The link is closing.
        }
    }

    /** One heartbeat, unless the previous one is still waiting for Redis (which answers, or times out). */
    private void beat() {
        if (closed || !inFlight.compareAndSet(false, true)) {
            return;
        }
        CompletableFuture<?> done;
        try {
            done = publish().thenCompose(this::read);
        } catch (RuntimeException e) {
            done = CompletableFuture.failedFuture(e);
        }
        done.whenComplete((ignored, failure) -> {
            inFlight.set(false);
            if (failure != null && !closed && !executor.isShutdown()) {
                // A bug rather than Redis; the next heartbeat tries again.
                localOnly();
                warnings.other("shared counts of instance " + instanceId + ": a heartbeat failed: " + LettuceLink.unwrap(failure));
            }
        });
    }

    /** The first round trip: the server's time, this instance's counts, and who the others are. */
    private CompletableFuture<@Nullable Published> publish() {
        RedisAsyncCommands<String, String> redis = link.isUp() ? link.commands() : null;
        if (redis == null) {
            localOnly();
            return CompletableFuture.completedFuture(null);
        }
        Map<String, Integer> counts = new TreeMap<>();
        for (LiveBackend backend : balancer.pool().backends()) {
            counts.put(backend.id(), backend.activeConnections());
        }
        List<String> gone = new ArrayList<>();
        for (String field : publishedFields) {
            if (!counts.containsKey(field)) {
                gone.add(field);
            }
        }
        Published sent;
        synchronized (lock) {
            if (closed) {
                return CompletableFuture.completedFuture(null);
            }
            sent = Published.send(redis, keys, instanceId, counts, gone, expiryMillis, generation, ticker.nanos());
        }
        // Off Lettuce's I/O thread, as every reply is.
        return CompletableFuture.allOf(sent.all().toArray(CompletableFuture<?>[]::new)).thenApplyAsync(ignored -> sent, executor);
    }

    /** The second round trip: this instance's entry in the set, and the other instances' hashes. */
    private CompletableFuture<@Nullable Void> read(@Nullable Published sent) {
        if (sent == null) {
            return CompletableFuture.completedFuture(null);
        }
        if (anOutage(sent.all())) {
            return CompletableFuture.completedFuture(null);
        }
        Reply<Long> hset = sent.hset().join();
        if (hset.failure() == null) {
            publishedFields = sent.counts().keySet();
        } else if (hset.wrongType()) {
            warnings.aboutKey(countsKey, "replacing " + countsKey + ", which is not a hash of counts that wslb wrote (Redis at " + link.uri() + ")");
        } else {
            refused("its counts were not written", hset);
        }
        for (CompletableFuture<? extends Reply<?>> renewal : sent.renewals()) {
            if (!renewal.join().wrongType()) {
                refused("its counts were not renewed", renewal.join());
            }
        }
        Reply<List<String>> time = sent.time().join();
        long serverMillis = CountsLayout.serverMillis(time.value());
        if (serverMillis < 0) {
            if (time.failure() != null) {
                refused("TIME was not answered", time);
            } else {
                warnings.other("shared counts of instance " + instanceId + ": TIME answered " + time.value() + ", not the server's time (Redis at "
                    + link.uri() + ")");
            }
            localOnly();
            return CompletableFuture.completedFuture(null);
        }
        Reply<List<ScoredValue<String>>> members = sent.members().join();
        String instancesKey = keys.instancesKey();
        if (members.wrongType()) {
            warnings.aboutKey(instancesKey, "replacing " + instancesKey + ", which is not the sorted set of instances that wslb writes (Redis at "
                + link.uri() + ")");
        } else if (members.failure() != null) {
            refused("the instances were not read", members);
            localOnly();
            return CompletableFuture.completedFuture(null);
        }
        List<ScoredValue<String>> listed = members.value();
        List<Peer> peers = new ArrayList<>();
        List<CompletableFuture<? extends Reply<?>>> writes = new ArrayList<>();
        synchronized (lock) {
            RedisAsyncCommands<String, String> redis = link.isUp() ? link.commands() : null;
            if (closed || sent.generation() != generation || redis == null) {
                return CompletableFuture.completedFuture(null);
            }
            if (hset.wrongType()) {
                writes.add(Reply.of(redis.del(countsKey)));
            }
            if (members.wrongType()) {
                writes.add(Reply.of(redis.del(instancesKey)));
            }
            // Liveness is Redis's alone: an instance counts while its hash exists, which the server expires on its own
            // clock (PEXPIRE), and the scores are the server's TIME, so no two machines' clocks are ever compared.
            writes.add(Reply.of(redis.zadd(instancesKey, (double) serverMillis, instanceId)));
            // A member this old is ignored and pruned, unread.
            long staleBefore = serverMillis - pruneAfterMillis;
            writes.add(Reply.of(redis.zremrangebyscore(instancesKey, Range.from(Range.Boundary.unbounded(), Range.Boundary.excluding(staleBefore)))));
            writes.add(Reply.of(redis.pexpire(instancesKey, pruneAfterMillis)));
            for (ScoredValue<String> member : listed != null ? listed : List.<ScoredValue<String>>of()) {
                if (member.hasValue() && !member.getValue().equals(instanceId) && member.getScore() >= staleBefore) {
                    String id = member.getValue();
                    peers.add(new Peer(id, Math.max(0, serverMillis - (long) member.getScore()), Reply.of(redis.hgetall(keys.countsKey(id)))));
                }
            }
        }
        List<CompletableFuture<? extends Reply<?>>> all = new ArrayList<>(writes);
        peers.forEach(peer -> all.add(peer.hash()));
        return CompletableFuture.allOf(all.toArray(CompletableFuture<?>[]::new)).thenAcceptAsync(ignored -> sum(sent, writes, peers), executor);
    }

    /** Sums the other instances' counts per backend id, and gives the sum to the balancer. */
    private void sum(Published sent, List<CompletableFuture<? extends Reply<?>>> writes, List<Peer> peers) {
        if (anOutage(writes) || anOutage(peers.stream().map(Peer::hash).toList())) {
            return;
        }
        for (CompletableFuture<? extends Reply<?>> write : writes) {
            refused("this instance was not listed among the instances", write.join());
        }
        PeerCounts read = PeerCounts.sum(peers, keys, (key, what) -> warnings.aboutKey(key, what + " (Redis at " + link.uri() + ")"), this::refused);
        long now = ticker.nanos();
        synchronized (lock) {
            if (closed || sent.generation() != generation || !link.isUp()) {
                return;
            }
            runtime.peerConnections(read.total());
            shared = true;
            heartbeats++;
            snapshot = new CountsSnapshot(true, sent.counts(), read.seen(), read.total(), now, now - sent.startedAt());
        }
    }

    /**
     * @return whether a command went unanswered; if so, the balancer counts locally and the link is told (it degrades,
     *     and logs the outage once)
     */
    private boolean anOutage(List<? extends CompletableFuture<? extends Reply<?>>> replies) {
        for (CompletableFuture<? extends Reply<?>> reply : replies) {
            Reply<?> answer = reply.join();
            Throwable failure = answer.failure();
            if (failure != null && answer.outage()) {
                localOnly();
                link.commandFailed(failure);
                return true;
            }
        }
        return false;
    }

    /** An error that Redis answered, other than the WRONGTYPE of a foreign value: logged at most once a minute. */
    private void refused(String what, Reply<?> reply) {
        Throwable failure = reply.failure();
        if (failure != null) {
            warnings.other("shared counts of instance " + instanceId + ": " + what + " (Redis at " + link.uri() + "): "
                + LettuceLink.unwrap(failure));
        }
    }

    private void localOnly() {
        synchronized (lock) {
            localOnlyLocked();
        }
    }

    /** The balancer back to its local counts, once per outage; a heartbeat in flight is discarded. */
    private void localOnlyLocked() {
        generation++;
        if (shared) {
            shared = false;
            runtime.peerConnections(Map.of());
        }
        CountsSnapshot last = snapshot;
        if (last.shared()) {
            snapshot = CountsSnapshot.localOnly(last.published(), ticker.nanos());
        }
    }
}
