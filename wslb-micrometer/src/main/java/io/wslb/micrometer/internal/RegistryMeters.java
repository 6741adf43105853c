package io.wslb.micrometer.internal;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.wslb.AffinityLookup;
import io.wslb.BackendHealth;
import io.wslb.BackendPool;
import io.wslb.CloseCause;
import io.wslb.ConnectionEnd;
import io.wslb.LiveBackend;
import io.wslb.RejectCause;
import io.wslb.Rejection;
import io.wslb.spi.ChannelHub;
import io.wslb.spi.Router;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.jspecify.annotations.Nullable;

/**
 * The meters of one balancer in one registry: the balancer's gauges and timers, and a {@link BackendMeters} per
 * backend id. Meters whose tags vary with an event (a cause, a status) are registered on their first event; the rest
 * when the balancer or the backend is bound, so that they read 0 rather than being absent.
 */
final class RegistryMeters {

    /** The states of {@code wslb.backend.state}, one gauge each. */
    enum State {
        HEALTHY, UNHEALTHY, EJECTED, DRAINING;

        final String tag = name().toLowerCase(Locale.ROOT);

        static State of(LiveBackend backend) {
            if (backend.draining()) {
                return DRAINING;
            }
            BackendHealth health = backend.health();
            return health == BackendHealth.HEALTHY ? HEALTHY : health == BackendHealth.UNHEALTHY ? UNHEALTHY : EJECTED;
        }
    }

    private static final String NONE = "none";
    private static final String[] CAUSES = tagsOf(RejectCause.values());
    private static final String[] CLOSE_CAUSES = tagsOf(CloseCause.values());
    private static final String[] LOOKUPS = tagsOf(AffinityLookup.values());

    private final MeterRegistry registry;
    private final Settings settings;
    private final Traffic traffic;
    private final Router router;
    private final Counter upgraded;
    private final Timer handshakeTime;
    /** By {@code cause.ordinal() << 16 | status}. */
    private final ConcurrentHashMap<Integer, Counter> refusals = new ConcurrentHashMap<>();
    private final AtomicReferenceArray<@Nullable Counter> lookups = new AtomicReferenceArray<>(LOOKUPS.length);
    /** get by lookup result, then put succeeded, put failed. */
    private final AtomicReferenceArray<@Nullable Timer> storeTimes = new AtomicReferenceArray<>(LOOKUPS.length + 2);
    private final ConcurrentHashMap<String, BackendMeters> backends = new ConcurrentHashMap<>();

    RegistryMeters(MeterRegistry registry, Settings settings, Traffic traffic, BackendPool pool, Router router, ChannelHub channels) {
        this.registry = registry;
        this.settings = settings;
        this.traffic = traffic;
        this.router = router;
        Gauge.builder("wslb.connections.open", traffic, Traffic::open).tags(settings.tags()).strongReference(true)
            .description("Proxied connections open now (answered 101, not yet closed)").register(registry);
        Gauge.builder("wslb.handshakes.pending", traffic, Traffic::pending).tags(settings.tags()).strongReference(true)
            .description("Handshakes waiting for their backend's answer").register(registry);
        Gauge.builder("wslb.panic", pool, p -> p.panic() ? 1 : 0).tags(settings.tags()).strongReference(true)
            .description("1 while no backend is healthy and the pool offers the unhealthy ones (panic mode), else 0")
            .register(registry);
        FunctionCounter.builder("wslb.broadcast.published", channels, ChannelHub::publishedMessages).tags(settings.tags())
            .description("Messages published to a channel, a backend's connections or all, through this instance's API")
            .register(registry);
        FunctionCounter.builder("wslb.broadcast.queued", channels, ChannelHub::queuedMessages).tags(settings.tags())
            .description("Published messages queued for a client connection of this instance, one per connection reached")
            .register(registry);
        FunctionCounter.builder("wslb.broadcast.delivered", channels, ChannelHub::deliveredMessages).tags(settings.tags())
            .description("Queued messages handed to their client's socket, as whole messages between the backend's")
            .register(registry);
        FunctionCounter.builder("wslb.broadcast.dropped", channels, ChannelHub::droppedMessages).tags(settings.tags())
            .description("Queued messages dropped because their client did not take them in time (the oldest go first)")
            .register(registry);
        upgraded = handshakes("upgraded", NONE, "101");
        handshakeTime = settings.timer("wslb.handshake.duration",
                "From the client's upgrade request to its 101, retries included", Duration.ofMillis(1), Duration.ofSeconds(30))
            .register(registry);
    }

    /** @return the registry these meters are in */
    MeterRegistry registry() {
        return registry;
    }

    private static String[] tagsOf(Enum<?>[] values) {
        String[] tags = new String[values.length];
        for (Enum<?> value : values) {
            tags[value.ordinal()] = value.name().toLowerCase(Locale.ROOT);
        }
        return tags;
    }

