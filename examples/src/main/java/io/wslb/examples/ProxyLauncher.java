package io.wslb.examples;

import io.wslb.AccessLog;
import io.wslb.AdmissionLimits;
import io.wslb.AffinityResolver;
import io.wslb.Backend;
import io.wslb.BalancingStrategy;
import io.wslb.FrameLimits;
import io.wslb.HandshakeGuard;
import io.wslb.HealthCheck;
import io.wslb.OutlierDetection;
import io.wslb.Timeouts;
import io.wslb.TrustedProxies;
import io.wslb.WebSocketLoadBalancer;
import io.wslb.WebSocketLoadBalancerBuilder;
import io.wslb.jetty.AdminHandler;
import io.wslb.jetty.ProxyServerConnector;
import io.wslb.jetty.ServerTls;
import io.wslb.jetty.WebSocketLoadBalancerHandler;
import io.wslb.strategies.SessionStores;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import java.util.stream.Collectors;
import javax.net.ssl.SSLContext;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.component.LifeCycle;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.jspecify.annotations.Nullable;

/**
 * The {@code proxy} command: a standalone WebSocket load balancer in front of existing backends, configured
 * entirely by flags. It accepts upgrades on any path and forwards path and query to the chosen backend.
 *
 * <pre>{@code
 * java -jar wslb-examples.jar proxy --listen 127.0.0.1:9203 \
 *     --backend ws://127.0.0.1:9101 --backend 'ws://127.0.0.1:9102;weight=2' --strategy least-connections
 * }</pre>
 */
public final class ProxyLauncher {

    /** How long a stop waits for proxied connections to finish their closing handshakes. */
    static final Duration STOP_TIMEOUT = Duration.ofSeconds(5);

    private ProxyLauncher() {}

    /**
     * @param args the options
     * @return the exit status (0 after a clean stop, 2 on a usage error)
     * @throws Exception if the server cannot start
     */
    static int run(String[] args) throws Exception {
        Server server;
        try {
            Options options = Options.parse(args, LauncherFlags.VALUED, LauncherFlags.FLAGS);
            if (options.has("help")) {
                System.out.println(LauncherFlags.help());
                return 0;
            }
            server = start(options);
        } catch (Options.UsageException e) {
            System.err.println(usageError("proxy", e));
            return 2;
        } catch (Exception e) {
            // Not a usage error but still a failed start: one line, not a stack trace, for whoever reads the log.
            System.err.println("error: the proxy could not start: " + oneLine(e));
            return 1;
        }
        server.join();
        return 0;
    }

    /** The one stderr line of a usage error: what is wrong, with which flag, and where the flags are described. */
    static String usageError(String command, Options.UsageException e) {
        return "error: " + e.getMessage() + " (see '" + command + " --help')";
    }

    /** An exception and its causes' messages on one line. */
    static String oneLine(Throwable e) {
        StringBuilder line = new StringBuilder(e.toString());
        for (Throwable cause = e.getCause(); cause != null && cause != cause.getCause(); cause = cause.getCause()) {
            line.append("; caused by ").append(cause);
        }
        return line.toString().replaceAll("\\R+", " ");
    }

    /** Builds and starts the proxy server; returns once it listens. */
    static Server start(Options options) throws Exception {
        RedisOptions.Settings redis = RedisOptions.parse(options);
        Cluster cluster = redis == null ? null : Cluster.connect(redis, options.duration("session-ttl", Duration.ofHours(1)));
        try {
            return start(options, cluster);
        } catch (Exception e) {
            if (cluster != null) {
                cluster.close(); // a start that failed leaves no Redis connection behind
            }
            throw e;
        }
    }

