package io.wslb.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.wslb.jetty.testing.BackendConnection;
import io.wslb.jetty.testing.ClientSocket;
import io.wslb.jetty.testing.CloseStatus;
import io.wslb.jetty.testing.Closer;
import io.wslb.jetty.testing.EchoBackend;
import io.wslb.jetty.testing.EchoBackends;
import io.wslb.jetty.testing.WsClient;
import io.wslb.strategies.BalancingStrategies;
import io.wslb.testing.RedisServer;
import io.wslb.testing.RedisServerExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 17's acceptance, Redis outages: three balancer instances on real Jetty servers take 50 handshakes a second
 * between them (each a client that opens, exchanges one echo and closes) while their one real redis-server is killed,
 * or frozen with SIGSTOP, for 30 seconds. Redis down costs sharing, never a handshake: none fails, the handshake latency
 * grows by the lookup budget at most, every key keeps its backend, and within 5 seconds of Redis's return the instances
 * share again. Each instance logs the outage once and the recovery once.
 *
 * <p>The latency bound compares handshakes that no pause of the whole test process overlapped ({@link PauseMeter}):
 * on a 2-core machine shared with other work, such pauses move a p99 by hundreds of milliseconds either way, before or
 * during the outage. The figures with them are printed too.
 *
 * <p>Everything runs with the defaults a user gets: the link's 1 s timeout and probe, the store's 50 ms lookup budget
 * and 5 s near cache, the cluster's 1 s heartbeat. The strategy is the power of two choices, which reads the shared
 * counts on every pick, and is random enough that two instances not sharing would disagree on a new key.
 */
@Timeout(150)
class RedisOutageAcceptanceTest {

    @RegisterExtension
    static final RedisServerExtension REDIS = new RedisServerExtension();

    /** Handshakes per second, the three instances together. */
    private static final int RATE = 50;
    private static final Duration OUTAGE = Duration.ofSeconds(30);
    private static final Duration WARM_UP = Duration.ofSeconds(2);
    private static final Duration BASELINE = Duration.ofSeconds(5);
    private static final Duration BUDGET = RedisSessionStore.Builder.DEFAULT_LOOKUP_BUDGET;
    /** What the issue allows a handshake's p99 to grow by while Redis is down: the lookup budget and 10 ms. */
    private static final Duration ALLOWED_P99_INCREASE = BUDGET.plusMillis(10);
    /** A pause of the whole test process this long or longer is the machine's, not Redis's (see {@link PauseMeter}). */
    private static final Duration PAUSE = Duration.ofMillis(10);
    private static final Duration SHARE_AGAIN_WITHIN = Duration.ofSeconds(5);
    /** Keys first seen before the outage, visited through every instance before and during it. */
    private static final int OLD_KEYS = 30;
    private static final Duration PATIENCE = Duration.ofSeconds(15);

    private final Closer closer = new Closer();

    @AfterEach
    void closeAll() throws Exception {
        closer.close();
    }

    @Test
    void redisKilledFor30s_underLoad_noHandshakeFails_p99GrowsByTheBudgetAtMost_keysKeepTheirBackend_sharingResumesWithin5s()
        throws Exception {
        outage("killed", RedisServer::stop, RedisServer::restart);
    }

    @Test
    void redisFrozenFor30s_underLoad_noHandshakeFails_p99GrowsByTheBudgetAtMost_keysKeepTheirBackend_sharingResumesWithin5s()
        throws Exception {
        outage("frozen", RedisServer::freeze, RedisServer::thaw);
    }

