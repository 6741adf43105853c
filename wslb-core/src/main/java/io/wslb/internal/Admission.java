package io.wslb.internal;

import io.wslb.RejectCause;
import java.net.InetAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * Caps on what one client address, and all clients together, may hold at once: handshakes admitted but not yet
 * answered with a 101 ("pending"), and connections admitted and not yet ended (pending ones included). A
 * handshake is admitted once ({@link #tryAdmit}), may become established once, and ends once; every count it
 * took is given back when it ends, however it ends. An address's entry exists only while it holds something, so
 * the table is as large as the number of clients connected now.
 *
 * <p>A cap of 0 is off. With every per-client cap off, no table is kept.
 */
public final class Admission {

    /** One address's counts; guarded by the map's compute of that key. */
    private record Held(int pending, int connections) {}

    private final int maxPending;
    private final int maxPendingPerClient;
    private final int maxConnectionsPerClient;
    private final AtomicInteger pending = new AtomicInteger();
    private final Map<InetAddress, Held> clients = new ConcurrentHashMap<>();

    /**
     * @param maxPending handshakes pending at once, all clients together (0: no cap)
     * @param maxPendingPerClient handshakes pending at once from one address (0: no cap)
     * @param maxConnectionsPerClient connections, pending or open, from one address (0: no cap)
     */
    public Admission(int maxPending, int maxPendingPerClient, int maxConnectionsPerClient) {
        this.maxPending = atLeastZero(maxPending, "maxPending");
        this.maxPendingPerClient = atLeastZero(maxPendingPerClient, "maxPendingPerClient");
        this.maxConnectionsPerClient = atLeastZero(maxConnectionsPerClient, "maxConnectionsPerClient");
    }

    /**
     * @param client the client's address
     * @return null if admitted (then exactly one {@link #ended} must follow), else why not
     */
    public @Nullable RejectCause tryAdmit(InetAddress client) {
        if (pending.incrementAndGet() > maxPending && maxPending > 0) {
            pending.decrementAndGet();
            return RejectCause.TOO_MANY_PENDING_HANDSHAKES;
        }
        if (!perClient()) {
            return null;
        }
        boolean[] refused = new boolean[1];
        clients.compute(client, (address, held) -> {
            Held now = held == null ? new Held(0, 0) : held;
            if (maxPendingPerClient > 0 && now.pending() >= maxPendingPerClient
                || maxConnectionsPerClient > 0 && now.connections() >= maxConnectionsPerClient) {
                refused[0] = true;
                return held;
            }
            return new Held(now.pending() + 1, now.connections() + 1);
        });
        if (refused[0]) {
            pending.decrementAndGet();
            return RejectCause.TOO_MANY_CONNECTIONS;
        }
        return null;
    }

    /**
     * The admitted handshake got its 101: it is no longer pending, but still a connection.
     *
     * @param client the client's address
     */
    public void established(InetAddress client) {
        pending.decrementAndGet();
        if (perClient()) {
            clients.computeIfPresent(client, (address, held) -> new Held(held.pending() - 1, held.connections()));
        }
    }

    /**
     * The admitted handshake or connection ended.
     *
     * @param client the client's address
     * @param wasPending true if it ended before {@link #established}
     */
    public void ended(InetAddress client, boolean wasPending) {
        if (wasPending) {
            pending.decrementAndGet();
        }
        if (perClient()) {
            clients.computeIfPresent(client, (address, held) -> {
                Held now = new Held(held.pending() - (wasPending ? 1 : 0), held.connections() - 1);
                return now.connections() == 0 ? null : now;
            });
        }
    }

    /** @return handshakes admitted and not yet established or ended */
    public int pending() {
        return pending.get();
    }

    /** @return addresses holding a pending handshake or a connection now (0 when no per-client cap is set) */
    public int trackedClients() {
        return clients.size();
    }

    private boolean perClient() {
        return maxPendingPerClient > 0 || maxConnectionsPerClient > 0;
    }

    private static int atLeastZero(int value, String name) {
        if (value < 0) {
            throw new IllegalArgumentException(name + " must be 0 (no cap) or more, got " + value);
        }
        return value;
    }
}