    private static Server start(Options options, @Nullable Cluster cluster) throws Exception {
        InetSocketAddress listen = Options.parseAddress("--listen", options.get("listen", "127.0.0.1:9203"));
        List<Backend> backends = FlagValues.backends(options.all("backend"));
        BalancingStrategy builderStrategy = FlagValues.strategy(options.get("strategy", "round-robin"), options.get("hash-balance-factor", ""));
        WebSocketLoadBalancerBuilder builder = WebSocketLoadBalancer.builder().strategy(builderStrategy);
        try {
            Timeouts defaults = Timeouts.defaults();
            builder.timeouts(defaults.withConnect(options.duration("connect-timeout", defaults.connect()))
                    .withUpgrade(options.duration("upgrade-timeout", defaults.upgrade()))
                    .withIdle(options.duration("idle-timeout", defaults.idle()))
                    .withClose(options.duration("close-timeout", defaults.close()))
                    .withPingInterval(options.duration("ping-interval", Duration.ZERO)))
                .maxAttempts(FlagValues.parseInt("--max-attempts", options.get("max-attempts", "3")))
                .admissionLimits(admissionLimits(options))
                .slowStart(options.duration("slow-start", Duration.ZERO))
                .shutdownWindow(options.duration("shutdown-window", Duration.ZERO));
            sizeLimits(options, builder);
            if (options.has("allowed-origin")) {
                try {
                    builder.guard(HandshakeGuard.originIn(options.all("allowed-origin")));
                } catch (IllegalArgumentException e) {
                    throw new Options.UsageException("--allowed-origin: " + e.getMessage() + " (e.g. https://chat.example.com)");
                }
            }
            int ejectAfter = FlagValues.parseInt("--eject-after", options.get("eject-after", "5"));
            Duration ejection = options.duration("ejection-time", OutlierDetection.defaults().baseEjectionTime());
            builder.outlierDetection(ejectAfter == 0 ? OutlierDetection.disabled()
                : OutlierDetection.of(ejectAfter, ejection, ejection.multipliedBy(10), 0.5));
            if (options.has("health-check")) {
                HealthCheck check = FlagValues.healthCheck(options.get("health-check", ""));
                check = check.withInterval(options.duration("health-interval", check.interval()));
                builder.healthCheck(check.withTimeout(options.duration("health-timeout", check.timeout())));
            } else if (options.has("health-interval") || options.has("health-timeout")) {
                throw new IllegalArgumentException("--health-interval and --health-timeout go with --health-check");
            }
            int perBackend = FlagValues.parseInt("--max-connections-per-backend", options.get("max-connections-per-backend", "0"));
            if (perBackend < 0) {
                throw new IllegalArgumentException("--max-connections-per-backend must be 0 (no cap) or more, got " + perBackend);
            }
            if (perBackend > 0) {
                backends.replaceAll(b -> b.maxConnections() == 0 ? b.withMaxConnections(perBackend) : b);
            }
        } catch (IllegalArgumentException e) {
            throw new Options.UsageException(LauncherFlags.flagged(e.getMessage()));
        }
        backends.forEach(builder::backend);
        SSLContext backendTls = TlsOptions.backend(options);
        if (backendTls != null) {
            builder.backendTls(backendTls);
        }
        ServerTls tls = TlsOptions.server(options);
        AffinityResolver affinity = FlagValues.affinity(options.get("affinity", "none"), options);
        builder.affinity(affinity);
        builder.affinityFallback(FlagValues.fallback(options.get("affinity-fallback", "repick")));
        try {
            builder.trustedProxies(TrustedProxies.of(options.all("trusted-proxy")));
        } catch (IllegalArgumentException e) {
            throw new Options.UsageException("--trusted-proxy: " + e.getMessage());
        }
        BalancingStrategy strategy = builderStrategy;
        if (affinity.needsSessionStore() && (!strategy.usesAffinityKey() || options.has("session-ttl"))) {
            try {
                builder.sessionStore(cluster != null ? cluster.member().sessionStore()
                    : SessionStores.inMemory(options.duration("session-ttl", Duration.ofHours(1))));
            } catch (IllegalArgumentException e) {
                throw new Options.UsageException("--session-ttl " + LauncherFlags.flagged(e.getMessage()).replaceFirst("^ttl ", ""));
            }
        } else if (options.has("session-ttl")) {
            throw new Options.UsageException("--session-ttl needs an --affinity whose keys are stored (ip, app-cookie, header, query, jwt-claim)");
        }
        LauncherMetrics metrics = LauncherMetrics.fromFlags(options);
        if (metrics != null) {
            builder.listener(metrics.listener());
        }
        AccessLogWriter accessLog = options.has("access-log") ? AccessLogWriter.open(options.get("access-log", "")) : null;
        if (accessLog != null) {
            builder.listener(AccessLog.to(accessLog::write));
        }
        try {
            return start(options, cluster, listen, builder, backends, tls, affinity, accessLog, metrics);
        } catch (Exception | Error e) {
            if (accessLog != null) {
                accessLog.close();
            }
            throw e;
        }
    }

