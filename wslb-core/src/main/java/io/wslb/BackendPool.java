package io.wslb;

import static java.util.Objects.requireNonNull;

import io.wslb.internal.Availability;
import io.wslb.internal.Membership;
import io.wslb.internal.PoolControl;
import io.wslb.internal.PoolListeners;
import io.wslb.internal.PooledBackend;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The live, thread-safe set of backends a balancer routes to. Backends can be added, updated, drained and removed
 * while traffic flows: adding, reweighting and removing affect new connections only (connections already proxied
 * to a removed backend carry on until they close); draining also closes the backend's open connections, spread
 * over a window, through the server adapter.
 *
 * <pre>{@code
 * BackendPool pool = BackendPool.of(
 *     Backend.of("a", URI.create("ws://10.0.0.1:3000")),
 *     Backend.of("b", URI.create("ws://10.0.0.2:3000")));
 * pool.add(Backend.of("c", URI.create("ws://10.0.0.3:3000")));
 * pool.update(pool.get("a").backend().withWeight(3));
 * pool.drain("b", Duration.ofMinutes(2));    // no new connections; open ones closed with 1012 over 2 minutes
 * pool.remove("c", Duration.ofSeconds(30)); // drain, then forget
 * pool.markUnhealthy("a");                  // what an active health check does when "a" fails
 * }</pre>
 *
 * <p>Which members take new connections is {@link #eligible()}: healthy primaries, else healthy backups, else
 * (panic mode) every member that is not draining and has a weight.
 *
 * <p>Reads ({@link #backends()}, {@link #eligible()}, {@link #get(String)}) take no lock and return immutable
 * snapshots; writes are serialised. Listeners are called on the writing thread, after the change is visible.
 *
 * <p>The clock of ejections and slow starts is fixed when the pool is created ({@link #of(Collection, Ticker)}),
 * so balancers built over one pool share it and never change it.
 */
public final class BackendPool {

    private static final Logger LOG = LoggerFactory.getLogger(BackendPool.class);

    /** Callbacks on membership changes; every method has an empty default. */
    public interface Listener {
        /** @param backend the backend just added */
        default void onAdded(LiveBackend backend) {}

        /** @param backend the backend whose configuration just changed */
        default void onUpdated(LiveBackend backend) {}

        /** @param backend the backend just removed; its open connections stay open */
        default void onRemoved(LiveBackend backend) {}

        /**
         * @param backend the backend whose {@link LiveBackend#health()} just changed
         * @param previous its health before
         */
        default void onHealthChanged(LiveBackend backend, BackendHealth previous) {}

        /**
         * The backend started draining: it takes no new connection, and the server adapter closes its open ones
         * (1012 to the client and 1001 to the backend, spread over {@code window}), then force-closes what is left
         * at the end of the window.
         *
         * @param backend the backend
         * @param window how long the adapter takes to close its connections
         * @param forget true when the backend leaves the pool once drained ({@link #remove(String, Duration)})
         */
        default void onDraining(LiveBackend backend, Duration window, boolean forget) {}

        /**
         * No backend is both eligible and healthy, so the pool ignores health and offers every backend that is
         * not draining and has a weight (panic mode, logged), rather than refusing everyone; or it left that mode.
         *
         * @param panic true on entering panic mode, false on leaving it
         */
        default void onPanic(boolean panic) {}
    }

    private final PoolListeners listeners = new PoolListeners();
    private final Membership members;
    /** Which members take new connections: health marks, ejection, panic, backups, slow start. */
    private final Availability availability;

    private BackendPool(Ticker ticker) {
        this.members = new Membership(ticker, listeners);
        this.availability = members.availability();
    }

    /**
     * @param backends the initial members, with distinct ids
     * @return a pool holding them, in this order
     */
    public static BackendPool of(Backend... backends) {
        return of(List.of(backends));
    }

    /**
     * @param backends the initial members, with distinct ids
     * @return a pool holding them, in iteration order
     */
    public static BackendPool of(Collection<Backend> backends) {
        return of(backends, Ticker.system());
    }

    /**
     * A pool on a clock of its own choosing, typically a fake one in tests:
     *
     * <pre>{@code
     * AtomicLong now = new AtomicLong();
     * BackendPool pool = BackendPool.of(List.of(Backend.of("a", URI.create("ws://10.0.0.1:3000"))), now::get);
     * }</pre>
     *
     * @param backends the initial members, with distinct ids
     * @param ticker the clock of ejections and slow starts
     * @return a pool holding them, in iteration order
     */
    public static BackendPool of(Collection<Backend> backends, Ticker ticker) {
        requireNonNull(backends, "backends");
        BackendPool pool = new BackendPool(requireNonNull(ticker, "ticker"));
        for (Backend backend : backends) {
            pool.insert(backend, false);
        }
        return pool;
    }

    /**
     * Adds a backend; new connections may go to it at once (ramping up under the balancer's slow start, if set).
     *
     * @param backend a backend whose id is not in the pool yet
     * @return its live view
     * @throws IllegalArgumentException if the id is already in the pool
     */
    public LiveBackend add(Backend backend) {
        return insert(backend, true);
    }

    private LiveBackend insert(Backend backend, boolean rampUp) {
        PooledBackend member = members.insert(requireNonNull(backend, "backend"), rampUp);
        listeners.tell("addition of backend " + member.id(), l -> l.onAdded(member));
        return member;
    }

    /**
     * Replaces the configuration (URI, weight, metadata) of the backend with the same id. Open connections and
     * counters are kept; new connections use the new configuration.
     *
     * @param backend the new configuration
     * @return its live view
     * @throws IllegalArgumentException if no backend with that id is in the pool
     */
    public LiveBackend update(Backend backend) {
        requireNonNull(backend, "backend");
        PooledBackend member = members.change(backend.id(), m -> true, m -> m.configure(backend));
        if (member == null) {
            throw new IllegalArgumentException("no backend with id '" + backend.id() + "' in the pool");
        }
        listeners.tell("update of backend " + member.id(), l -> l.onUpdated(member));
        return member;
    }

    /**
     * Removes a backend: it receives no new connection; connections already proxied to it stay open.
     *
     * @param id the backend's id
     * @return true if it was in the pool
     */
    public boolean remove(String id) {
        PooledBackend member = members.remove(requireNonNull(id, "id"));
        if (member == null) {
            return false;
        }
        listeners.tell("removal of backend " + member.id(), l -> l.onRemoved(member));
        return true;
    }

    /**
     * Drains a backend, then removes it: it takes no new connection at once, the server adapter closes its open
     * connections spread over {@code window} (see {@link Listener#onDraining}), and it leaves the pool.
     *
     * @param id the backend's id
     * @param window how long its connections take to close; zero closes them at once
     * @return true if it was in the pool
     */
    public boolean remove(String id, Duration window) {
        return startDrain(id, window, true);
    }

    /**
     * Drains a backend: it takes no new connection, and the server adapter closes its open connections spread
     * over {@code window} (1012 to the client, 1001 to the backend) and force-closes what is left at its end. It
     * stays in the pool, draining, until {@link #resume(String)}.
     *
     * @param id the backend's id
     * @param window how long its connections take to close; zero closes them at once
     * @return true if it was in the pool
     */
    public boolean drain(String id, Duration window) {
        return startDrain(id, window, false);
    }

    private boolean startDrain(String id, Duration window, boolean forget) {
        requireNonNull(id, "id");
        requireNonNull(window, "window");
        if (window.isNegative()) {
            throw new IllegalArgumentException("drain window must not be negative, got " + window);
        }
        PooledBackend member = members.change(id, m -> true, m -> m.draining(true));
        if (member == null) {
            return false;
        }
        LOG.info("backend {} draining over {}{}", id, window, forget ? ", then removed" : "");
        listeners.tell("draining of backend " + id, l -> l.onDraining(member, window, forget));
        if (forget) {
            remove(id);
        }
        return true;
    }

    /**
     * Ends a drain: the backend takes new connections again (ramping up under slow start, if set).
     *
     * @param id the backend's id
     * @return true if it was draining
     */
    public boolean resume(String id) {
        requireNonNull(id, "id");
        PooledBackend member = members.change(id, PooledBackend::draining, m -> {
            m.draining(false);
            availability.rampUp(m);
        });
        if (member == null) {
            return false;
        }
        listeners.tell("update of backend " + member.id(), l -> l.onUpdated(member));
        return true;
    }

    /**
     * An active health check failed (its fall threshold reached): the backend takes no new connection until
     * {@link #markHealthy(String)}. Its open connections are not touched.
     *
     * @param id the backend's id
     * @return true if its health changed
     */
    public boolean markUnhealthy(String id) {
        return availability.mark(members.get(requireNonNull(id, "id")), BackendHealth.UNHEALTHY);
    }

    /**
     * An active health check passed again (its rise threshold reached), or an operator says so: the backend
     * takes connections again, ramping up under slow start. Also ends an ejection early.
     *
     * @param id the backend's id
     * @return true if its health changed
     */
    public boolean markHealthy(String id) {
        return availability.mark(members.get(requireNonNull(id, "id")), BackendHealth.HEALTHY);
    }

    /** @return the clock of ejections and slow starts, fixed at creation */
    Ticker ticker() {
        return availability.ticker();
    }

    /** @return what the router of a balancer built over this pool may do to it */
    PoolControl control() {
        return availability;
    }

    /** @return true while no backend is both eligible and healthy and the pool offers the unhealthy ones */
    public boolean panic() {
        return availability.current().panic();
    }

    /**
     * @param id a backend id
     * @return the member with that id, or null
     */
    public @Nullable LiveBackend get(String id) {
        return members.get(id);
    }

    /** @return every member, in the order they were added; an immutable snapshot */
    public List<LiveBackend> backends() {
        return members.all();
    }

    /**
     * @return the members that may receive new connections, in the order they were added: the healthy primary
     *     backends with a weight above 0 that are not draining; when there is none, the healthy backups; when
     *     there is none either, every backend with a weight that is not draining, whatever its health (panic
     *     mode, see {@link #panic()}). An immutable snapshot that stays the same object until the pool changes.
     */
    public List<LiveBackend> eligible() {
        return availability.current().eligible();
    }

    /**
     * @return the healthy backups while {@link #eligible()} holds primaries (empty otherwise): a connection goes
     *     to one of them only when every eligible primary was tried or is full
     */
    public List<LiveBackend> standby() {
        return availability.current().standby();
    }

    /** @return how many backends are in the pool */
    public int size() {
        return members.all().size();
    }

    /** @param listener called after every later change */
    public void addListener(Listener listener) {
        listeners.add(listener);
    }

    /** @param listener a listener added before */
    public void removeListener(Listener listener) {
        listeners.remove(listener);
    }

    @Override
    public String toString() {
        return "BackendPool" + members.all();
    }
}
