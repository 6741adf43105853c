package io.wslb.redis.internal;

import static java.util.Objects.requireNonNull;

import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.wslb.Backend;
import io.wslb.BackendPool;
import io.wslb.LiveBackend;
import io.wslb.redis.RedisLink;
import io.wslb.redis.internal.BackendRecord.Action;
import io.wslb.redis.internal.BackendRecord.Part;
import io.wslb.redis.internal.BackendRecord.State;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Admin actions made on one balancer instance reach every instance on the same Redis: adding, updating
 * (reweighting), removing, draining (with its window, and whether the backend is forgotten after) and resuming a
 * backend. The instances share a backend set, the hash {@code <prefix>backends} (backend id to a
 * {@link BackendRecord}), and announce each change on the channel {@code <prefix>admin}.
 *
 * <p><b>Ordering and conflicts.</b> Every change is written by one Lua script that takes a version from
 * {@code INCR <prefix>backends:version}, stores the record with it and publishes it, so Redis orders all changes of
 * all instances, and the hash always holds the latest record of each backend. An instance applies a record only if
 * its version is newer than the last it applied (or wrote) for that backend. The last writer wins, part by part: an
 * update writes the configuration and keeps the drain state the record had, a drain or a resume writes the drain state
 * and keeps the configuration, so a reweight on one instance and a drain on another, concurrent or made during an
 * outage, both hold; an add and a removal write the whole record. A removal leaves a tombstone (state
 * {@code removed}) with its version, which an update, drain or resume does not write over (the removal wins and the
 * writer removes the backend too), and a late, older record does not bring the backend back; adding the id again
 * writes a newer version over it.
 *
 * <p><b>No echo.</b> Changes from Redis are applied to the local pool with this instance's listener muted on the
 * applying thread, and a change that leaves the backend as this instance last knew it is not announced, so one admin
 * action costs one version, whatever the number of instances.
 *
 * <p><b>Start and recovery.</b> The instance subscribes first, and reads the whole set each time the subscription is
 * in place and each time its link comes up again, so that nothing published meanwhile is missed (Pub/Sub is
 * at-most-once). If the set holds no record, the read seeds it with this instance's backends, in the same script, so
 * that one instance's configuration seeds it; once it holds records, the set wins over the local configuration:
 * its records are applied, and a local backend it does not name is removed. While Redis is down, local admin actions
 * apply at once and wait (several of one backend as one write, of every part they changed); they are written, with
 * new versions, after the next read, so they win over what another instance changed meanwhile in the same part of the
 * same backend, and lose to a removal made meanwhile. Should Redis lose the set and its counter (a restart without
 * persistence), versions start again above the highest any writer has seen, and an instance that knows newer
 * records than the set holds writes them again.
 *
 * <p>A value or message that is not a record wslb wrote is ignored with a WARN at most once a minute (per hash and
 * per channel); a record whose backend this instance refuses (an invalid URI, say) is logged once and skipped. Each
 * change applied from another instance is logged at INFO, such as {@code backend b2 drained over 30s by instance
 * lb-a}.
 *
 * <pre>{@code
 * ClusterAdmin admin = ClusterAdmin.start(link, balancer.pool(), "lb-a", "wslb:");
 * Map<String, Object> status = admin.status();   // for the admin API's status
 * admin.close();                                  // before the link
 * }</pre>
 */