    /**
     * @param cause why a handshake was not proxied
     * @return {@code failed} when something broke (a backend, the balancer, the client's connection), else
     *     {@code refused} (the request, a cap, a guard, the backend's own refusal, a shutdown)
     */
    static String outcome(RejectCause cause) {
        return cause.isBackendFault() || cause == RejectCause.INTERNAL_ERROR || cause == RejectCause.CLIENT_GONE
            ? "failed" : "refused";
    }

    private Counter handshakes(String outcome, String cause, String status) {
        return Counter.builder("wslb.handshakes").tags(settings.tags())
            .tag("outcome", outcome).tag("cause", cause).tag("status", status)
            .description("Handshakes by outcome: upgraded, refused (with its cause and status) or failed").register(registry);
    }

    // ---- events of the balancer

    void opened(Duration handshake) {
        upgraded.increment();
        handshakeTime.record(handshake);
    }

    void rejected(Rejection rejection) {
        RejectCause cause = rejection.cause();
        int status = rejection.status();
        Counter counter = refusals.get(cause.ordinal() << 16 | status);
        if (counter == null) {
            counter = handshakes(outcome(cause), CAUSES[cause.ordinal()], status == 0 ? NONE : Integer.toString(status));
            refusals.put(cause.ordinal() << 16 | status, counter);
        }
        counter.increment();
    }

    void lookup(AffinityLookup result, Duration took) {
        int i = result.ordinal();
        Counter counter = lookups.get(i);
        if (counter == null) {
            counter = Counter.builder("wslb.affinity.lookups").tags(settings.tags()).tag("outcome", LOOKUPS[i])
                .description("Lookups of a client's affinity in the session store: hit, miss or error").register(registry);
            lookups.set(i, counter);
        }
        counter.increment();
        storeTime(i, "get", LOOKUPS[i]).record(took);
    }

    void stored(boolean succeeded, Duration took) {
        storeTime(succeeded ? LOOKUPS.length : LOOKUPS.length + 1, "put", succeeded ? "success" : "error").record(took);
    }

    private Timer storeTime(int slot, String operation, String outcome) {
        Timer timer = storeTimes.get(slot);
        if (timer == null) {
            timer = settings.timer("wslb.session.store.duration", "Time the session store took to answer a get or a put",
                    Duration.ofNanos(10_000), Duration.ofSeconds(1))
                .tag("operation", operation).tag("outcome", outcome).register(registry);
            storeTimes.set(slot, timer);
        }
        return timer;
    }

    void retried(String backend, RejectCause reason) {
        meters(backend).retry(reason).increment();
    }

    void connected(String backend, Duration took) {
        meters(backend).connect.record(took);
    }

    void upgradedBy(String backend, Duration took) {
        meters(backend).upgrade.record(took);
    }

    void closed(String backend, ConnectionEnd end, Duration lifetime) {
        BackendMeters meters = meters(backend);
        meters.close(end).increment();
        meters.messagesUp.increment(end.messagesFromClient());
        meters.messagesDown.increment(end.messagesFromBackend());
        meters.bytesUp.increment(end.bytesFromClient());
        meters.bytesDown.increment(end.bytesFromBackend());
        meters.lifetime.record(lifetime);
    }

    // ---- backends joining and leaving (called under the lock of BalancerMeters)

    /** Registers the meters of a backend that joined the pool, and its gauges (replacing those of a former namesake). */
    void watch(LiveBackend backend) {
        meters(backend.id()).watch(backend);
    }

    /** Removes the gauges of a backend that left the pool; the meters of its traffic stay until {@link #retire}. */
    void unwatch(LiveBackend backend) {
        BackendMeters meters = backends.get(backend.id());
        if (meters != null && meters.watched == backend) {
            meters.unwatch();
        }
    }

    /** Removes every meter of a backend that left the pool and has no connection left. */
    void retire(String backend) {
        BackendMeters meters = backends.remove(backend);
        if (meters != null) {
            meters.unwatch();
            meters.all().forEach(registry::remove);
        }
    }

    private BackendMeters meters(String backend) {
        BackendMeters meters = backends.get(backend);
        return meters != null ? meters : backends.computeIfAbsent(backend, BackendMeters::new);
    }

    /** The meters tagged with one backend id. */
    final class BackendMeters {
        final String id;
        final Gauge open;
        final Timer connect;
        final Timer upgrade;
        final Timer lifetime;
        final Counter messagesUp;
        final Counter messagesDown;
        final Counter bytesUp;
        final Counter bytesDown;
        private final AtomicReferenceArray<@Nullable Counter> retries = new AtomicReferenceArray<>(CAUSES.length);
        /** By {@code cause name + " " + code class}. */
        private final ConcurrentHashMap<String, Counter> closes = new ConcurrentHashMap<>();
        /** The pool member whose state the gauges read; null while none (guarded by the lock of BalancerMeters). */
        @Nullable LiveBackend watched;
        private List<Meter> gauges = List.of();