    private static Server start(Options options, @Nullable Cluster cluster, InetSocketAddress listen, WebSocketLoadBalancerBuilder builder,
                                List<Backend> backends,
                                @Nullable ServerTls tls, AffinityResolver affinity, @Nullable AccessLogWriter accessLog,
                                @Nullable LauncherMetrics metrics) throws Exception {
        String path = options.get("path", "/");
        WebSocketLoadBalancer balancer;
        WebSocketLoadBalancerHandler handler;
        try {
            balancer = builder.build();
            handler = WebSocketLoadBalancerHandler.at(path, balancer);
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new Options.UsageException(LauncherFlags.flagged(e.getMessage()));
        }

        QueuedThreadPool threads = new QueuedThreadPool(64, 4);
        threads.setName("wslb");
        Server server = new Server(threads);
        int selectors = selectors(options);
        ProxyServerConnector connector = tls == null
            ? new ProxyServerConnector(server, selectors)
            : new ProxyServerConnector(server, selectors, tls);
        connector.setHandshakeTimeout(options.duration("handshake-timeout", Duration.ofSeconds(10)));
        connector.setAcceptQueueSize(acceptQueue(options));
        connector.setHost(listen.getHostString());
        connector.setPort(listen.getPort());
        server.addConnector(connector);
        server.setHandler(handler);
        server.setStopAtShutdown(true);
        server.setStopTimeout(STOP_TIMEOUT.plus(balancer.shutdownWindow()).toMillis());
        if (metrics != null) {
            metrics.bind(balancer, cluster);
        }
        Server admin = admin(options, balancer, connector.getHandshakeTimeout(), cluster, metrics);
        if (admin != null) {
            server.addBean(admin); // started and stopped with the proxy
        }
        if (cluster != null) {
            server.addBean(cluster); // closed when the proxy stops
        }
        if (accessLog != null) {
            // Closed once the server has stopped, after the shutdown's own connection ends were logged.
            server.addEventListener(new LifeCycle.Listener() {
                @Override
                public void lifeCycleStopped(LifeCycle event) {
                    accessLog.close();
                }
            });
        }
        Bind.open(connector, "--listen", "--listen");
        try {
            if (admin != null) {
                Bind.open((ServerConnector) admin.getConnectors()[0], "--admin", "--admin");
            }
            server.start();
        } catch (Exception e) {
            stopQuietly(server, connector, admin);
            throw e;
        }
        if (cluster != null) {
            String id = cluster.join(balancer, new InetSocketAddress(listen.getAddress(), connector.getLocalPort()));
            System.out.printf("wslb proxy: shares %sconnection counts and admin actions with the instances on %s, as %s%n",
                affinity.needsSessionStore() ? "affinity keys, " : "", cluster.display(), id);
        }
        if (admin != null) {
            ServerConnector adminConnector = (ServerConnector) admin.getConnectors()[0];
            String adminHost = adminConnector.getHost().contains(":") ? "[" + adminConnector.getHost() + "]" : adminConnector.getHost();
            System.out.printf("wslb admin API on http://%1$s:%2$d/status, status page on http://%1$s:%2$d/%n", adminHost,
                adminConnector.getLocalPort());
            if (metrics != null) {
                System.out.printf("wslb metrics, Prometheus text format, on http://%s:%d/metrics%n", adminHost, adminConnector.getLocalPort());
            }
        }
        if (!options.has("max-connections")) {
            OptionalLong openFiles = ProxyServerConnector.openFilesLimit();
            System.out.println(openFiles.isEmpty() ? "wslb proxy: no cap on proxied connections (open-files limit unknown; set --max-connections)"
                : "wslb proxy: at most " + balancer.admissionLimits().maxConnections().orElse(0) + " proxied connections at once (open-files limit "
                + openFiles.getAsLong() + ": 2 descriptors each, a tenth spare); --max-connections changes it");
        }
        String host = listen.getHostString().contains(":") ? "[" + listen.getHostString() + "]" : listen.getHostString();
        System.out.printf("wslb proxy listening on %s://%s:%d%s -> %s, strategy %s, affinity %s%n",
            tls == null ? "ws" : "wss", host, connector.getLocalPort(), path.equals("/") ? "/" : path + "/",
            backends.stream().map(b -> b.uri().toString()).collect(Collectors.joining(", ", "[", "]")),
            balancer.strategy(), affinity == AffinityResolver.none() ? "none" : affinity);
        System.out.flush();
        return server;
    }