public final class ClusterAdmin implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ClusterAdmin.class);
    private static final long WARN_INTERVAL_NANOS = TimeUnit.MINUTES.toNanos(1);

    /**
     * KEYS: the set, the counter. ARGV: the floor (the highest version the writer saw), the head, the who, state and
     * configuration parts, the id, the channel, the part written ({@link BackendRecord.Part}). A write of one part keeps
     * the other from the record it replaces, and does not write over a tombstone: it returns it with version 0. The
     * version is never at or below the floor, so that versions still grow after Redis lost its counter. Returns the
     * version and the record written.
     */
    static final String WRITE_SCRIPT = """
        local head = ARGV[2]
        local state, configuration = ARGV[4], ARGV[5]
        if ARGV[8] ~= 'whole' then
          local existing = redis.call('HGET', KEYS[1], ARGV[6])
          if existing and string.sub(existing, 1, #head) == head then
            local s = string.find(existing, '&state=', 1, true)
            local c = string.find(existing, '&uri=', 1, true)
            if s and not c then
              return {0, existing}
            elseif s and c and s < c then
              if ARGV[8] == 'state' then
                configuration = string.sub(existing, c)
              else
                state = string.sub(existing, s, c - 1)
              end
            end
          end
        end
        local version = redis.call('INCR', KEYS[2])
        local floor = tonumber(ARGV[1])
        if version <= floor then
          version = floor + 1
          redis.call('SET', KEYS[2], version)
        end
        local record = head .. version .. ARGV[3] .. state .. configuration
        redis.call('HSET', KEYS[1], ARGV[6], record)
        redis.call('PUBLISH', ARGV[7], record)
        return {version, record}
        """;

    /**
     * KEYS: the set, the counter. ARGV: the channel, the floor, the head, then an id and a tail per backend of the
     * reader. Seeds the set with the reader's backends when it holds no record wslb wrote, then returns the counter and
     * the whole set, read at one moment.
     */
    static final String SYNC_SCRIPT = """
        local head = ARGV[3]
        local shared = false
        for _, value in ipairs(redis.call('HVALS', KEYS[1])) do
          if string.sub(value, 1, #head) == head then
            shared = true
            break
          end
        end
        if not shared then
          local floor = tonumber(ARGV[2])
          for i = 4, #ARGV - 1, 2 do
            local version = redis.call('INCR', KEYS[2])
            if version <= floor then
              version = floor + 1
              redis.call('SET', KEYS[2], version)
            end
            local record = head .. version .. ARGV[i + 1]
            redis.call('HSET', KEYS[1], ARGV[i], record)
            redis.call('PUBLISH', ARGV[1], record)
          end
        end
        return {redis.call('GET', KEYS[2]) or '0', redis.call('HGETALL', KEYS[1])}
        """;

    /**
     * A backend as this instance last knew it.
     *
     * @param state its state
     * @param backend its configuration, null when removed
     * @param window see {@link BackendRecord#window()}
     */
    private record View(State state, @Nullable Backend backend, @Nullable Duration window) {

        static final View REMOVED = new View(State.REMOVED, null, null);

        static View of(LiveBackend live, @Nullable View before) {
            if (!live.draining()) {
                return new View(State.ACTIVE, live.backend(), null);
            }
            Duration window = before != null && before.window() != null ? before.window() : Duration.ZERO;
            return new View(State.DRAINING, live.backend(), window);
        }

        static View of(BackendRecord record) {
            return new View(record.state(), record.backend(), record.window());
        }

        BackendRecord record(String id, Action action, String origin) {
            return new BackendRecord(id, 0, action, state, backend, window, origin);
        }
    }

    /**
     * A local change not yet written.
     *
     * @param record the backend as this instance has it now, and the last action
     * @param part what the write decides: the action's part, or the whole record when it replaced a change of another
     *     part not yet written
     */
    private record Pending(BackendRecord record, Part part) {}

    /** Says at most once a minute that something was ignored, and how many were since. */
    private static final class Warnings {
        private long lastNanos = System.nanoTime() - WARN_INTERVAL_NANOS;
        private long quiet;

        /** @return the number ignored silently since the last warning, or -1 if this one must stay silent too */
        long next() {
            long now = System.nanoTime();
            if (now - lastNanos < WARN_INTERVAL_NANOS) {
                quiet++;
                return -1;
            }
            lastNanos = now;
            long before = quiet;
            quiet = 0;
            return before;
        }
    }

    private final LettuceLink link;
    private final BackendPool pool;
    private final String instanceId;
    private final String setKey;
    private final String versionKey;
    private final String channel;
    private final SerialExecutor serial;
    private final Object lock = new Object();
    private final BackendPool.Listener localChanges = new LocalChanges();
    private final RedisLink.Listener linkChanges = this::linkChanged;
    private final LettuceLink.Subscriber announcements = new Announcements();

    // Guarded by lock.
    /** The highest version applied or written here, per backend id: older records of it are ignored. */
    private final Map<String, Long> applied = new HashMap<>();
    /** Each backend as this instance last knew it, to tell a change from an echo and a resume from an update. */
    private final Map<String, View> views = new HashMap<>();
    /** Local changes not yet written, the latest per backend. */
    private final Map<String, Pending> pending = new LinkedHashMap<>();
    /** The pending changes being written now. */
    private final Set<Pending> sent = Collections.newSetFromMap(new IdentityHashMap<>());
    /** The newest record from Redis of a backend with a pending local change, held until that change is written. */
    private final Map<String, BackendRecord> held = new HashMap<>();
    private final Warnings setWarnings = new Warnings();
    private final Warnings channelWarnings = new Warnings();
    private final Warnings refusalWarnings = new Warnings();
    private long highestVersion;
    private long lastApplied;
    private long fromOthers;
    private long ignored;
    private boolean synced;
    private boolean everSynced;
    private boolean syncing;
    private boolean syncAgain;

    /** The thread applying a change from Redis to the pool, whose pool events are not this instance's changes. */
    private volatile @Nullable Thread applier;
    private volatile boolean closed;

    private ClusterAdmin(LettuceLink link, BackendPool pool, String instanceId, String keyPrefix) {
        this.link = link;
        this.pool = pool;
        this.instanceId = instanceId;
        this.setKey = keyPrefix + "backends";
        this.versionKey = keyPrefix + "backends:version";
        this.channel = keyPrefix + "admin";
        this.serial = new SerialExecutor(link.executor());
    }

    /**
     * Starts sharing {@code pool}'s membership over {@code link}: listens to the pool, subscribes, and reads (or
     * seeds) the shared set once subscribed. Returns at once.
     *
     * @param link the instance's link to Redis
     * @param pool the pool of the instance's balancer
     * @param instanceId this instance's id, unique in the cluster, named in the records it writes and in logs
     * @param keyPrefix the prefix of the keys and the channel, such as {@code wslb:}
     * @return the running cluster admin
     */
    public static ClusterAdmin start(LettuceLink link, BackendPool pool, String instanceId, String keyPrefix) {
        requireNonNull(link, "link");
        requireNonNull(pool, "pool");
        requireNonNull(instanceId, "instanceId");
        requireNonNull(keyPrefix, "keyPrefix");
        if (instanceId.isBlank()) {
            throw new IllegalArgumentException("instanceId must not be blank");
        }
        ClusterAdmin admin = new ClusterAdmin(link, pool, instanceId, keyPrefix);
        // The listener first, then what the pool holds: a change in between is seen by both, never by neither.
        pool.addListener(admin.localChanges);
        synchronized (admin.lock) {
            for (LiveBackend live : pool.backends()) {
                admin.views.putIfAbsent(live.id(), View.of(live, null));
            }
        }
        link.addListener(admin.linkChanges);
        link.subscribe(admin.channel, admin.announcements);
        return admin;
    }

    /**
     * {@return for the admin status: this instance's id, whether the shared set is in use now (read since the link
     * and the subscription were last made, and both still up), the last version applied or written here, how many
     * changes from other instances were applied, local actions waiting for Redis, and values ignored}
     */
    public Map<String, Object> status() {
        synchronized (lock) {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("instance", instanceId);
            out.put("sharedSet", synced && link.isUp() && link.isSubscribed(channel));
            out.put("lastVersionApplied", lastApplied);
            out.put("appliedFromOthers", fromOthers);
            out.put("pendingActions", pending.size());
            out.put("ignored", ignored);
            return out;
        }
    }

    /** Stops sharing: the pool keeps its backends, and local actions stay local. The link stays open. */
    @Override
    public void close() {
        closed = true;
        pool.removeListener(localChanges);
        link.removeListener(linkChanges);
        link.unsubscribe(channel);
    }

    @Override
    public String toString() {
        return "ClusterAdmin(" + instanceId + ", " + setKey + ", " + channel + ")";
    }

    /** The pool's events: this instance's admin actions, unless the applier is the one changing the pool. */
    private final class LocalChanges implements BackendPool.Listener {
        @Override
        public void onAdded(LiveBackend backend) {
            local(backend.id(), Action.ADD, backend, null);
        }

        @Override
        public void onUpdated(LiveBackend backend) {
            local(backend.id(), null, backend, null);
        }

        @Override
        public void onDraining(LiveBackend backend, Duration window, boolean forget) {
            local(backend.id(), forget ? Action.REMOVE : Action.DRAIN, backend, window);
        }

        @Override
        public void onRemoved(LiveBackend backend) {
            local(backend.id(), Action.REMOVE, backend, null);
        }
    }

    /**
     * @param action what happened, or null for an update, which may be a resume
     * @param window the drain window, for a drain or a removal drained first
     */
    private void local(String id, @Nullable Action action, LiveBackend live, @Nullable Duration window) {
        if (closed || Thread.currentThread() == applier) {
            return;
        }
        synchronized (lock) {
            View before = views.get(id);
            View now;
            Action done = action;
            if (done == Action.REMOVE) {
                if (window == null && before != null && before.state() == State.REMOVED) {
                    return; // the end of remove(id, window), announced with its drain
                }
                now = new View(State.REMOVED, null, window);
            } else if (done == Action.DRAIN) {
                now = new View(State.DRAINING, live.backend(), window);
            } else {
                now = View.of(live, before);
                if (done == null) {
                    if (now.equals(before)) {
                        return; // nothing this instance did not know: a change from Redis seen late
                    }
                    done = before != null && before.state() == State.DRAINING && now.state() == State.ACTIVE ? Action.RESUME : Action.UPDATE;
                }
            }
            views.put(id, now);
            BackendRecord record = now.record(id, done, instanceId);
            Pending earlier = pending.get(id);
            // A reweight then a drain, say, while Redis is down: one write, which must carry both parts.
            Part part = earlier == null || earlier.part() == done.part() ? done.part() : Part.WHOLE;
            pending.put(id, new Pending(record, part));
            flush();
        }
    }

    /** Writes the pending local changes, if the set was read since the link last came up. Under the lock. */
    private void flush() {
        RedisAsyncCommands<String, String> redis = synced && !closed && link.isUp() ? link.commands() : null;
        if (redis == null) {
            return;
        }
        String[] keys = {setKey, versionKey};
        for (Pending change : pending.values()) {
            if (sent.add(change)) {
                BackendRecord record = change.record();
                redis.<List<Object>>eval(WRITE_SCRIPT, ScriptOutputType.MULTI, keys, Long.toString(highestVersion), BackendRecord.HEAD,
                    record.whoPart(), record.statePart(), record.configurationPart(), record.id(), channel, change.part().wire())
                    .whenComplete((result, failure) -> serial.execute(() -> written(change, result, failure)));
            }
        }
    }

    private void written(Pending change, @Nullable List<Object> result, @Nullable Throwable failure) {
        synchronized (lock) {
            sent.remove(change);
            BackendRecord record = change.record();
            if (failure != null || result == null || result.size() != 2 || !(result.get(0) instanceof Long version)) {
                failed("write of backend " + record.id(), failure);
                return; // still pending: written after the next read
            }
            String id = record.id();
            highestVersion = Math.max(highestVersion, version);
            if (pending.get(id) != change) {
                return; // a newer local change of it follows, and is written over what this one left
            }
            pending.remove(id);
            BackendRecord shared = decode(String.valueOf(result.get(1)), null);
            if (version == 0) {
                if (shared != null) {
                    apply(shared, false); // removed meanwhile: the removal wins over this instance's update, drain or resume
                }
            } else if (version > appliedVersion(id)) {
                applied.put(id, version);
                lastApplied = Math.max(lastApplied, version);
                View before = views.get(id);
                if (shared != null && !View.of(shared).equals(before)) {
                    // The other part of the record came from another instance's change, made meanwhile: keep it here too.
                    List<String> done = enact(shared, false);
                    if (done != null) {
                        views.put(id, View.of(shared));
                        if (!done.isEmpty()) {
                            LOG.info("backend {} {}: kept from the shared set, which another instance changed while this instance's {} was on its way"
                                + " (version {})", id, String.join(", ", done), record.action().wire(), version);
                        }
                    }
                }
            }
            BackendRecord later = held.remove(id);
            if (later != null) {
                apply(later, false); // written after this instance's change, it wins
            }
        }
    }

    /** What arrives from Redis: a record applied in turn, on the serial thread. */
    private final class Announcements implements LettuceLink.Subscriber {
        @Override
        public void subscribed() {
            serial.execute(ClusterAdmin.this::sync);
        }

        @Override
        public void message(String message) {
            serial.execute(() -> announced(message));
        }
    }

    private void announced(String message) {
        if (closed) {
            return;
        }
        synchronized (lock) {
            BackendRecord record = decode(message, null);
            if (record != null) {
                apply(record, false);
            }
        }
    }

    private void linkChanged(RedisLink.State previous, RedisLink.State current) {
        if (current.isUp()) {
            serial.execute(() -> {
                // Without the subscription, the read waits for it: subscribed() reads.
                if (link.isSubscribed(channel)) {
                    sync();
                }
            });
        } else {
            synchronized (lock) {
                synced = false;
            }
        }
    }

    /** Reads the whole set (seeding it if it holds no record), then applies it and writes what is pending. */
    private void sync() {
        synchronized (lock) {
            RedisAsyncCommands<String, String> redis = closed || !link.isUp() ? null : link.commands();
            if (redis == null) {
                return;
            }
            if (syncing) {
                syncAgain = true;
                return;
            }
            syncing = true;
            List<String> args = new ArrayList<>();
            args.add(channel);
            args.add(Long.toString(highestVersion));
            args.add(BackendRecord.HEAD);
            for (LiveBackend live : pool.backends()) {
                View view = views.get(live.id());
                args.add(live.id());
                args.add((view != null && view.state() != State.REMOVED ? view : View.of(live, null)).record(live.id(), Action.SEED, instanceId).tail());
            }
            redis.<List<Object>>eval(SYNC_SCRIPT, ScriptOutputType.MULTI, new String[] {setKey, versionKey}, args.toArray(String[]::new))
                .whenComplete((result, failure) -> serial.execute(() -> read(result, failure)));
        }
    }

    private void read(@Nullable List<Object> result, @Nullable Throwable failure) {
        synchronized (lock) {
            syncing = false;
            if (closed) {
                return;
            }
            if (failure != null || result == null || result.size() != 2 || !(result.get(1) instanceof List<?> flat)) {
                failed("read of " + setKey, failure);
            } else {
                applySet(parseCounter(result.get(0)), flat);
            }
            if (syncAgain) {
                syncAgain = false;
                serial.execute(this::sync);
            }
        }
    }

    private static long parseCounter(@Nullable Object value) {
        try {
            return value == null ? 0 : Long.parseLong(value.toString());
        } catch (NumberFormatException e) {
            return 0; // INCR refuses such a counter anyway: the writes say so
        }
    }

    /** Under the lock: the whole set, read at version {@code counter}. */
    private void applySet(long counter, List<?> flat) {
        boolean historyLost = counter < highestVersion;
        highestVersion = Math.max(highestVersion, counter);
        Map<String, BackendRecord> records = new HashMap<>();
        Set<String> named = new HashSet<>();
        for (int i = 0; i + 1 < flat.size(); i += 2) {
            String field = String.valueOf(flat.get(i));
            named.add(field);
            BackendRecord record = decode(String.valueOf(flat.get(i + 1)), field);
            if (record != null) {
                records.put(field, record);
            }
        }
        List<BackendRecord> inOrder = new ArrayList<>(records.values());
        inOrder.sort(Comparator.comparingLong(BackendRecord::version));
        for (BackendRecord record : inOrder) {
            apply(record, true);
        }
        if (!records.isEmpty()) {
            // The shared set wins over this instance's configuration: a backend it does not name goes, unless this
            // instance changed it since, or learned of it from a record newer than this read.
            for (LiveBackend live : pool.backends()) {
                String id = live.id();
                if (!named.contains(id) && !pending.containsKey(id) && appliedVersion(id) <= counter) {
                    removeUnshared(id);
                }
            }
        }
        if (historyLost) {
            rewriteNewer(records);
        }
        if (!everSynced) {
            LOG.info("instance {} shares admin actions over {} (set {}, version {}, {} backends here)", instanceId, channel, setKey,
                highestVersion, pool.size());
        }
        synced = true;
        everSynced = true;
        flush();
    }

    /** Redis lost versions this instance saw: what it knows newer than the set is written again, with new versions. */
    private void rewriteNewer(Map<String, BackendRecord> records) {
        for (Map.Entry<String, View> known : views.entrySet()) {
            String id = known.getKey();
            BackendRecord inSet = records.get(id);
            if (!pending.containsKey(id) && appliedVersion(id) > (inSet == null ? 0 : inSet.version())) {
                pending.put(id, new Pending(known.getValue().record(id, Action.SEED, instanceId), Part.WHOLE));
            }
        }
    }

    /**
     * Under the lock: applies a record from Redis if it is newer than what this instance applied for its backend.
     *
     * @param fromSet read from the set (catching up) rather than announced
     */
    private void apply(BackendRecord record, boolean fromSet) {
        String id = record.id();
        highestVersion = Math.max(highestVersion, record.version());
        if (record.version() <= appliedVersion(id)) {
            return;
        }
        if (pending.containsKey(id)) {
            // This instance changed it and has not written that yet: whichever Redis ordered last wins, known once written.
            held.merge(id, record, (a, b) -> a.version() >= b.version() ? a : b);
            return;
        }
        applied.put(id, record.version());
        lastApplied = Math.max(lastApplied, record.version());
        List<String> done = enact(record, true);
        if (done == null) {
            return; // refused, and not tried again: its version counts as applied
        }
        views.put(id, View.of(record));
        if (!done.isEmpty()) {
            boolean mine = record.origin().equals(instanceId);
            if (!mine) {
                fromOthers++;
            }
            LOG.info("backend {} {} by instance {} (version {}{})", id, String.join(", ", done), record.origin(), record.version(),
                fromSet ? ", from the shared set" : "");
        }
    }

    /**
     * Brings the pool to the record's state, with this instance's listener muted.
     *
     * @param drainAgain whether a drain action drains again a backend draining already (another instance's drain does;
     *     this instance's own, written back merged, does not)
     * @return what was done, for the log; null if the pool refused it
     */
    private @Nullable List<String> enact(BackendRecord record, boolean drainAgain) {
        List<String> done = new ArrayList<>();
        applier = Thread.currentThread();
        try {
            change(record, drainAgain, done);
            return done;
        } catch (IllegalArgumentException e) {
            refused(record.id(), record.version(), record.origin(), String.valueOf(e.getMessage()));
            return null;
        } finally {
            applier = null;
        }
    }

    private void change(BackendRecord r, boolean drainAgain, List<String> done) {
        String id = r.id();
        LiveBackend live = pool.get(id);
        Backend backend = r.backend();
        Duration window = r.window();
        if (backend == null) { // removed
            if (live != null && window != null) {
                pool.remove(id, window);
                done.add("removed after draining over " + human(window));
            } else if (live != null) {
                pool.remove(id);
                done.add("removed");
            }
            return;
        }
        boolean draining = r.state() == State.DRAINING;
        Duration w = window == null ? Duration.ZERO : window;
        if (live == null) {
            if (draining) {
                // Weight 0 until drained, so that no connection reaches it between the add and the drain.
                pool.add(backend.withWeight(0));
                pool.drain(id, w);
                pool.update(backend);
                done.add("added (" + describe(backend) + ") and drained over " + human(w));
            } else {
                pool.add(backend);
                done.add("added (" + describe(backend) + ")");
            }
            return;
        }
        Backend before = live.backend();
        if (!before.equals(backend)) {
            pool.update(backend);
            done.add(changes(before, backend));
        }
        if (draining && (!live.draining() || drainAgain && r.action() == Action.DRAIN)) {
            pool.drain(id, w);
            done.add("drained over " + human(w));
        } else if (!draining && live.draining()) {
            pool.resume(id);
            done.add("resumed");
        }
    }

    /** Removes a backend the shared set does not name, with this instance's listener muted. */
    private void removeUnshared(String id) {
        applier = Thread.currentThread();
        try {
            if (pool.remove(id)) {
                LOG.info("backend {} removed: the shared backend set {} does not name it, and it wins over this instance's configuration",
                    id, setKey);
            }
        } finally {
            applier = null;
        }
        views.put(id, View.REMOVED);
    }

    /** {@return the record, or null (with a warning) if it is not one wslb wrote or its backend is refused} */
    private @Nullable BackendRecord decode(String text, @Nullable String field) {
        try {
            BackendRecord record = BackendRecord.decode(text);
            if (field == null || field.equals(record.id())) {
                return record;
            }
            ignored(field, "the record of backend " + BackendRecord.abbreviate(record.id()) + " under another field");
        } catch (BackendRecord.Malformed e) {
            String id = e.refusedId();
            if (id != null) {
                if (e.version() > appliedVersion(id)) {
                    applied.put(id, e.version());
                    refused(id, e.version(), null, String.valueOf(e.getMessage()));
                }
            } else {
                ignored(field, String.valueOf(e.getMessage()));
            }
        }
        return null;
    }

    private void ignored(@Nullable String field, String why) {
        ignored++;
        long quiet = (field == null ? channelWarnings : setWarnings).next();
        if (quiet >= 0) {
            LOG.warn("ignoring {} that wslb did not write ({}){}", field == null ? "a message on " + channel
                : "field " + BackendRecord.abbreviate(field) + " of " + setKey, why, quiet > 0 ? "; " + quiet + " more ignored since the last warning" : "");
        }
    }

    /** A change this instance cannot apply: logged once per version (it is not tried again), skipped. */
    private void refused(String id, long version, @Nullable String origin, String why) {
        ignored++;
        LOG.warn("backend {}: skipping its change of version {}{}, which this instance refuses: {}", id, version,
            origin == null ? "" : " by instance " + origin, why);
    }

    /** A command failed: an outage degrades the link (which says so); an error Redis answered is said here, once a minute. */
    private void failed(String what, @Nullable Throwable failure) {
        if (failure != null && LettuceLink.isOutage(failure)) {
            link.commandFailed(failure);
            return;
        }
        long quiet = refusalWarnings.next();
        if (quiet >= 0) {
            LOG.warn("Redis at {} refused the {}; admin actions stay local until it accepts: {}", link.uri(), what,
                failure == null ? "an answer of another form" : LettuceLink.unwrap(failure).toString());
        }
    }

    private long appliedVersion(String id) {
        return applied.getOrDefault(id, 0L);
    }

    private static String describe(Backend b) {
        StringBuilder out = new StringBuilder().append(b.uri()).append(", weight ").append(b.weight());
        if (b.maxConnections() > 0) {
            out.append(", maxConnections ").append(b.maxConnections());
        }
        if (b.backup()) {
            out.append(", backup");
        }
        if (!b.metadata().isEmpty()) {
            out.append(", metadata ").append(new TreeMap<>(b.metadata()));
        }
        return out.toString();
    }

    private static String changes(Backend before, Backend after) {
        List<String> parts = new ArrayList<>();
        if (before.weight() != after.weight()) {
            parts.add("reweighted " + before.weight() + " -> " + after.weight());
        }
        if (!before.uri().equals(after.uri())) {
            parts.add("uri " + before.uri() + " -> " + after.uri());
        }
        if (before.maxConnections() != after.maxConnections()) {
            parts.add("maxConnections " + before.maxConnections() + " -> " + after.maxConnections());
        }
        if (before.backup() != after.backup()) {
            parts.add(after.backup() ? "made a backup" : "made a primary");
        }
        if (!Objects.equals(before.metadata(), after.metadata())) {
            parts.add("metadata " + new TreeMap<>(after.metadata()));
        }
        return String.join(", ", parts);
    }

    /** {@return a window as an operator writes it: 500ms, 30s, 2m, 1h} */
    static String human(Duration window) {
        long millis = window.toMillis();
        if (millis % 1000 != 0) {
            return millis + "ms";
        }
        long seconds = millis / 1000;
        if (seconds != 0 && seconds % 3600 == 0) {
            return seconds / 3600 + "h";
        }
        if (seconds != 0 && seconds % 60 == 0) {
            return seconds / 60 + "m";
        }
        return seconds + "s";
    }
}
