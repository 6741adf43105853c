package io.wslb.internal;

import static java.util.Objects.requireNonNull;

import io.wslb.BackendHealth;
import io.wslb.BackendPool;
import io.wslb.LiveBackend;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The listeners of one {@link BackendPool}. Each is called in turn on the thread that changed the pool; one that
 * throws is logged and neither stops the others nor undoes the change.
 */
public final class PoolListeners {

    // Named after the pool, not this class: operators filter the pool's events under io.wslb.BackendPool.
    private static final Logger LOG = LoggerFactory.getLogger(BackendPool.class.getName());

    private final List<BackendPool.Listener> listeners = new CopyOnWriteArrayList<>();

    /** @param listener called after every later change */
    public void add(BackendPool.Listener listener) {
        listeners.add(requireNonNull(listener, "listener"));
    }

    /** @param listener a listener added before */
    public void remove(BackendPool.Listener listener) {
        listeners.remove(listener);
    }

    /**
     * @param member the member whose health just changed
     * @param previous its health before
     */
    public void healthChanged(LiveBackend member, BackendHealth previous) {
        tell("health change of backend " + member.id(), l -> l.onHealthChanged(member, previous));
    }

    /**
     * Calls every listener.
     *
     * @param event what happened, for the log line of a listener that throws
     * @param call the callback to make on each
     */
    public void tell(String event, Consumer<BackendPool.Listener> call) {
        for (BackendPool.Listener listener : listeners) {
            try {
                call.accept(listener);
            } catch (RuntimeException e) {
                LOG.warn("pool listener {} failed on {}", listener, event, e);
            }
        }
    }
}
