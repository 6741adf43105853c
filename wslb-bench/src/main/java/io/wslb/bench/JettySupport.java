package io.wslb.bench;

import java.time.Duration;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.websocket.core.Configuration;
import org.jspecify.annotations.Nullable;

/** Shared Jetty set-up for the bench's servers: a capped thread pool, one plain HTTP/1.1 connector. */
final class JettySupport {
    /** Largest frame/message either bench server accepts (at least 2 MiB, so that no scenario's message is refused). */
    static final long MAX_MESSAGE = 16L * 1024 * 1024;

    private JettySupport() {
    }

    /**
     * A server with a capped {@link QueuedThreadPool}. The default pool grows to 200 threads under load, and on a
     * 2-core machine most of those threads only add dispatch cost (docs/design.md, section 2).
     */
    static Server newServer(String name, int maxThreads) {
        int min = Math.min(4, maxThreads);
        QueuedThreadPool pool = new QueuedThreadPool(maxThreads, min);
        pool.setName(name);
        return new Server(pool);
    }

    static ServerConnector addConnector(Server server, String host, int port) {
        return addConnector(server, host, port, null);
    }

    /** A connector terminating TLS with {@code tls} when it is given. */
    static ServerConnector addConnector(Server server, String host, int port, SslContextFactory.@Nullable Server tls) {
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        http.setSendDateHeader(false);
        HttpConnectionFactory h1 = new HttpConnectionFactory(http);
        // 1 acceptor, 1 selector: this is a 2-core box shared with the client and the backends.
        ServerConnector connector = tls == null ? new ServerConnector(server, 1, 1, h1)
            : new ServerConnector(server, 1, 1, new SslConnectionFactory(tls, h1.getProtocol()), h1);
        connector.setHost(host);
        connector.setPort(port);
        connector.setAcceptQueueSize(4096);
        connector.setIdleTimeout(30_000);
        server.addConnector(connector);
        return connector;
    }

    /** WebSocket session settings shared by both bench servers (and by both legs of the frame relay). */
    static Configuration.ConfigurationCustomizer sessionConfig(Duration idleTimeout) {
        Configuration.ConfigurationCustomizer c = new Configuration.ConfigurationCustomizer();
        c.setIdleTimeout(idleTimeout);
        c.setAutoFragment(false);
        c.setMaxFrameSize(MAX_MESSAGE);
        c.setMaxBinaryMessageSize(MAX_MESSAGE);
        c.setMaxTextMessageSize(MAX_MESSAGE);
        return c;
    }

    static String hostOf(String hostPort) {
        int i = hostPort.lastIndexOf(':');
        return i < 0 ? hostPort : hostPort.substring(0, i);
    }

    static int portOf(String hostPort) {
        int i = hostPort.lastIndexOf(':');
        if (i < 0) {
            throw new IllegalArgumentException("expected HOST:PORT, got '" + hostPort + "'");
        }
        return Integer.parseInt(hostPort.substring(i + 1));
    }

    /** Blocks until the process is told to stop, or until {@code maxLifetime} has passed (0 = no limit). */
    static void awaitLifetime(Duration maxLifetime) throws InterruptedException {
        if (maxLifetime.isZero()) {
            Thread.currentThread().join();
        } else {
            Thread.sleep(maxLifetime.toMillis());
            System.err.println("max lifetime " + maxLifetime + " reached, exiting");
        }
    }
}