    /** The admin API's own small server, on its own address, with the proxy port's head deadline; null without --admin. */
    private static @Nullable Server admin(Options options, WebSocketLoadBalancer balancer, Duration headTimeout,
                                          @Nullable Cluster cluster, @Nullable LauncherMetrics metrics) throws Options.UsageException {
        if (!options.has("admin")) {
            if (options.has("admin-token-file")) {
                throw new Options.UsageException("--admin-token-file goes with --admin HOST:PORT");
            }
            return null;
        }
        InetSocketAddress address = Options.parseAddress("--admin", options.get("admin", ""));
        AdminHandler.Builder builder = AdminHandler.builder(balancer);
        if (cluster != null) {
            builder.statusSection("redis", cluster::status);
        }
        if (metrics != null) {
            builder.textEndpoint("metrics", LauncherMetrics.CONTENT_TYPE, metrics::scrape);
        }
        if (options.has("admin-token-file")) {
            String path = options.get("admin-token-file", "");
            String token = new String(Options.secretFile("--admin-token-file", path), java.nio.charset.StandardCharsets.UTF_8).strip();
            if (token.length() < 16) {
                throw new Options.UsageException("--admin-token-file: the token in " + path + " has " + token.length()
                    + " characters; at least 16 are needed");
            }
            try {
                builder.bearerToken(token);
            } catch (IllegalArgumentException e) {
                throw new Options.UsageException("--admin-token-file: " + e.getMessage());
            }
        } else if (address.isUnresolved() || !address.getAddress().isLoopbackAddress()) {
            throw new Options.UsageException("--admin " + options.get("admin", "") + " is not a loopback address: "
                + "set --admin-token-file too, or bind it to 127.0.0.1");
        }
        QueuedThreadPool threads = new QueuedThreadPool(8, 1);
        threads.setName("wslb-admin");
        Server admin = new Server(threads);
        ProxyServerConnector connector = new ProxyServerConnector(admin, 1);
        connector.setHandshakeTimeout(headTimeout); // Jetty's idle timeout alone lets a slowloris client stay
        connector.setHost(address.getHostString());
        connector.setPort(address.getPort());
        connector.setAcceptQueueSize(acceptQueue(options));
        admin.addConnector(connector);
        admin.setHandler(builder.build());
        return admin;
    }

    /** The most --selectors takes: both sides' selectors must fit in the launcher's pool of 64 threads. */
    static final int MAX_SELECTORS = 16;

    private static int selectors(Options options) throws Options.UsageException {
        String raw = options.find("selectors");
        if (raw == null) {
            return ProxyServerConnector.defaultSelectors();
        }
        int selectors = FlagValues.parseInt("--selectors", raw);
        if (selectors < 1 || selectors > MAX_SELECTORS) {
            throw new Options.UsageException("--selectors: " + selectors + " is not between 1 and " + MAX_SELECTORS);
        }
        return selectors;
    }

    /** --max-connections, else what the open-files limit fits (0, no cap, where it cannot be read). */
    private static int maxConnections(Options options) throws Options.UsageException {
        if (options.has("max-connections")) {
            return FlagValues.parseInt("--max-connections", options.get("max-connections", "0"));
        }
        OptionalLong openFiles = ProxyServerConnector.openFilesLimit();
        return openFiles.isEmpty() ? 0 : ProxyServerConnector.maxConnectionsFor(openFiles.getAsLong());
    }