    private void outage(String kind, Consumer<RedisServer> cut, Consumer<RedisServer> restore) throws Exception {
        String prefix = kind + ":";
        EchoBackends backends = closer.add(EchoBackends.start(3));
        List<BalancerInstance> instances = new ArrayList<>();
        for (String id : List.of("lb-a", "lb-b", "lb-c")) {
            instances.add(closer.add(BalancerInstance.start(id, REDIS.uri(), prefix, backends.members(),
                BalancingStrategies.powerOfTwoChoices(), b -> b, b -> b)));
        }
        WsClient client = closer.add(WsClient.start());
        // The old keys, placed through A and in Redis before the load starts; the load then visits each through all three.
        Map<String, String> seeded = new LinkedHashMap<>();
        for (int k = 0; k < OLD_KEYS; k++) {
            seeded.put(oldKey(k), instances.get(0).visit(client, backends, oldKey(k), "seed" + k));
        }
        await("the old keys in Redis").atMost(PATIENCE).pollInterval(Duration.ofMillis(20)).untilAsserted(() -> seeded.forEach((key, backend) ->
            assertThat(REDIS.server().command("GET", prefix + "session:" + key)).as(key).isEqualTo("wslb1:" + backend)));

        try (LogCapture log = new LogCapture(); PauseMeter meter = new PauseMeter(PAUSE); PacedLoad load = new PacedLoad(instances, client)) {
            load.start();
            load.awaitIssued(perSecond(WARM_UP));
            long baselineFrom = System.nanoTime();
            load.awaitIssued(perSecond(WARM_UP) + perSecond(BASELINE));

            long cutAt = System.nanoTime();
            cut.accept(REDIS.server());
            long issuedAtCut = load.issued();
            load.awaitIssued(issuedAtCut + perSecond(OUTAGE));
            restore.accept(REDIS.server());
            long restoredAt = System.nanoTime();

            // Sharing again: every link up, and a new key placed through each instance found at its backend through the
            // other two. Each key is in Redis before the others look, as a reconnecting client's would be: the store records
            // a key after its handshake, without holding the handshake for it.
            await("every link up").atMost(SHARE_AGAIN_WITHIN).pollInterval(Duration.ofMillis(20))
                .until(() -> instances.stream().allMatch(i -> i.link.state().isUp()));
            long allUpAt = System.nanoTime();
            for (int x = 0; x < instances.size(); x++) {
                BalancerInstance placer = instances.get(x);
                String key = "after-" + placer.id;
                String backend = placer.visit(client, backends, key, "probe-" + placer.id);
                await(key + " in Redis").atMost(SHARE_AGAIN_WITHIN).pollInterval(Duration.ofMillis(10))
                    .until(() -> ("wslb1:" + backend).equals(REDIS.server().command("GET", prefix + "session:" + key)));
                for (BalancerInstance other : instances) {
                    if (other != placer) {
                        assertThat(other.visit(client, backends, key, "probe-" + placer.id + "-" + other.id))
                            .as("a key placed through %s after the return, through %s", placer.id, other.id).isEqualTo(backend);
                    }
                }
            }
            long sharedAt = System.nanoTime();
            // A key placed through X during the outage, written back by X when Redis returned, is found through the others.
            Map<String, Map<String, String>> crossChecks = new TreeMap<>();
            load.awaitIssued(load.issued() + RATE / 2);
            List<PacedLoad.Result> soFar = load.results();
            Map<String, String> backendOfTag = backendsByTag(backends);
            for (BalancerInstance placer : instances) {
                // Five keys first placed through it during the outage, from its start to its end.
                List<PacedLoad.Result> placedInOutage = soFar.stream()
                    .filter(r -> r.instance().equals(placer.id) && r.key().startsWith("new-") && r.failure() == null)
                    .sorted(Comparator.comparingLong(PacedLoad.Result::startNanos))
                    .collect(Collectors.toMap(PacedLoad.Result::key, r -> r, (first, later) -> first, LinkedHashMap::new))
                    .values().stream().filter(r -> r.startNanos() >= cutAt && r.startNanos() < restoredAt).toList();
                assertThat(placedInOutage).as("keys first placed through " + placer.id + " during the outage").hasSizeGreaterThan(5);
                for (int k = 0; k < 5; k++) {
                    PacedLoad.Result placed = placedInOutage.get(k * (placedInOutage.size() - 1) / 4);
                    String backend = backendOfTag.get(placed.tag());
                    for (BalancerInstance other : instances) {
                        if (other != placer) {
                            String found = other.visit(client, backends, placed.key(), "cross-" + placed.tag() + "-" + other.id);
                            String seen = found.equals(backend) ? found : found + " != " + backend;
                            crossChecks.computeIfAbsent(placed.key(), key -> new TreeMap<>()).put(other.id, seen);
                            assertThat(found).as("%s, placed through %s during the outage, through %s", placed.key(), placer.id, other.id)
                                .isEqualTo(backend);
                        }
                    }
                }
            }
            load.awaitIssued(load.issued() + RATE);
            load.stop();

            List<PacedLoad.Result> results = load.results();
            List<PacedLoad.Result> failed = results.stream().filter(r -> r.failure() != null).toList();
            backendOfTag = backendsByTag(backends);
            Map<String, Set<String>> backendsOfKey = new TreeMap<>();
            int revisitsInOutage = 0;
            Map<String, String> firstBackend = new HashMap<>();
            for (PacedLoad.Result r : results) {
                if (r.failure() != null) {
                    continue;
                }
                String backend = backendOfTag.get(r.tag());
                assertThat(backend).as("the backend of " + r.tag()).isNotNull();
                backendsOfKey.computeIfAbsent(r.key(), k -> new TreeSet<>()).add(backend);
                if (firstBackend.putIfAbsent(r.instance() + "/" + r.key(), backend) != null && r.startNanos() >= cutAt && r.startNanos() < restoredAt) {
                    revisitsInOutage++;
                }
            }
            Map<String, Set<String>> split = backendsOfKey.entrySet().stream().filter(e -> e.getValue().size() > 1)
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue, (x, y) -> x, TreeMap::new));
            Latency before = Latency.of(results, baselineFrom, cutAt, r -> true);
            Latency during = Latency.of(results, cutAt, restoredAt, r -> true);
            Latency after = Latency.of(results, restoredAt, Long.MAX_VALUE, r -> true);
            // The same, without the handshakes that a pause of the whole process overlapped: those measure the machine.
            Predicate<PacedLoad.Result> unpaused = r -> !meter.pausedDuring(r.startNanos(), r.startNanos() + r.handshakeNanos());
            Latency beforeUnpaused = Latency.of(results, baselineFrom, cutAt, unpaused);
            Latency duringUnpaused = Latency.of(results, cutAt, restoredAt, unpaused);
            List<PauseMeter.Pause> pauses = meter.pauses();
            List<String> outageLines = log.lines("WARN", "io.wslb.redis.RedisLink", "stopped answering");
            List<String> recoveryLines = log.lines("INFO", "io.wslb.redis.RedisLink", "answers again");

