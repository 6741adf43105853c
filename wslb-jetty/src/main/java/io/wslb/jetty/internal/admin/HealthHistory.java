package io.wslb.jetty.internal.admin;

import io.wslb.BackendHealth;
import io.wslb.BackendPool;
import io.wslb.LiveBackend;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Remembers, per backend, the last few health changes and drain starts, each with the time it happened. A
 * {@link BackendPool.Listener}: add it to the pool to record, remove it to stop. A backend's history is
 * forgotten when it leaves the pool.
 *
 * <pre>{@code
 * HealthHistory history = new HealthHistory(20, Clock.systemUTC());
 * pool.addListener(history);
 * List<Map<String, Object>> events = history.of("a"); // [{"at":"...","event":"HEALTH","health":"EJECTED",...}]
 * }</pre>
 */
public final class HealthHistory implements BackendPool.Listener {

    /** Milliseconds always shown, for entries that line up. */
    private static final DateTimeFormatter AT = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSX").withZone(ZoneOffset.UTC);

    private final int size;
    private final Clock clock;
    private final Map<String, Deque<Map<String, Object>>> byId = new ConcurrentHashMap<>();

    /**
     * @param size how many entries to keep per backend, 1 or more
     * @param clock where the timestamps come from
     */
    public HealthHistory(int size, Clock clock) {
        if (size < 1) {
            throw new IllegalArgumentException("history size must be at least 1, got " + size);
        }
        this.size = size;
        this.clock = clock;
    }

    @Override
    public void onHealthChanged(LiveBackend backend, BackendHealth previous) {
        record(backend, "HEALTH", Map.of("previous", previous));
    }

    @Override
    public void onDraining(LiveBackend backend, Duration window, boolean forget) {
        record(backend, forget ? "REMOVING" : "DRAINING", Map.of("window", window.toString()));
    }

    @Override
    public void onRemoved(LiveBackend backend) {
        byId.remove(backend.id());
    }

    private void record(LiveBackend backend, String event, Map<String, Object> extra) {
        if (!backend.inPool()) {
            return;
        }
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("at", AT.format(clock.instant()));
        entry.put("event", event);
        entry.put("health", backend.health());
        entry.putAll(extra);
        Deque<Map<String, Object>> entries = byId.computeIfAbsent(backend.id(), id -> new ArrayDeque<>());
        synchronized (entries) {
            entries.addLast(Collections.unmodifiableMap(entry));
            while (entries.size() > size) {
                entries.removeFirst();
            }
        }
    }

    /**
     * @param id a backend id
     * @return its entries, oldest first: {@code at} (ISO-8601 UTC, milliseconds), {@code event} ({@code HEALTH},
     *     {@code DRAINING} or {@code REMOVING}), {@code health} (after the event), and {@code previous} (the health
     *     before, for {@code HEALTH}) or {@code window} (ISO-8601, for the drains)
     */
    public List<Map<String, Object>> of(String id) {
        Deque<Map<String, Object>> entries = byId.get(id);
        if (entries == null) {
            return List.of();
        }
        synchronized (entries) {
            return new ArrayList<>(entries);
        }
    }

    /** Forgets everything. */
    public void clear() {
        byId.clear();
    }

    @Override
    public String toString() {
        return "HealthHistory{size=" + size + ", clock=" + clock + "}";
    }
}
