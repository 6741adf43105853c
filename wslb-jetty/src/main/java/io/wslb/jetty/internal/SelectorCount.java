package io.wslb.jetty.internal;

import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * How many selector threads a proxy's connectors run: the threads that read and write every proxied frame.
 *
 * <p>Jetty's default for a {@code ServerConnector} (half the cores, at most 4) suits a server that dispatches
 * requests to a thread pool. In a proxy the selector threads do all the relaying themselves, so they are the
 * proxy's whole data path: on a 2-core machine Jetty's default gives one thread for client sockets and one for
 * backend sockets, and the machine then stood idle 6 % of the time during a saturated echo run (two threads of a
 * pipeline both asleep at once). With two on each side it was busy 97 to 98 %, and the proxy relayed 8 % more
 * round trips for the same CPU per round trip (measured in {@code docs/benchmarks.md}, 2026-11-24).
 *
 * <pre>{@code
 * int selectors = SelectorCount.forCores(Runtime.getRuntime().availableProcessors()); // 2 on a 2-core machine
 * }</pre>
 */
public final class SelectorCount {

    private SelectorCount() {
    }

    /**
     * The default count for one side of the proxy (client sockets, or backend sockets).
     *
     * @param cores the processors available to the JVM
     * @return half of them, and at least 2
     */
    public static int forCores(int cores) {
        if (cores < 1) {
            throw new IllegalArgumentException("cores must be at least 1, got " + cores);
        }
        return Math.max(2, cores / 2);
    }

    /** @return the default count for this JVM */
    public static int forThisMachine() {
        return forCores(Runtime.getRuntime().availableProcessors());
    }

    /**
     * The count for the backend sockets of a proxy mounted on {@code server}: the default, or as many as its busiest
     * client-facing connector has if that is more, so that the backend legs never get fewer threads than the
     * client legs.
     *
     * @param server the server the proxy is mounted on
     * @return the number of selectors for backend sockets
     */
    public static int forBackends(Server server) {
        int most = forThisMachine();
        for (Connector connector : server.getConnectors()) {
            if (connector instanceof ServerConnector serverConnector) {
                most = Math.max(most, serverConnector.getSelectorManager().getSelectorCount());
            }
        }
        return most;
    }
}
