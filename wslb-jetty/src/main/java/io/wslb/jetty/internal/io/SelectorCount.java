package io.wslb.jetty.internal.io;

import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * How many selector threads a proxy's connectors run: the threads that read and write every proxied frame.
 *
 * <p>Jetty's default for a {@code ServerConnector} (half the cores, at most 4) suits a server that dispatches
 * requests to a thread pool. In a proxy the selector threads do all the relaying themselves, so they are the
 * proxy's whole data path: on a 2-core machine Jetty's default gives a single thread, which cannot keep both cores
 * busy under load, while two selectors, each serving both legs of its tunnels, can.
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
     * The count for the backend connector of a proxy mounted on {@code server}. A connector that places backend
     * sockets beside its clients' ({@link BesideConnects}, such as {@code ProxyServerConnector}) leaves the backend
     * connector nothing to do, so a server with only such connectors gets 1. Otherwise: the default, or as many as
     * the busiest other {@code ServerConnector} has if that is more, so that the backend legs never get fewer
     * threads than the client legs.
     *
     * @param server the server the proxy is mounted on
     * @return the number of selectors for the backend connector
     */
    public static int forBackends(Server server) {
        Connector[] connectors = server.getConnectors();
        int most = 0;
        int others = 0;
        for (Connector connector : connectors) {
            if (connector instanceof BesideConnects) {
                continue;
            }
            others++;
            if (connector instanceof ServerConnector serverConnector) {
                most = Math.max(most, serverConnector.getSelectorManager().getSelectorCount());
            }
        }
        if (connectors.length > 0 && others == 0) {
            return 1;
        }
        return Math.max(forThisMachine(), most);
    }
}