            System.out.printf("Redis %s for %d s, %d handshakes/s over 3 instances (%d in all, %d failed)%n", kind, OUTAGE.toSeconds(), RATE,
                results.size(), failed.size());
            System.out.printf("  handshake before: %s%n  handshake during: %s%n  handshake after:  %s%n", before, during, after);
            System.out.printf("  p99 grew by %.1f ms; %d handshakes during the outage took the lookup budget (%d ms) or longer%n",
                (during.p99Micros() - before.p99Micros()) / 1000.0, during.atLeast(BUDGET), BUDGET.toMillis());
            System.out.printf("  the process paused %d times for %d ms or more (longest %d ms, %d ms in all); outside those pauses:%n"
                    + "  handshake before: %s%n  handshake during: %s%n  p99 grew by %.1f ms (allowed: %d ms)%n", pauses.size(), PAUSE.toMillis(),
                pauses.stream().mapToLong(PauseMeter.Pause::millis).max().orElse(0), pauses.stream().mapToLong(PauseMeter.Pause::millis).sum(),
                beforeUnpaused, duringUnpaused, (duringUnpaused.p99Micros() - beforeUnpaused.p99Micros()) / 1000.0, ALLOWED_P99_INCREASE.toMillis());
            System.out.printf("  slowest handshakes during the outage (ms after the cut: ms, instance, key): %s%n", results.stream()
                .filter(r -> r.failure() == null && r.startNanos() >= cutAt && r.startNanos() < restoredAt)
                .sorted(Comparator.comparingLong(PacedLoad.Result::handshakeNanos).reversed()).limit(5)
                .map(r -> String.format("%d: %.1f %s %s", TimeUnit.NANOSECONDS.toMillis(r.startNanos() - cutAt), r.handshakeNanos() / 1e6,
                    r.instance(), r.key()))
                .toList());
            System.out.printf("  every link up %d ms after the return, sharing again (a new key through each instance found through"
                    + " the other two) after %d ms%n", TimeUnit.NANOSECONDS.toMillis(allUpAt - restoredAt),
                TimeUnit.NANOSECONDS.toMillis(sharedAt - restoredAt));
            System.out.printf("  %d keys, %d split between backends; %d revisits during the outage on the instance that saw the key;"
                + " outage keys found through the other instances after the return: %s%n", backendsOfKey.size(), split.size(), revisitsInOutage,
                crossChecks);
            System.out.printf("  RedisLink lines: %d outage, %d recovery; link changes %s; everything io.wslb logged:%n", outageLines.size(),
                recoveryLines.size(), instances.stream().collect(Collectors.toMap(i -> i.id, i -> i.linkChanges, (x, y) -> x, TreeMap::new)));
            log.lines("io.wslb.").forEach(line -> System.out.println("    " + line));

