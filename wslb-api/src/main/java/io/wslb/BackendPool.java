package io.wslb;

import static java.util.Objects.requireNonNull;

import io.wslb.internal.PooledBackend;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The live, thread-safe set of backends a balancer routes to. Backends can be added, updated and removed while
 * traffic flows: a change affects new connections only; connections already proxied to a removed backend carry
 * on until they close.
 *
 * <pre>{@code
 * BackendPool pool = BackendPool.of(
 *     Backend.of("a", URI.create("ws://10.0.0.1:3000")),
 *     Backend.of("b", URI.create("ws://10.0.0.2:3000")));
 * pool.add(Backend.of("c", URI.create("ws://10.0.0.3:3000")));
 * pool.update(pool.get("a").backend().withWeight(3));
 * pool.remove("b");
 * }</pre>
 *
 * <p>Reads ({@link #backends()}, {@link #eligible()}, {@link #get(String)}) take no lock and return immutable
 * snapshots; writes are serialised. Listeners are called on the writing thread, after the change is visible.
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
    }

    private final ReentrantLock writeLock = new ReentrantLock();
    private final Map<String, PooledBackend> byId = new ConcurrentHashMap<>();
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private volatile List<LiveBackend> all = List.of();
    private volatile List<LiveBackend> eligible = List.of();

    private BackendPool() {}

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
        requireNonNull(backends, "backends");
        BackendPool pool = new BackendPool();
        backends.forEach(pool::add);
        return pool;
    }

    /**
     * Adds a backend; new connections may go to it at once.
     *
     * @param backend a backend whose id is not in the pool yet
     * @return its live view
     * @throws IllegalArgumentException if the id is already in the pool
     */
    public LiveBackend add(Backend backend) {
        requireNonNull(backend, "backend");
        PooledBackend member;
        writeLock.lock();
        try {
            if (byId.containsKey(backend.id())) {
                throw new IllegalArgumentException("backend id '" + backend.id() + "' is already in the pool");
            }
            member = new PooledBackend(backend);
            byId.put(backend.id(), member);
            List<LiveBackend> copy = new ArrayList<>(all);
            copy.add(member);
            publish(copy);
        } finally {
            writeLock.unlock();
        }
        notify(member, Change.ADDED);
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
        PooledBackend member;
        writeLock.lock();
        try {
            member = byId.get(backend.id());
            if (member == null) {
                throw new IllegalArgumentException("no backend with id '" + backend.id() + "' in the pool");
            }
            member.configure(backend);
            publish(all);
        } finally {
            writeLock.unlock();
        }
        notify(member, Change.UPDATED);
        return member;
    }

    /**
     * Removes a backend: it receives no new connection; connections already proxied to it stay open.
     *
     * @param id the backend's id
     * @return true if it was in the pool
     */
    public boolean remove(String id) {
        requireNonNull(id, "id");
        PooledBackend member;
        writeLock.lock();
        try {
            member = byId.remove(id);
            if (member == null) {
                return false;
            }
            member.markRemoved();
            List<LiveBackend> copy = new ArrayList<>(all);
            copy.remove(member);
            publish(copy);
        } finally {
            writeLock.unlock();
        }
        notify(member, Change.REMOVED);
        return true;
    }

    /**
     * @param id a backend id
     * @return the member with that id, or null
     */
    public @Nullable LiveBackend get(String id) {
        return byId.get(id);
    }

    /** @return every member, in the order they were added; an immutable snapshot */
    public List<LiveBackend> backends() {
        return all;
    }

    /**
     * @return the members that may receive new connections (weight above 0), in the order they were added;
     *     an immutable snapshot that stays the same object until the pool changes
     */
    public List<LiveBackend> eligible() {
        return eligible;
    }

    /** @return how many backends are in the pool */
    public int size() {
        return all.size();
    }

    /** @param listener called after every later change */
    public void addListener(Listener listener) {
        listeners.add(requireNonNull(listener, "listener"));
    }

    /** @param listener a listener added before */
    public void removeListener(Listener listener) {
        listeners.remove(listener);
    }

    private void publish(List<LiveBackend> members) {
        List<LiveBackend> snapshot = List.copyOf(members);
        List<LiveBackend> accepting = new ArrayList<>(snapshot.size());
        for (LiveBackend member : snapshot) {
            if (member.weight() > 0) {
                accepting.add(member);
            }
        }
        all = snapshot;
        eligible = List.copyOf(accepting);
    }

    private enum Change { ADDED, UPDATED, REMOVED }

    private void notify(LiveBackend member, Change change) {
        for (Listener listener : listeners) {
            try {
                switch (change) {
                    case ADDED -> listener.onAdded(member);
                    case UPDATED -> listener.onUpdated(member);
                    case REMOVED -> listener.onRemoved(member);
                }
            } catch (RuntimeException e) {
                LOG.warn("pool listener {} failed on {} of backend {}", listener, change, member.id(), e);
            }
        }
    }

    @Override
    public String toString() {
        return "BackendPool" + all;
    }
}