    /** The admission flags; 0, their default, is no cap. */
    private static AdmissionLimits admissionLimits(Options options) throws Options.UsageException {
        int connections = cap("--max-connections", maxConnections(options));
        int perIp = cap("--max-connections-per-ip", FlagValues.parseInt("--max-connections-per-ip", options.get("max-connections-per-ip", "0")));
        int pending = cap("--max-pending-handshakes", FlagValues.parseInt("--max-pending-handshakes", options.get("max-pending-handshakes", "0")));
        int pendingPerIp = cap("--max-pending-handshakes-per-ip", FlagValues.parseInt("--max-pending-handshakes-per-ip",
            options.get("max-pending-handshakes-per-ip", "0")));
        int rate = cap("--max-handshakes-per-ip-per-second", FlagValues.parseInt("--max-handshakes-per-ip-per-second",
            options.get("max-handshakes-per-ip-per-second", "0")));
        AdmissionLimits limits = AdmissionLimits.unlimited();
        limits = connections == 0 ? limits : limits.withMaxConnections(connections);
        limits = perIp == 0 ? limits : limits.withMaxConnectionsPerClient(perIp);
        limits = pending == 0 ? limits : limits.withMaxPendingHandshakes(pending);
        limits = pendingPerIp == 0 ? limits : limits.withMaxPendingHandshakesPerClient(pendingPerIp);
        return rate == 0 ? limits : limits.withMaxHandshakesPerClientPerSecond(rate);
    }

    private static int cap(String flag, int value) throws Options.UsageException {
        if (value < 0) {
            throw new Options.UsageException(flag + " must be 0 (no cap) or more, got " + value);
        }
        return value;
    }

    private static int acceptQueue(Options options) throws Options.UsageException {
        String raw = options.find("accept-queue");
        if (raw == null) {
            return ProxyServerConnector.defaultAcceptQueueSize();
        }
        int size = FlagValues.parseInt("--accept-queue", raw);
        if (size < 1 || size > 65535) {
            throw new Options.UsageException("--accept-queue: " + size + " is not between 1 and 65535");
        }
        return size;
    }

    /**
     * Sets only the size limits given, so that {@link FrameLimits} derives the other one (a message limit alone brings
     * the frame limit down with it); both given with the frame above the message is a contradiction, refused.
     */
    private static void sizeLimits(Options options, WebSocketLoadBalancerBuilder builder) throws Options.UsageException {
        if (options.has("max-frame-size") && options.has("max-message-size")
            && options.bytes("max-frame-size", 0) > options.bytes("max-message-size", 0)) {
            throw new Options.UsageException("--max-frame-size " + options.get("max-frame-size", "") + " is above --max-message-size "
                + options.get("max-message-size", "") + ": a frame is part of a message; lower --max-frame-size or raise "
                + "--max-message-size (or give only --max-message-size: the frame limit follows it)");
        }
        FrameLimits defaults = FrameLimits.defaults();
        long frame = options.bytes("max-frame-size", defaults.maxFrameSize());
        long message = options.bytes("max-message-size", defaults.maxMessageSize());
        if (options.has("max-frame-size") && options.has("max-message-size")) {
            builder.frameLimits(FrameLimits.of(frame, message));
        } else if (options.has("max-frame-size")) {
            builder.frameLimits(FrameLimits.ofMaxFrameSize(frame));
        } else if (options.has("max-message-size")) {
            builder.frameLimits(FrameLimits.ofMaxMessageSize(message));
        }
    }

    /** Releases what a start that failed half-way opened: the listening sockets and any started component. */
    private static void stopQuietly(Server server, ServerConnector connector, @Nullable Server admin) {
        try {
            server.stop();
        } catch (Exception ignored) {
            // the start failure is what gets reported
        }
        Bind.close(connector);
        if (admin != null) {
            for (org.eclipse.jetty.server.Connector c : admin.getConnectors()) {
                if (c instanceof ServerConnector sc) {
                    Bind.close(sc);
                }
            }
        }
    }

    /** Exposed for tests: builds and starts a proxy from launcher arguments. */
    static Server startForTest(String... args) throws Exception {
        return start(Options.parse(args, LauncherFlags.VALUED, LauncherFlags.FLAGS));
    }

}
