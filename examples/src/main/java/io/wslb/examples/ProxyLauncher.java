package io.wslb.examples;

import io.wslb.AdmissionLimits;
import io.wslb.AffinityFallback;
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
import io.wslb.strategies.AffinityResolvers;
import io.wslb.strategies.BalancingStrategies;
import io.wslb.strategies.JwtVerifier;
import io.wslb.strategies.SessionStores;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.stream.Collectors;
import javax.net.ssl.SSLContext;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
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

    static final Set<String> VALUED = Set.of("listen", "backend", "strategy", "hash-balance-factor", "path", "affinity",
        "affinity-fallback", "cookie-secret-file", "jwt-secret-file", "trusted-proxy", "session-ttl",
        "connect-timeout", "upgrade-timeout", "idle-timeout", "max-frame-size", "max-message-size", "max-attempts",
        "close-timeout",
        "max-connections", "max-connections-per-backend", "slow-start", "eject-after", "ejection-time",
        "health-check", "health-interval", "health-timeout", "admin", "admin-token-file", "ping-interval",
        "allowed-origin", "shutdown-window", "max-handshakes-per-ip-per-second", "handshake-timeout",
        "max-connections-per-ip", "max-pending-handshakes", "max-pending-handshakes-per-ip",
        "tls-cert", "tls-key", "keystore", "keystore-password-file", "tls-reload-interval",
        "backend-ca", "backend-client-cert", "backend-client-key", "selectors", "accept-queue");
    static final Set<String> FLAGS = Set.of("help", "jwt-unverified", "tls-self-signed");

    /** How long a stop waits for proxied connections to finish their closing handshakes. */
    static final Duration STOP_TIMEOUT = Duration.ofSeconds(5);

    private ProxyLauncher() {}

    static String help() {
        return """
            usage: java -jar wslb-examples.jar proxy --backend URI [--backend URI ...] [OPTIONS]

            A WebSocket load balancer in front of existing WebSocket servers. Accepts upgrades on any path
            (or below --path) and appends the client's path and query to the backend URI's path.

              --listen HOST:PORT        address to listen on; port 0 picks a free port (default 127.0.0.1:9203)
              --backend URI[;ATTRS]     a backend, ws:// or wss://; repeat for each backend (at least one).
                                        Attributes after ';': weight=N (0-10000, default 1), id=NAME
                                        (default HOST:PORT), max-connections=N (0: no cap), backup (takes
                                        connections only while no primary backend is healthy),
                                        e.g. 'ws://127.0.0.1:9101;weight=3' or 'ws://10.0.0.9:80;backup'
              --strategy NAME           how a new connection's backend is chosen (default round-robin):
                                          round-robin                 each backend in turn, weights ignored
                                          weighted-round-robin        smooth, in proportion to the weights
                                          random | weighted-random    at random (in proportion to the weights)
                                          least-connections           fewest open connections
                                          weighted-least-connections  fewest open connections per unit of weight
                                          power-of-two                the less loaded of two random backends
                                          consistent-hash             hash of the affinity key (or client address)
              --hash-balance-factor F   with consistent-hash: no backend above F x the mean load (F >= 1, e.g. 1.25)
              --path PATH               mount path, e.g. /ws (default /, every path)
              --affinity KIND           keeps a returning client on its backend (default none):
                                          ip                       the client address (see --trusted-proxy)
                                          cookie[:NAME]            a signed cookie the balancer issues, naming the
                                                                   backend (default name WSLB; no session store)
                                          app-cookie:NAME          the application's own cookie (e.g. JSESSIONID)
                                          header:NAME | query:NAME a request header or query parameter
                                          jwt-claim:HEADER:CLAIM   a claim of the JWT in HEADER (needs
                                                                   --jwt-secret-file or --jwt-unverified)
              --affinity-fallback WHAT  when the affinity names an unavailable backend: repick (default) or reject
                                        (503)
              --cookie-secret-file PATH with --affinity cookie: a file holding the signing secret (32 bytes or
                                        more), shared by balancer instances; default: a random one per process
              --jwt-secret-file PATH    with jwt-claim: verify HS256 tokens with the secret in this file
              --jwt-unverified          with jwt-claim: believe tokens without checking them (only behind a
                                        gateway that verified them)
              --trusted-proxy CIDR      a proxy in front of the balancer whose X-Forwarded-For / Forwarded headers
                                        are believed (repeatable; e.g. 10.0.0.0/8); from others they are replaced
              --session-ttl DURATION    how long an affinity key is remembered after its last use (default 1h).
                                        With consistent-hash, keys are hashed, not remembered, unless this is given
              --connect-timeout DURATION  TCP/TLS connect to a backend, before trying the next (default 5s)
              --upgrade-timeout DURATION  wait for a backend's 101, before trying the next (default 10s)
              --idle-timeout DURATION   close a connection idle both ways for this long (default 5m)
              --close-timeout DURATION  once a close frame has passed, close both sockets if the closing handshake
                                        has not finished within this (default 5s)
              --max-frame-size SIZE     largest frame a client may send, else close 1009 (default 16MiB, or
                                        --max-message-size when only that is given and it is lower)
              --max-message-size SIZE   largest message a client may send, else close 1009 (default 64MiB, or
                                        --max-frame-size when only that is given and it is higher)
              --max-attempts N          backends one connection may try before its 101 (1-10, default 3)
              --max-connections N       most proxied connections at once; beyond: 503 + Retry-After (default:
                                        what the open-files limit fits, 2 descriptors each and a tenth spare,
                                        printed at start; 0: no limit)
              --max-connections-per-backend N
                                        default cap of each backend (a ;max-connections=N above 0 wins); when every
                                        healthy backend is full: 503 + Retry-After (default 0: no cap)
              --slow-start DURATION     a backend added or back to health ramps from 10% to its full share of new
                                        connections over this time (default 0: at once)
              --health-check KIND:PATH  active health check of every backend, off the request path:
                                          http:/health   GET over http(s), healthy on 2xx
                                          ws:/path       a real WebSocket upgrade, then a ping and its pong
                                        3 failures in a row mark a backend unhealthy, 2 successes healthy again
              --health-interval DURATION  time between two checks of a backend, +-10% jitter (default 5s)
              --health-timeout DURATION   how long a check may take (default 2s, at most the interval)
              --handshake-timeout DURATION  a client must send its whole request head within this time of
                                        connecting, else it is cut (slowloris defence, on --admin too;
                                        default 10s; 0: off)
              --max-handshakes-per-ip-per-second N
                                        handshakes one client address may start per second (bursts of N);
                                        beyond: 429 + Retry-After (default 0: no limit; see --trusted-proxy)
              --max-connections-per-ip N  connections one client address may hold, open or being set up;
                                        beyond: 429 + Retry-After (default 0: no cap; see --trusted-proxy)
              --max-pending-handshakes N  handshakes that may wait for a backend's answer at once, all clients
                                        together; beyond: 503 + Retry-After (default 0: no cap)
              --max-pending-handshakes-per-ip N  handshakes one client address may have waiting at once;
                                        beyond: 429 + Retry-After (default 0: no cap)
              --allowed-origin ORIGIN   a browser page origin allowed to connect, e.g. https://chat.example.com
                                        (repeatable); a handshake with another Origin gets 403, one without
                                        an Origin header (not a browser) passes. Default: any origin
              --shutdown-window DURATION  on SIGTERM/SIGINT, new handshakes get 503 at once and open connections
                                        are closed (1001) at moments spread over this window, so that clients
                                        reconnect elsewhere spread out (default 0: all at once)
              --ping-interval DURATION  ping a side (client or backend) that sent nothing for this long; one that
                                        then stays silent another interval is closed as dead (half-open TCP),
                                        the other side gets a close frame (default 0: no pings)
            """ + TlsOptions.SERVER_HELP + TlsOptions.BACKEND_HELP + """
              --selectors N             selector threads (1-16); each relays both legs of its tunnels, so they
                                        are the data path (default: half the cores, at least 2)
              --accept-queue N          connections the kernel holds until accepted, for the listener and the
                                        admin API (1-65535; default: net.core.somaxconn, else 511)
              --admin HOST:PORT         serve the admin API (JSON status; POST add, remove, drain, resume,
                                        weight, health) on this separate address, e.g. 127.0.0.1:9204;
                                        a non-loopback address needs --admin-token-file
              --admin-token-file PATH   require 'Authorization: Bearer TOKEN' on the admin API, TOKEN being the
                                        file's content (16 characters or more)
              --eject-after N           connect/upgrade failures in a row that eject a backend (passive health;
                                        default 5; 0: never eject)
              --ejection-time DURATION  how long a first ejection lasts; doubles on each repeat, up to 10x
                                        (default 30s). At most half of the backends are ejected at once; with
                                        none healthy, all are offered (panic mode, logged)
              --help                    this text

            DURATION: 500ms, 30s, 5m, 2h, 1d or ISO-8601 (PT30S). SIZE: bytes, or with KiB/MiB/GiB.
            Prints 'wslb proxy listening on ws://HOST:PORT/' once ready; stops cleanly on SIGTERM/SIGINT,
            sending close 1001 to every client. A bad flag or an address it cannot listen on is one line on
            stderr naming the flag, and exit status 2.""";
    }

    /**
     * @param args the options
     * @return the exit status (0 after a clean stop, 2 on a usage error)
     * @throws Exception if the server cannot start
     */
    static int run(String[] args) throws Exception {
        Server server;
        try {
            Options options = Options.parse(args, VALUED, FLAGS);
            if (options.has("help")) {
                System.out.println(help());
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
        InetSocketAddress listen = Options.parseAddress("--listen", options.get("listen", "127.0.0.1:9203"));
        List<Backend> backends = backends(options.all("backend"));
        BalancingStrategy builderStrategy = strategy(options.get("strategy", "round-robin"), options.get("hash-balance-factor", ""));
        WebSocketLoadBalancerBuilder builder = WebSocketLoadBalancer.builder().strategy(builderStrategy);
        try {
            Timeouts defaults = Timeouts.defaults();
            builder.timeouts(defaults.withConnect(options.duration("connect-timeout", defaults.connect()))
                    .withUpgrade(options.duration("upgrade-timeout", defaults.upgrade()))
                    .withIdle(options.duration("idle-timeout", defaults.idle()))
                    .withClose(options.duration("close-timeout", defaults.close()))
                    .withPingInterval(options.duration("ping-interval", Duration.ZERO)))
                .maxAttempts(parseInt("--max-attempts", options.get("max-attempts", "3")))
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
            int ejectAfter = parseInt("--eject-after", options.get("eject-after", "5"));
            Duration ejection = options.duration("ejection-time", OutlierDetection.defaults().baseEjectionTime());
            builder.outlierDetection(ejectAfter == 0 ? OutlierDetection.disabled()
                : OutlierDetection.of(ejectAfter, ejection, ejection.multipliedBy(10), 0.5));
            if (options.has("health-check")) {
                HealthCheck check = healthCheck(options.get("health-check", ""));
                check = check.withInterval(options.duration("health-interval", check.interval()));
                builder.healthCheck(check.withTimeout(options.duration("health-timeout", check.timeout())));
            } else if (options.has("health-interval") || options.has("health-timeout")) {
                throw new IllegalArgumentException("--health-interval and --health-timeout go with --health-check");
            }
            int perBackend = parseInt("--max-connections-per-backend", options.get("max-connections-per-backend", "0"));
            if (perBackend < 0) {
                throw new IllegalArgumentException("--max-connections-per-backend must be 0 (no cap) or more, got " + perBackend);
            }
            if (perBackend > 0) {
                backends.replaceAll(b -> b.maxConnections() == 0 ? b.withMaxConnections(perBackend) : b);
            }
        } catch (IllegalArgumentException e) {
            throw new Options.UsageException(flagged(e.getMessage()));
        }
        backends.forEach(builder::backend);
        SSLContext backendTls = TlsOptions.backend(options);
        if (backendTls != null) {
            builder.backendTls(backendTls);
        }
        ServerTls tls = TlsOptions.server(options);
        AffinityResolver affinity = affinity(options.get("affinity", "none"), options);
        builder.affinity(affinity);
        builder.affinityFallback(fallback(options.get("affinity-fallback", "repick")));
        try {
            builder.trustedProxies(TrustedProxies.of(options.all("trusted-proxy")));
        } catch (IllegalArgumentException e) {
            throw new Options.UsageException("--trusted-proxy: " + e.getMessage());
        }
        BalancingStrategy strategy = builderStrategy;
        if (affinity.needsSessionStore() && (!strategy.usesAffinityKey() || options.has("session-ttl"))) {
            try {
                builder.sessionStore(SessionStores.inMemory(options.duration("session-ttl", Duration.ofHours(1))));
            } catch (IllegalArgumentException e) {
                throw new Options.UsageException("--session-ttl " + flagged(e.getMessage()).replaceFirst("^ttl ", ""));
            }
        } else if (options.has("session-ttl")) {
            throw new Options.UsageException("--session-ttl needs an --affinity whose keys are stored (ip, app-cookie, header, query, jwt-claim)");
        }
        String path = options.get("path", "/");
        WebSocketLoadBalancer balancer;
        WebSocketLoadBalancerHandler handler;
        try {
            balancer = builder.build();
            handler = WebSocketLoadBalancerHandler.at(path, balancer);
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new Options.UsageException(flagged(e.getMessage()));
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
        Server admin = admin(options, balancer, connector.getHandshakeTimeout());
        if (admin != null) {
            server.addBean(admin); // started and stopped with the proxy
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
        if (admin != null) {
            ServerConnector adminConnector = (ServerConnector) admin.getConnectors()[0];
            String adminHost = adminConnector.getHost().contains(":") ? "[" + adminConnector.getHost() + "]" : adminConnector.getHost();
            System.out.printf("wslb admin API on http://%s:%d/status%n", adminHost, adminConnector.getLocalPort());
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

    static List<Backend> backends(List<String> specs) throws Options.UsageException {
        if (specs.isEmpty()) {
            throw new Options.UsageException("at least one --backend is required");
        }
        List<Backend> backends = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        for (String spec : specs) {
            Backend backend = backend(spec);
            if (!ids.add(backend.id())) {
                throw new Options.UsageException("--backend " + spec + ": id '" + backend.id() + "' is used twice (set ;id=NAME)");
            }
            backends.add(backend);
        }
        return backends;
    }

    static Backend backend(String spec) throws Options.UsageException {
        String[] parts = spec.split(";");
        if (!parts[0].contains("://")) {
            throw new Options.UsageException("--backend " + spec + ": no scheme; write ws://" + spec.trim()
                + " (or wss://" + spec.trim() + " for a TLS backend)");
        }
        URI uri;
        try {
            uri = new URI(parts[0].trim());
        } catch (URISyntaxException e) {
            throw new Options.UsageException("--backend " + spec + ": not a URI (" + e.getReason() + ")");
        }
        authority(spec, uri);
        Map<String, String> attributes = new HashMap<>();
        for (int i = 1; i < parts.length; i++) {
            String attribute = parts[i].trim();
            if (attribute.equals("backup")) {
                attributes.put("backup", "true");
                continue;
            }
            int eq = attribute.indexOf('=');
            if (eq <= 0) {
                throw new Options.UsageException("--backend " + spec + ": attribute '" + attribute + "' is not NAME=VALUE");
            }
            String name = attribute.substring(0, eq).trim();
            if (!name.equals("weight") && !name.equals("id") && !name.equals("max-connections")) {
                throw new Options.UsageException("--backend " + spec + ": unknown attribute '" + name
                    + "' (known: weight, id, max-connections, backup)");
            }
            attributes.put(name, attribute.substring(eq + 1).trim());
        }
        try {
            Backend backend = attributes.containsKey("id") ? Backend.of(attributes.get("id"), uri) : Backend.of(uri);
            if (attributes.containsKey("weight")) {
                backend = backend.withWeight(parseInt("--backend " + spec + ": weight", attributes.get("weight")));
            }
            if (attributes.containsKey("max-connections")) {
                backend = backend.withMaxConnections(parseInt("--backend " + spec + ": max-connections",
                    attributes.get("max-connections")));
            }
            if (attributes.containsKey("backup")) {
                backend = backend.asBackup();
            }
            return backend;
        } catch (IllegalArgumentException e) {
            throw new Options.UsageException("--backend " + spec + ": " + e.getMessage());
        }
    }

    /** Says which part of a backend's {@code HOST:PORT} is wrong, where {@link URI} only finds no host. */
    private static void authority(String spec, URI uri) throws Options.UsageException {
        String authority = uri.getRawAuthority();
        if (authority == null || authority.isEmpty()) {
            throw new Options.UsageException("--backend " + spec + ": no host; write it as ws://HOST:PORT/PATH");
        }
        if (uri.getHost() != null && uri.getPort() <= 65535) {
            return;
        }
        int colon = authority.lastIndexOf(':');
        boolean bracketed = authority.endsWith("]");
        if (colon > 0 && !bracketed) {
            String port = authority.substring(colon + 1);
            if (!port.matches("[0-9]{1,5}") || Integer.parseInt(port) > 65535) {
                throw new Options.UsageException("--backend " + spec + ": '" + port + "' is not a port (a number from 1 to 65535)");
            }
        }
        String host = colon > 0 && !bracketed ? authority.substring(0, colon) : authority;
        throw new Options.UsageException("--backend " + spec + ": '" + host + "' is not a host name or address "
            + "(letters, digits, '-' and '.'; an IPv6 address goes in brackets, e.g. ws://[::1]:9101)");
    }

    static BalancingStrategy strategy(String name, String balanceFactor) throws Options.UsageException {
        if (!balanceFactor.isEmpty() && !name.equals("consistent-hash")) {
            throw new Options.UsageException("--hash-balance-factor goes with --strategy consistent-hash");
        }
        return switch (name) {
            case "round-robin" -> BalancingStrategies.roundRobin();
            case "weighted-round-robin" -> BalancingStrategies.weightedRoundRobin();
            case "random" -> BalancingStrategies.random();
            case "weighted-random" -> BalancingStrategies.weightedRandom();
            case "least-connections" -> BalancingStrategies.leastConnections();
            case "weighted-least-connections" -> BalancingStrategies.weightedLeastConnections();
            case "power-of-two" -> BalancingStrategies.powerOfTwoChoices();
            case "consistent-hash" -> balanceFactor.isEmpty() ? BalancingStrategies.consistentHash()
                : BalancingStrategies.consistentHash(factor(balanceFactor));
            default -> throw new Options.UsageException("--strategy: unknown strategy '" + name + "' (round-robin, "
                + "weighted-round-robin, random, weighted-random, least-connections, weighted-least-connections, "
                + "power-of-two, consistent-hash)");
        };
    }

    private static double factor(String raw) throws Options.UsageException {
        try {
            double factor = Double.parseDouble(raw.trim());
            if (!(factor >= 1.0) || Double.isInfinite(factor)) {
                throw new NumberFormatException();
            }
            return factor;
        } catch (NumberFormatException e) {
            throw new Options.UsageException("--hash-balance-factor: '" + raw + "' must be a number of at least 1 (e.g. 1.25)");
        }
    }

    static AffinityFallback fallback(String raw) throws Options.UsageException {
        return switch (raw) {
            case "repick" -> AffinityFallback.REPICK;
            case "reject" -> AffinityFallback.REJECT;
            default -> throw new Options.UsageException("--affinity-fallback: '" + raw + "' is not repick or reject");
        };
    }

    static AffinityResolver affinity(String kind, Options options) throws Options.UsageException {
        boolean jwt = kind.startsWith("jwt-claim:");
        if (!jwt && (options.has("jwt-secret-file") || options.has("jwt-unverified"))) {
            throw new Options.UsageException("--jwt-secret-file and --jwt-unverified go with --affinity jwt-claim:HEADER:CLAIM");
        }
        boolean cookie = kind.equals("cookie") || kind.startsWith("cookie:");
        if (!cookie && options.has("cookie-secret-file")) {
            throw new Options.UsageException("--cookie-secret-file goes with --affinity cookie[:NAME]");
        }
        try {
            if (kind.equals("none")) {
                return AffinityResolver.none();
            }
            if (kind.equals("ip")) {
                return AffinityResolvers.clientIp();
            }
            if (cookie) {
                String name = kind.equals("cookie") ? "WSLB" : kind.substring("cookie:".length());
                String secretFile = options.get("cookie-secret-file", "");
                return secretFile.isEmpty() ? AffinityResolvers.cookie(name)
                    : AffinityResolvers.cookie(name, secret("--cookie-secret-file", secretFile));
            }
            if (kind.startsWith("app-cookie:")) {
                return AffinityResolvers.appCookie(nonEmpty(kind, kind.substring("app-cookie:".length())));
            }
            if (kind.startsWith("header:")) {
                return AffinityResolvers.header(nonEmpty(kind, kind.substring("header:".length())));
            }
            if (kind.startsWith("query:")) {
                return AffinityResolvers.queryParameter(nonEmpty(kind, kind.substring("query:".length())));
            }
            if (jwt) {
                String[] parts = kind.split(":", -1);
                if (parts.length != 3 || parts[1].isEmpty() || parts[2].isEmpty()) {
                    throw new Options.UsageException("--affinity: '" + kind + "' is not jwt-claim:HEADER:CLAIM");
                }
                String secretFile = options.get("jwt-secret-file", "");
                boolean unverified = options.has("jwt-unverified");
                if (secretFile.isEmpty() == !unverified) {
                    throw new Options.UsageException("--affinity jwt-claim needs exactly one of --jwt-secret-file or --jwt-unverified");
                }
                JwtVerifier verifier = unverified ? JwtVerifier.acceptUnverified()
                    : JwtVerifier.hmacSha256(secret("--jwt-secret-file", secretFile));
                return AffinityResolvers.jwtClaimFromHeader(parts[1], parts[2], verifier);
            }
        } catch (IllegalArgumentException e) {
            throw new Options.UsageException("--affinity: " + e.getMessage());
        }
        throw new Options.UsageException("--affinity: unknown kind '" + kind
            + "' (none, ip, cookie[:NAME], app-cookie:NAME, header:NAME, query:NAME, jwt-claim:HEADER:CLAIM)");
    }

    private static String nonEmpty(String kind, String name) throws Options.UsageException {
        if (name.isEmpty()) {
            throw new Options.UsageException("--affinity: '" + kind + "' needs a NAME");
        }
        return name;
    }

    /** Reads a secret file; trailing line breaks are not part of the secret. */
    private static byte[] secret(String flag, String path) throws Options.UsageException {
        byte[] secret = Options.secretFile(flag, path);
        if (secret.length < 32) {
            throw new Options.UsageException(flag + ": the secret in " + path + " has " + secret.length + " bytes; at least 32 are needed");
        }
        return secret;
    }

    /** The admin API's own small server, on its own address, with the proxy port's head deadline; null without --admin. */
    private static @Nullable Server admin(Options options, WebSocketLoadBalancer balancer, Duration headTimeout)
        throws Options.UsageException {
        if (!options.has("admin")) {
            if (options.has("admin-token-file")) {
                throw new Options.UsageException("--admin-token-file goes with --admin HOST:PORT");
            }
            return null;
        }
        InetSocketAddress address = Options.parseAddress("--admin", options.get("admin", ""));
        AdminHandler.Builder builder = AdminHandler.builder(balancer);
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

    /** {@code http:/PATH} (GET, 2xx) or {@code ws:/PATH} (an upgrade, then a ping and its pong). */
    static HealthCheck healthCheck(String spec) {
        if (spec.startsWith("http:")) {
            return HealthCheck.http(spec.substring(5));
        }
        if (spec.startsWith("ws:")) {
            return HealthCheck.webSocket(spec.substring(3)).withPing(true);
        }
        throw new IllegalArgumentException("--health-check is http:/PATH or ws:/PATH, got '" + spec + "'");
    }

    /** The most --selectors takes: both sides' selectors must fit in the launcher's pool of 64 threads. */
    static final int MAX_SELECTORS = 16;

    private static int selectors(Options options) throws Options.UsageException {
        String raw = options.find("selectors");
        if (raw == null) {
            return ProxyServerConnector.defaultSelectors();
        }
        int selectors = parseInt("--selectors", raw);
        if (selectors < 1 || selectors > MAX_SELECTORS) {
            throw new Options.UsageException("--selectors: " + selectors + " is not between 1 and " + MAX_SELECTORS);
        }
        return selectors;
    }

    /** --max-connections, else what the open-files limit fits (0, no cap, where it cannot be read). */
    private static int maxConnections(Options options) throws Options.UsageException {
        if (options.has("max-connections")) {
            return parseInt("--max-connections", options.get("max-connections", "0"));
        }
        OptionalLong openFiles = ProxyServerConnector.openFilesLimit();
        return openFiles.isEmpty() ? 0 : ProxyServerConnector.maxConnectionsFor(openFiles.getAsLong());
    }

    /** The admission flags; 0, their default, is no cap. */
    private static AdmissionLimits admissionLimits(Options options) throws Options.UsageException {
        int connections = cap("--max-connections", maxConnections(options));
        int perIp = cap("--max-connections-per-ip", parseInt("--max-connections-per-ip", options.get("max-connections-per-ip", "0")));
        int pending = cap("--max-pending-handshakes", parseInt("--max-pending-handshakes", options.get("max-pending-handshakes", "0")));
        int pendingPerIp = cap("--max-pending-handshakes-per-ip", parseInt("--max-pending-handshakes-per-ip",
            options.get("max-pending-handshakes-per-ip", "0")));
        int rate = cap("--max-handshakes-per-ip-per-second", parseInt("--max-handshakes-per-ip-per-second",
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
        int size = parseInt("--accept-queue", raw);
        if (size < 1 || size > 65535) {
            throw new Options.UsageException("--accept-queue: " + size + " is not between 1 and 65535");
        }
        return size;
    }

    private static int parseInt(String what, String raw) throws Options.UsageException {
        try {
            return Integer.parseInt(raw.trim());
        } catch (NumberFormatException e) {
            throw new Options.UsageException(what + ": '" + raw + "' is not a whole number");
        }
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

    /** Settings whose names in the library's messages differ from the flag that sets them. */
    private static final Map<String, String> FLAG_OF_SETTING = Map.of(
        "maxHandshakesPerClientPerSecond", "--max-handshakes-per-ip-per-second",
        "maxConnectionsPerClient", "--max-connections-per-ip",
        "maxPendingHandshakesPerClient", "--max-pending-handshakes-per-ip",
        "consecutiveFailures", "--eject-after",
        "baseEjectionTime", "--ejection-time",
        "health check interval", "--health-interval",
        "health check timeout", "--health-timeout",
        "health check path", "--health-check");

    /**
     * Rewrites a library message that names a builder setting ({@code idleTimeout must be positive, got PT0S}) to
     * name the flag instead ({@code --idle-timeout must be positive, got 0s}), since the user typed flags.
     */
    static String flagged(@Nullable String message) {
        String text = message == null ? "" : message;
        for (Map.Entry<String, String> e : FLAG_OF_SETTING.entrySet()) {
            if (text.startsWith(e.getKey() + " ")) {
                text = e.getValue() + text.substring(e.getKey().length());
            }
        }
        java.util.regex.Matcher setting = java.util.regex.Pattern.compile("\\b([a-z]+(?:[A-Z][a-z]*)*)\\b").matcher(text);
        StringBuilder out = new StringBuilder();
        while (setting.find()) {
            String name = setting.group(1);
            String kebab = name.replaceAll("([A-Z])", "-$1").toLowerCase(java.util.Locale.ROOT);
            boolean isFlag = !name.equals(kebab) && VALUED.contains(kebab) || name.equals("path") && setting.start() == 0;
            setting.appendReplacement(out, java.util.regex.Matcher.quoteReplacement(isFlag ? "--" + kebab : name));
        }
        setting.appendTail(out);
        java.util.regex.Matcher iso = java.util.regex.Pattern.compile("\\bPT[0-9HMS.]+\\b").matcher(out.toString());
        StringBuilder human = new StringBuilder();
        while (iso.find()) {
            iso.appendReplacement(human, java.util.regex.Matcher.quoteReplacement(human(Duration.parse(iso.group()))));
        }
        iso.appendTail(human);
        return human.toString();
    }

    /** A duration as the flags take it: {@code 0s}, {@code 500ms}, {@code 1m30s}. */
    static String human(Duration d) {
        if (d.isZero()) {
            return "0s";
        }
        StringBuilder text = new StringBuilder();
        long days = d.toDays();
        if (days > 0) {
            text.append(days).append('d');
        }
        if (d.toHoursPart() > 0) {
            text.append(d.toHoursPart()).append('h');
        }
        if (d.toMinutesPart() > 0) {
            text.append(d.toMinutesPart()).append('m');
        }
        if (d.toSecondsPart() > 0) {
            text.append(d.toSecondsPart()).append('s');
        }
        if (d.toMillisPart() > 0) {
            text.append(d.toMillisPart()).append("ms");
        }
        return text.length() == 0 ? d.toString() : text.toString();
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
        return start(Options.parse(args, VALUED, FLAGS));
    }

}
