package io.wslb.internal;

import io.wslb.Backend;
import io.wslb.LiveBackend;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A pool member: the current configuration and the counters, kept in plain volatile fields updated through
 * VarHandles so that a strategy scanning many members reads one object per member.
 */
public final class PooledBackend implements LiveBackend {

    private static final VarHandle ACTIVE;
    private static final VarHandle TOTAL;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            ACTIVE = lookup.findVarHandle(PooledBackend.class, "active", int.class);
            TOTAL = lookup.findVarHandle(PooledBackend.class, "total", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final String id;
    private volatile Backend backend;
    private volatile int active;
    private volatile long total;
    private volatile boolean removed;

    public PooledBackend(Backend backend) {
        this.id = backend.id();
        this.backend = backend;
    }

    @Override
    public Backend backend() {
        return backend;
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public int weight() {
        return backend.weight();
    }

    @Override
    public int activeConnections() {
        return active;
    }

    @Override
    public long totalConnections() {
        return total;
    }

    @Override
    public boolean inPool() {
        return !removed;
    }

    /** Counts one more connection assigned to this backend. */
    public void acquire() {
        ACTIVE.getAndAdd(this, 1);
        TOTAL.getAndAdd(this, 1L);
    }

    /** Counts one connection fewer; called exactly once per {@link #acquire()}. */
    public void release() {
        ACTIVE.getAndAdd(this, -1);
    }

    public void configure(Backend update) {
        if (!update.id().equals(id)) {
            throw new IllegalArgumentException("id mismatch: " + update.id() + " != " + id);
        }
        this.backend = update;
    }

    public void markRemoved() {
        removed = true;
    }

    @Override
    public String toString() {
        return id + "{active=" + active + ", weight=" + backend.weight() + (removed ? ", removed" : "") + "}";
    }
}