        BackendMeters(String id) {
            this.id = id;
            open = Gauge.builder("wslb.backend.connections.open", traffic, t -> t.open(id)).tags(settings.tags())
                .tag("backend", id).strongReference(true)
                .description("Proxied connections open now to this backend").register(registry);
            connect = settings.timer("wslb.backend.connect.duration", "Time to open the TCP (and TLS) connection to the backend",
                Duration.ofMillis(1), Duration.ofSeconds(30)).tag("backend", id).register(registry);
            upgrade = settings.timer("wslb.backend.upgrade.duration",
                "From the connection to the backend being up to the backend's 101", Duration.ofMillis(1), Duration.ofSeconds(30))
                .tag("backend", id).register(registry);
            lifetime = settings.timer("wslb.connection.lifetime", "How long proxied connections were open, from 101 to close",
                Duration.ofMillis(100), Duration.ofDays(1)).tag("backend", id).register(registry);
            messagesUp = traffic("wslb.backend.messages", null, "client_to_backend", "Whole data messages relayed, counted at close");
            messagesDown = traffic("wslb.backend.messages", null, "backend_to_client", "Whole data messages relayed, counted at close");
            bytesUp = traffic("wslb.backend.bytes", "bytes", "client_to_backend", "WebSocket bytes relayed, counted at close");
            bytesDown = traffic("wslb.backend.bytes", "bytes", "backend_to_client", "WebSocket bytes relayed, counted at close");
        }

        private Counter traffic(String name, @Nullable String unit, String direction, String description) {
            return Counter.builder(name).baseUnit(unit).tags(settings.tags()).tag("backend", id).tag("direction", direction)
                .description(description).register(registry);
        }

        Counter retry(RejectCause reason) {
            int i = reason.ordinal();
            Counter counter = retries.get(i);
            if (counter == null) {
                counter = Counter.builder("wslb.backend.retries").tags(settings.tags()).tag("backend", id).tag("cause", CAUSES[i])
                    .description("Attempts on this backend that failed before the client's 101 and were retried elsewhere")
                    .register(registry);
                retries.set(i, counter);
            }
            return counter;
        }

        Counter close(ConnectionEnd end) {
            CloseCause cause = end.cause();
            String codeClass = end.closeCodeClass();
            String key = cause.name() + " " + codeClass;
            Counter counter = closes.get(key);
            if (counter == null) {
                counter = Counter.builder("wslb.connections.closed").tags(settings.tags()).tag("backend", id)
                    .tag("cause", CLOSE_CAUSES[cause.ordinal()]).tag("code_class", codeClass)
                    .description("Proxied connections that ended, by cause and class of the client's close code")
                    .register(registry);
                closes.put(key, counter);
            }
            return counter;
        }

        void watch(LiveBackend backend) {
            if (watched == backend) {
                return;
            }
            unwatch();
            List<Meter> registered = new ArrayList<>();
            for (State state : State.values()) {
                registered.add(Gauge.builder("wslb.backend.state", backend, b -> State.of(b) == state ? 1 : 0)
                    .tags(settings.tags()).tag("backend", id).tag("state", state.tag).strongReference(true)
                    .description("1 for the backend's state now (healthy, unhealthy, ejected or draining), 0 for the others")
                    .register(registry));
            }
            registered.add(Gauge.builder("wslb.backend.weight.effective", backend, router::effectiveWeight)
                .tags(settings.tags()).tag("backend", id).strongReference(true)
                .description("The weight the backend carries in new picks now: 0 while it takes none, less than its weight"
                    + " during slow start").register(registry));
            registered.add(Gauge.builder("wslb.backend.weight", backend, LiveBackend::weight)
                .tags(settings.tags()).tag("backend", id).strongReference(true)
                .description("The backend's configured weight").register(registry));
            registered.add(FunctionCounter.builder("wslb.backend.attempts.failed", backend, LiveBackend::failedAttempts)
                .tags(settings.tags()).tag("backend", id)
                .description("Attempts on the backend that failed before the client's 101 (unreachable, timed out,"
                    + " an invalid answer), since it joined the pool").register(registry));
            gauges = List.copyOf(registered);
            watched = backend;
        }

        void unwatch() {
            gauges.forEach(registry::remove);
            gauges = List.of();
            watched = null;
        }

        /** @return the meters of the backend's traffic (not its gauges) */
        List<Meter> all() {
            List<Meter> all = new ArrayList<>(List.of(open, connect, upgrade, lifetime, messagesUp, messagesDown, bytesUp, bytesDown));
            for (int i = 0; i < retries.length(); i++) {
                Counter counter = retries.get(i);
                if (counter != null) {
                    all.add(counter);
                }
            }
            all.addAll(closes.values());
            return all;
        }
    }
}