            assertThat(failed).as("failed handshakes").isEmpty();
            assertThat(during.count()).as("handshakes during the outage").isGreaterThanOrEqualTo(perSecond(OUTAGE) * 9 / 10);
            // Measured outside the machine's pauses, which a loaded 2-core machine makes long and many enough to move a p99 by
            // more than the bound either way; a handshake that waits for Redis is not a pause, so the bound still holds it.
            assertThat(beforeUnpaused.count()).as("handshakes before the outage outside pauses: the machine let the test measure")
                .isGreaterThanOrEqualTo(before.count() / 2);
            assertThat(duringUnpaused.count()).as("handshakes during the outage outside pauses: the machine let the test measure")
                .isGreaterThanOrEqualTo(during.count() / 2);
            assertThat(duringUnpaused.p99Micros() - beforeUnpaused.p99Micros()).as("p99 during the outage over p99 before, us")
                .isLessThanOrEqualTo(ALLOWED_P99_INCREASE.toNanos() / 1_000);
            assertThat(split).as("keys that reached more than one backend").isEmpty();
            assertThat(revisitsInOutage).as("revisits during the outage").isGreaterThan(perSecond(OUTAGE) / 4);
            assertThat(Duration.ofNanos(sharedAt - restoredAt)).as("from Redis's return to sharing again").isLessThanOrEqualTo(SHARE_AGAIN_WITHIN);
            for (BalancerInstance instance : instances) {
                assertThat(instance.linkChanges).as(instance.id + "'s link: one outage, one recovery")
                    .containsExactly(RedisLink.Status.DEGRADED, RedisLink.Status.UP);
                assertThat(instance.events.rejected).as(instance.id + " rejected").isEmpty();
            }
            assertThat(outageLines).as("the outage, logged once by each instance").hasSize(instances.size());
            assertThat(recoveryLines).as("the recovery, logged once by each instance").hasSize(instances.size());
            assertThat(log.lines("io.wslb.")).as("everything wslb logged meanwhile: no line per handshake, heartbeat or retry")
                .hasSize(outageLines.size() + recoveryLines.size());
        }
    }

    private static String oldKey(int k) {
        return "old-" + k;
    }

    private static int perSecond(Duration duration) {
        return (int) (duration.toMillis() * RATE / 1000);
    }

    /** {@return the backend that accepted each tagged connection} */
    private static Map<String, String> backendsByTag(EchoBackends backends) {
        Map<String, String> out = new HashMap<>();
        for (EchoBackend backend : backends.all()) {
            for (BackendConnection c : backend.connections()) {
                String query = c.upgrade().query();
                int at = query == null ? -1 : query.indexOf("&tag=");
                if (at >= 0) {
                    out.put(query.substring(at + "&tag=".length()), backend.name());
                }
            }
        }
        return out;
    }

    /** The handshake latencies of the visits that started in a window. */
    private record Latency(List<Long> sortedMicros) {

        static Latency of(Collection<PacedLoad.Result> results, long fromNanos, long toNanos, Predicate<PacedLoad.Result> kept) {
            return new Latency(results.stream().filter(r -> r.failure() == null && r.startNanos() >= fromNanos && r.startNanos() < toNanos)
                .filter(kept).map(r -> r.handshakeNanos() / 1_000).sorted().toList());
        }

        int count() {
            return sortedMicros.size();
        }

        long p50Micros() {
            return rank(sortedMicros, 0.50);
        }

        long p99Micros() {
            return rank(sortedMicros, 0.99);
        }

        long maxMicros() {
            return rank(sortedMicros, 1.0);
        }

        long atLeast(Duration duration) {
            return sortedMicros.stream().filter(us -> us >= duration.toNanos() / 1_000).count();
        }

        /** The nearest-rank percentile. */
        private static long rank(List<Long> sorted, double q) {
            if (sorted.isEmpty()) {
                return 0;
            }
            int index = (int) Math.ceil(q * sorted.size()) - 1;
            return sorted.get(Math.max(0, index));
        }

        @Override
        public String toString() {
            return String.format("p50 %.1f ms, p99 %.1f ms, max %.1f ms over %d", p50Micros() / 1000.0, p99Micros() / 1000.0, maxMicros() / 1000.0,
                count());
        }
    }

    /**
     * Clients at a steady pace: {@value #RATE} a second, whether or not earlier ones are done, each on a worker of its
     * own, in turn through each instance. Of every six, three carry an old key (the same one through the three
     * instances) and three a new key of their instance, which its instance sees three times: a key is visited again
     * only once its last visit is over, since two first visits of a key at once are two misses, which no store can
     * make agree.
     */
    static final class PacedLoad implements AutoCloseable {

        /**
         * One client's visit.
         *
         * @param instance the instance it went through
         * @param key its affinity key
         * @param tag its tag, to find its backend
         * @param startNanos when it started connecting
         * @param handshakeNanos from then to the 101
         * @param failure why it failed, if it did
         */
        record Result(String instance, String key, String tag, long startNanos, long handshakeNanos, @Nullable String failure) {}

        private final List<BalancerInstance> instances;
        private final WsClient client;
        private final ScheduledExecutorService pacer = Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "load-pacer"));
        private final ExecutorService workers = Executors.newFixedThreadPool(16, r -> new Thread(r, "load-client"));
        private final AtomicLong issued = new AtomicLong();
        private final ConcurrentLinkedQueue<Result> results = new ConcurrentLinkedQueue<>();
        /** Per instance, its new keys whose last visit is over and that are due another, oldest first. */
        private final Map<String, ConcurrentLinkedQueue<Revisit>> due = new HashMap<>();
        private final Map<String, AtomicLong> minted = new HashMap<>();

        /** A new key and how often it was visited. */
        private record Revisit(String key, int visits) {}

        PacedLoad(List<BalancerInstance> instances, WsClient client) {
            this.instances = instances;
            this.client = client;
            for (BalancerInstance instance : instances) {
                due.put(instance.id, new ConcurrentLinkedQueue<>());
                minted.put(instance.id, new AtomicLong());
            }
        }

        void start() {
            pacer.scheduleAtFixedRate(() -> {
                long i = issued.getAndIncrement();
                workers.execute(() -> visit(i));
            }, 0, TimeUnit.SECONDS.toNanos(1) / RATE, TimeUnit.NANOSECONDS);
        }

        long issued() {
            return issued.get();
        }

        /** Waits until {@code count} visits have started: the load is the test's clock. */
        void awaitIssued(long count) {
            long missing = Math.max(0, count - issued.get());
            await(count + " visits started").atMost(Duration.ofSeconds(missing / RATE + 10)).pollInterval(Duration.ofMillis(10))
                .until(() -> issued.get() >= count);
        }

        List<Result> results() {
            return List.copyOf(results);
        }

        /** Stops starting visits and waits for those under way. */
        void stop() throws InterruptedException {
            pacer.shutdownNow();
            workers.shutdown();
            if (!workers.awaitTermination(30, TimeUnit.SECONDS)) {
                throw new AssertionError("visits still under way 30 s after the load stopped");
            }
        }

        private void visit(long i) {
            BalancerInstance instance = instances.get((int) (i % 3));
            long group = i / 6;
            Revisit revisit = null;
            if (i % 6 >= 3) {
                Revisit again = due.get(instance.id).poll();
                revisit = again != null ? new Revisit(again.key(), again.visits() + 1)
                    : new Revisit("new-" + instance.id + "-" + minted.get(instance.id).getAndIncrement(), 1);
            }
            String key = revisit != null ? revisit.key() : oldKey((int) (group % OLD_KEYS));
            String tag = "L" + i;
            long start = System.nanoTime();
            long handshake = 0;
            String failure = null;
            try {
                ClientSocket socket = client.connect(instance.uri(key, tag));
                handshake = System.nanoTime() - start;
                String echoed = socket.echo(tag);
                CloseStatus closed = socket.close(1000, "done");
                if (!tag.equals(echoed)) {
                    failure = "echoed '" + echoed + "'";
                } else if (closed.code() != 1000) {
                    failure = "closed with " + closed;
                }
            } catch (Exception | AssertionError e) {
                failure = e.toString();
            }
            results.add(new Result(instance.id, key, tag, start, handshake, failure));
            if (revisit != null && revisit.visits() < 3) {
                due.get(instance.id).add(revisit);
            }
        }

        @Override
        public void close() throws InterruptedException {
            if (!pacer.isShutdown()) {
                stop();
            }
        }
    }
}
