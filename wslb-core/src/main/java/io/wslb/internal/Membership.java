package io.wslb.internal;

import io.wslb.Backend;
import io.wslb.LiveBackend;
import io.wslb.Ticker;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * The members of one pool: lookup by id and the ordered snapshot, both read without a lock, and the write lock
 * that serialises every change. After each change it republishes the pool's {@link Availability}, so that the
 * eligible set is never older than the members it was derived from.
 */
public final class Membership {

    private final ReentrantLock lock = new ReentrantLock();
    private final Map<String, PooledBackend> byId = new ConcurrentHashMap<>();
    private volatile List<LiveBackend> all = List.of();
    private final Availability availability;

    /**
     * @param ticker the pool's clock of ejections and slow starts
     * @param listeners the pool's listeners
     */
    public Membership(Ticker ticker, PoolListeners listeners) {
        this.availability = new Availability(lock, () -> all, ticker, listeners);
    }

    /** @return health, ejection, panic and backups of these members */
    public Availability availability() {
        return availability;
    }

    /** @return every member, in the order they were added; an immutable snapshot */
    public List<LiveBackend> all() {
        return all;
    }

    /**
     * @param id a backend id
     * @return the member with that id, or null
     */
    public @Nullable PooledBackend get(String id) {
        return byId.get(id);
    }

    /**
     * @param backend a backend whose id is not in the pool yet
     * @param rampUp true to start a slow start (a backend added at runtime), false for an initial member
     * @return the new member
     * @throws IllegalArgumentException if the id is already in the pool
     */
    public PooledBackend insert(Backend backend, boolean rampUp) {
        lock.lock();
        try {
            if (byId.containsKey(backend.id())) {
                throw new IllegalArgumentException("backend id '" + backend.id() + "' is already in the pool");
            }
            PooledBackend member = new PooledBackend(backend);
            if (rampUp) {
                availability.rampUp(member);
            }
            byId.put(backend.id(), member);
            List<LiveBackend> copy = new ArrayList<>(all);
            copy.add(member);
            publish(copy);
            return member;
        } finally {
            lock.unlock();
        }
    }

    /**
     * @param id the backend's id
     * @return the member removed (now out of the pool), or null if none had that id
     */
    public @Nullable PooledBackend remove(String id) {
        lock.lock();
        try {
            PooledBackend member = byId.remove(id);
            if (member == null) {
                return null;
            }
            member.markRemoved();
            List<LiveBackend> copy = new ArrayList<>(all);
            copy.remove(member);
            publish(copy);
            return member;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Under the write lock: applies {@code change} to the member with this id if {@code applies} to it, then
     * republishes who takes new connections.
     *
     * @return the member changed, or null (no such member, or it did not apply)
     */
    public @Nullable PooledBackend change(String id, Predicate<PooledBackend> applies, Consumer<PooledBackend> change) {
        lock.lock();
        try {
            PooledBackend member = byId.get(id);
            if (member == null || !applies.test(member)) {
                return null;
            }
            change.accept(member);
            publish(all);
            return member;
        } finally {
            lock.unlock();
        }
    }

    /** Called under the write lock: the new members, then who of them takes new connections. */
    private void publish(List<LiveBackend> members) {
        List<LiveBackend> snapshot = List.copyOf(members);
        all = snapshot;
        availability.publish(snapshot);
    }
}
