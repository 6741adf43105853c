package io.wslb.bench;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * The processes of a comparison: the echo backends (one JVM, two servers) and the proxy targets, each in its own
 * process under {@code timeout}, with their logs in one directory. Shared by {@code compare} and {@code soak}.
 */
final class Lab implements AutoCloseable {
    /**
     * Flags of every Java server process (backends and proxies alike). ParallelGC: the least GC CPU per operation
     * (no concurrent refinement or marking threads competing for the 2 cores), and {@code GC.run} is a full,
     * compacting collection, so the heap-after-GC figure is exact. A fixed, pre-touched 1 GiB heap (Xms = Xmx, so
     * adaptive sizing cannot commit more) keeps the heap's pages out of the RSS delta: the RSS delta then shows
     * off-heap growth only (pooled direct buffers, code cache, metaspace, thread stacks, malloc) and the heap delta
     * shows live Java objects; the two add up to the memory a connection costs.
     */
    static final String DEFAULT_JVM_FLAGS = "-Xms1g -Xmx1g -XX:+UseParallelGC -XX:+AlwaysPreTouch";

    static final String FRAME_RELAY_TEMPLATE =
        "{java} {jvm} -cp {jar} io.wslb.bench.Main frame-relay --listen 127.0.0.1:{port} {backends} --max-lifetime {lifetime}";
    static final String WSLB_TEMPLATE = "{java} {jvm} -jar {wslb-jar} proxy --listen 127.0.0.1:{port} {backends}";
    /**
     * The launcher with an affinity whose keys are stored ({@code ?room=}) and a strategy that does not use the key,
     * so that every handshake with a key asks the session store; here the in-memory one.
     */
    static final String WSLB_MEMORY_TEMPLATE = WSLB_TEMPLATE + " --affinity query:" + ConnectKeys.PARAM
        + " --strategy least-connections";
    /** The same with the Redis session store, on the bench's own redis-server ({@code {redis}}). */
    static final String WSLB_REDIS_TEMPLATE = WSLB_MEMORY_TEMPLATE + " --redis {redis} --instance-id bench";
    /**
     * The launcher terminating TLS with the run's certificate ({@link BenchCertificate}) on its default engine
     * (BoringSSL), sessions resumable or not as the run's {@code --tls-resumption} says.
     */
    static final String WSLB_TLS_TEMPLATE = WSLB_TEMPLATE + " --tls-cert {tls-cert} --tls-key {tls-key}"
        + " --tls-resumption {tls-resumption}";
    /** The same on the JDK's TLS, which cannot turn resumption off (a client that offers none still gets tickets). */
    static final String WSLB_TLS_JDK_TEMPLATE = WSLB_TEMPLATE + " --tls-engine jdk --tls-cert {tls-cert} --tls-key {tls-key}";

    enum Kind { DIRECT, COMMAND, NGINX, HAPROXY }

    /**
     * A target: no proxy ({@code direct}), a command template printing its listening line, NGINX or HAProxy; clients
     * reach it over {@code wss://} when {@code tls} is set.
     */
    record Target(String name, Kind kind, @Nullable String template, boolean tls) {
        Target(String name, Kind kind, @Nullable String template) {
            this(name, kind, template, false);
        }

        boolean direct() {
            return kind == Kind.DIRECT;
        }

        /** Whether the target's command names the bench's redis-server ({@code {redis}} or {@code {redis-port}}). */
        boolean usesRedis() {
            return kind == Kind.COMMAND && template != null && template.contains("{redis");
        }

        /** The template (or executable) of a target that runs a process; direct has none. */
        String command() {
            if (template == null) {
                throw new IllegalStateException("target " + name + " runs no process");
            }
            return template;
        }
    }

    /** A started proxy: its process, the URL clients connect to, and the processes to measure. */
    record Proxy(Target target, Child child, URI url, Watched watched) implements AutoCloseable {
        @Override
        public void close() {
            child.close();
        }
    }

    final List<String> jvmFlags;
    final Path benchJar;
    final Path wslbJar;
    final Path logDir;
    final Duration lifetime;
    final @Nullable Path nginxTemplate;
    final @Nullable Path haproxyTemplate;
    private int childSeq;
    private @Nullable Child redis;
    private int redisPort;
    private boolean tlsResumption;
    /** The java of the Java proxy targets ({@code {java}}); the backends and the client run on the bench's own. */
    private String proxyJava = javaExe();
    private @Nullable BenchCertificate certificate;

    Lab(List<String> jvmFlags, Path benchJar, Path wslbJar, Path logDir, Duration lifetime, @Nullable Path nginxTemplate,
        @Nullable Path haproxyTemplate) {
        this.jvmFlags = List.copyOf(jvmFlags);
        this.benchJar = benchJar;
        this.wslbJar = wslbJar;
        this.logDir = logDir;
        this.lifetime = lifetime;
        this.nginxTemplate = nginxTemplate;
        this.haproxyTemplate = haproxyTemplate;
    }

    /** Stops what the lab shares between targets (the redis-server, if one was started). */
    @Override
    public synchronized void close() {
        Child r = redis;
        redis = null;
        if (r != null) {
            r.close();
        }
    }

    /** The options every command using a Lab understands. */
    static final String[] OPTIONS = {"jvm-flags", "wslb-jar", "nginx-conf", "haproxy-conf", "log-dir", "tls-resumption", "tls-client", "proxy-java"};

    static Lab fromArgs(Args a, Path defaultLogDir, Duration lifetime) throws Exception {
        Path benchJar = benchJar();
        Lab lab = new Lab(Compare.splitWords(a.str("jvm-flags", DEFAULT_JVM_FLAGS)), benchJar,
            resolveWslbJar(a.strOrNull("wslb-jar"), benchJar), a.path("log-dir", defaultLogDir), lifetime,
            a.pathOrNull("nginx-conf"), a.pathOrNull("haproxy-conf"));
        String client = a.str("tls-client", "openssl");
        if (!client.equals("openssl") && !client.equals("jdk")) {
            throw new IllegalArgumentException("--tls-client must be openssl or jdk, got '" + client + "'");
        }
        lab.tlsResumption(parseOnOff("tls-resumption", a.str("tls-resumption", "off")), client.equals("jdk"));
        String proxyJava = a.strOrNull("proxy-java");
        if (proxyJava != null) {
            if (!Files.isExecutable(Path.of(proxyJava))) {
                throw new IllegalArgumentException("--proxy-java must name a java executable, got '" + proxyJava + "'");
            }
            lab.proxyJava = proxyJava;
        }
        return lab;
    }

    static boolean parseOnOff(String option, String value) {
        return switch (value) {
            case "on" -> true;
            case "off" -> false;
            default -> throw new IllegalArgumentException("--" + option + " must be on or off, got '" + value + "'");
        };
    }

    /**
     * Whether TLS targets let clients resume sessions, and whether the load client offers to: off (the default) makes
     * every TLS connection a full handshake.
     */
    void tlsResumption(boolean on, boolean jdkClient) {
        tlsResumption = on;
        ClientTls.useForRun(jdkClient ? ClientTls.jdk(on) : on ? ClientTls.resuming() : ClientTls.fullHandshakes());
    }

    /** The certificate of the TLS targets, made at the first call. */
    synchronized BenchCertificate certificate() throws IOException, InterruptedException {
        BenchCertificate c = certificate;
        if (c == null) {
            c = BenchCertificate.generate(logDir.toAbsolutePath().resolve("tls"));
            certificate = c;
            record("tls: " + BenchCertificate.DESCRIPTION + ", " + c.certificate());
        }
        return c;
    }

    static Path benchJar() throws Exception {
        return Path.of(Main.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    }

    // ------------------------------------------------------------------ targets

    /**
     * The targets named in {@code list} (built-in: direct, frame-relay, wslb, nginx, haproxy) plus the custom
     * {@code name=TEMPLATE} ones; a built-in that cannot run here is skipped with a message. {@code direct} is always
     * included, first.
     */
    List<Target> targets(String list, List<String> custom) {
        List<Target> targets = new ArrayList<>();
        for (String raw : list.split(",")) {
            String name = raw.trim();
            switch (name) {
                case "" -> { }
                case "direct" -> targets.add(new Target("direct", Kind.DIRECT, null));
                case "frame-relay" -> targets.add(new Target("frame-relay", Kind.COMMAND, FRAME_RELAY_TEMPLATE));
                case "wslb" -> {
                    String why = wslbUnavailable(wslbJar);
                    if (why == null) {
                        targets.add(new Target("wslb", Kind.COMMAND, WSLB_TEMPLATE));
                    } else {
                        System.out.println("skipping target wslb: " + why);
                    }
                }
                case "wslb-memory", "wslb-redis" -> {
                    boolean withRedis = name.equals("wslb-redis");
                    String why = wslbUnavailable(wslbJar, withRedis ? "--redis" : "--affinity");
                    if (why == null && withRedis && findExecutable("redis-server") == null) {
                        why = "no redis-server on PATH or in /usr/sbin (on Debian/Ubuntu: apt-get install -y redis-server)";
                    }
                    if (why == null) {
                        targets.add(new Target(name, Kind.COMMAND, withRedis ? WSLB_REDIS_TEMPLATE : WSLB_MEMORY_TEMPLATE));
                    } else {
                        System.out.println("skipping target " + name + ": " + why);
                    }
                }
                case "wslb-tls", "wslb-tls-jdk" -> {
                    String why = wslbUnavailable(wslbJar, "--tls-engine");
                    if (why == null && findExecutable("openssl") == null) {
                        why = "no openssl on PATH or in /usr/sbin to make the certificate (apt-get install -y openssl)";
                    }
                    if (why == null) {
                        targets.add(new Target(name, Kind.COMMAND, name.equals("wslb-tls") ? WSLB_TLS_TEMPLATE
                            : WSLB_TLS_JDK_TEMPLATE, true));
                    } else {
                        System.out.println("skipping target " + name + ": " + why);
                    }
                }
                case "nginx", "haproxy", "nginx-tls", "haproxy-tls" -> {
                    boolean tls = name.endsWith("-tls");
                    String program = tls ? name.substring(0, name.length() - 4) : name;
                    Path exe = findExecutable(program);
                    if (exe == null) {
                        System.out.println("skipping target " + name + ": not installed (no '" + program + "' on PATH or in"
                            + " /usr/sbin; on Debian/Ubuntu: apt-get install -y " + program + ")");
                    } else if (tls && findExecutable("openssl") == null) {
                        System.out.println("skipping target " + name + ": no openssl on PATH or in /usr/sbin to make the"
                            + " certificate (apt-get install -y openssl)");
                    } else {
                        targets.add(new Target(name, program.equals("nginx") ? Kind.NGINX : Kind.HAPROXY, exe.toString(),
                            tls));
                    }
                }
                default -> throw new IllegalArgumentException("unknown built-in target '" + name
                    + "' (built-in: direct, frame-relay, wslb, wslb-memory, wslb-redis, wslb-tls, wslb-tls-jdk, nginx, nginx-tls,"
                    + " haproxy, haproxy-tls; or --target name=COMMAND)");
            }
        }
        for (String t : custom) {
            int eq = t.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("--target needs name=command-template, got '" + t + "'");
            }
            String template = t.substring(eq + 1).trim();
            targets.add(new Target(t.substring(0, eq).trim(), Kind.COMMAND, template, template.contains("{tls-")));
        }
        if (targets.stream().noneMatch(Target::direct)) {
            targets.add(0, new Target("direct", Kind.DIRECT, null));
        }
        return targets;
    }

    /** A line describing what a target runs (versions of NGINX/HAProxy, the wslb jar). */
    String describe(Target t) {
        return switch (t.kind()) {
            case DIRECT -> "direct: no proxy, connections split over the 2 backends";
            case NGINX -> t.name() + ": " + versionOf(Path.of(t.command())) + ", " + Runtime.getRuntime().availableProcessors()
                + " worker processes, config " + (nginxTemplate != null ? nginxTemplate : "built-in (see nginx.conf in the logs)");
            case HAPROXY -> t.name() + ": " + versionOf(Path.of(t.command())) + ", nbthread "
                + Runtime.getRuntime().availableProcessors() + ", config "
                + (haproxyTemplate != null ? haproxyTemplate : "built-in (see haproxy.cfg in the logs)");
            case COMMAND -> t.name() + ": " + t.command().replace("{wslb-jar}", String.valueOf(wslbJar))
                .replace("{java}", proxyJava + " (" + versionOf(proxyJava, "-version") + ")");
        } + (t.tls() ? "; TLS: " + BenchCertificate.DESCRIPTION + ", resumption " + (tlsResumption ? "on" : "off")
            + ", client on " + ClientTls.forRun().implementation() : "");
    }

    static @Nullable Path findExecutable(String name) {
        List<String> dirs = new ArrayList<>();
        String path = System.getenv("PATH");
        if (path != null) {
            dirs.addAll(List.of(path.split(File.pathSeparator)));
        }
        dirs.addAll(List.of("/usr/sbin", "/usr/local/sbin", "/sbin"));
        for (String d : dirs) {
            if (d.isEmpty()) {
                continue;
            }
            Path p = Path.of(d, name);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    static String versionOf(Path exe) {
        return versionOf(exe.toString(), "-v");
    }

    /** The first line {@code exe flag} prints ({@code -v} for NGINX, HAProxy and redis-server, {@code -version} for java). */
    static String versionOf(String exe, String flag) {
        try {
            String out = ProcStats.run(List.of(exe, flag), 10);
            return out.lines().filter(l -> !l.isBlank()).findFirst().orElse("?").trim();
        } catch (IOException | RuntimeException x) {
            return "version unknown (" + x.getMessage() + ")";
        }
    }

    // ------------------------------------------------------------------ processes

    Child startBackends() throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(javaExe());
        cmd.addAll(jvmFlags);
        // "--count 2 --port 0" rather than "--port 0 --count 2": scripts that stop their own echo servers with
        // pkill -f 'echo-server --port 0 --count 2' must not hit the bench's
        cmd.addAll(List.of("-cp", benchJar.toString(), "io.wslb.bench.Main", "echo-server", "--count", "2", "--port", "0",
            "--max-lifetime", lifetime.toSeconds() + "s"));
        Child c = Child.start(String.format("%02d-backends", ++childSeq), cmd, lifetime, logDir, 2, Duration.ofSeconds(60));
        c.snapshotWatched();
        return c;
    }

    static List<URI> backendUrls(Child backends) {
        List<URI> urls = new ArrayList<>();
        for (int port : backends.ports) {
            urls.add(URI.create("ws://127.0.0.1:" + port + "/"));
        }
        return urls;
    }

    /**
     * Starts a proxy target in front of the backends, waits until it is ready, checks that one WebSocket upgrade
     * through it works, and then takes the set of its processes to measure.
     */
    Proxy startProxy(Target t, List<URI> backendUrls) throws IOException, InterruptedException {
        int port = freePort();
        List<Integer> backendPorts = backendUrls.stream().map(URI::getPort).toList();
        String name = String.format("%02d-%s", ++childSeq, t.name());
        Files.createDirectories(logDir);
        Child child = switch (t.kind()) {
            case COMMAND -> {
                if (t.usesRedis()) {
                    startRedis();
                }
                if (t.tls()) {
                    certificate();
                }
                List<String> cmd = expand(t.command(), vars(port, backendPorts));
                record(t.name() + ": " + String.join(" ", cmd));
                yield Child.start(name, cmd, lifetime, logDir, 1, Duration.ofSeconds(60));
            }
            case NGINX -> startNginx(t, name, port, backendPorts);
            case HAPROXY -> startHaproxy(t, name, port, backendPorts);
            case DIRECT -> throw new IllegalArgumentException("direct has no proxy");
        };
        URI url = URI.create((t.tls() ? "wss" : "ws") + "://127.0.0.1:" + child.port() + "/");
        try {
            probe(url);
        } catch (IOException x) {
            child.close();
            throw new IOException(t.name() + " started but a WebSocket upgrade through it failed: " + x.getMessage()
                + "; see " + child.log, x);
        }
        if (t.tls()) {
            record(t.name() + ": negotiated " + ClientTls.forRun().negotiated());
        }
        return new Proxy(t, child, url, child.snapshotWatched());
    }

    /**
     * Starts the redis-server the targets share, once: Debian's {@code redis-server} on a free loopback port, no
     * persistence ({@code --save "" --appendonly no}), its own temporary directory (deleted when it stops), under
     * {@code timeout} like every other process of the run, stopped by {@link #close()}.
     *
     * @return its address
     */
    synchronized InetSocketAddress startRedis() throws IOException, InterruptedException {
        if (redis == null) {
            Path exe = findExecutable("redis-server");
            if (exe == null) {
                throw new IOException("no redis-server on PATH or in /usr/sbin (on Debian/Ubuntu: apt-get install -y redis-server)");
            }
            int port = freePort();
            Path dir = Files.createTempDirectory("wslb-bench-redis-");
            List<String> cmd = redisCommand(exe, port, dir);
            record("redis: " + String.join(" ", cmd).replace(" --save  ", " --save '' "));
            redis = startWithTempDir(String.format("%02d-redis", ++childSeq), cmd, port, dir);
            redisPort = port;
        }
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), redisPort);
    }

    /** The redis-server's address, or null if no target has needed it so far. */
    synchronized @Nullable InetSocketAddress redisAddress() {
        return redis == null ? null : new InetSocketAddress(InetAddress.getLoopbackAddress(), redisPort);
    }

    /** The redis-server's process, to measure with the target using it, or null if none was started. */
    synchronized @Nullable Watched redisWatched() {
        return redis == null ? null : redis.watched();
    }

    static List<String> redisCommand(Path exe, int port, Path dir) {
        return List.of(exe.toString(), "--port", Integer.toString(port), "--bind", "127.0.0.1", "--save", "",
            "--appendonly", "no", "--dir", dir.toString(), "--daemonize", "no");
    }

    /** What the run's facts say about the redis-server: its version and how it runs. */
    static String describeRedis() {
        Path exe = findExecutable("redis-server");
        return exe == null ? "not installed" : versionOf(exe) + "; started by the bench on a free 127.0.0.1 port with"
            + " --save '' --appendonly no in its own temporary directory";
    }

    private Child startNginx(Target t, String name, int port, List<Integer> backendPorts)
        throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("wslb-bench-nginx-");
        Path errorLog = logDir.toAbsolutePath().resolve(name + "-error.log");
        String conf = Templates.nginx(Templates.load(Templates.NGINX_RESOURCE, nginxTemplate), port, backendPorts, dir,
            errorLog, Runtime.getRuntime().availableProcessors(), tlsSettings(t));
        Path confFile = dir.resolve("nginx.conf");
        Files.writeString(confFile, conf, StandardCharsets.UTF_8);
        Files.writeString(logDir.resolve(name + "-nginx.conf"), conf, StandardCharsets.UTF_8);
        List<String> cmd = List.of(t.command(), "-p", dir.toString(), "-e", errorLog.toString(), "-c",
            confFile.toString(), "-g", "daemon off;");
        record(t.name() + ": " + String.join(" ", cmd).replace("daemon off;", "'daemon off;'"));
        return startWithTempDir(name, cmd, port, dir);
    }

    private Child startHaproxy(Target t, String name, int port, List<Integer> backendPorts)
        throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("wslb-bench-haproxy-");
        String cfg = Templates.haproxy(Templates.load(Templates.HAPROXY_RESOURCE, haproxyTemplate), port, backendPorts,
            Runtime.getRuntime().availableProcessors(), tlsSettings(t));
        Path cfgFile = dir.resolve("haproxy.cfg");
        Files.writeString(cfgFile, cfg, StandardCharsets.UTF_8);
        Files.writeString(logDir.resolve(name + "-haproxy.cfg"), cfg, StandardCharsets.UTF_8);
        List<String> cmd = List.of(t.command(), "-f", cfgFile.toString(), "-db");
        record(t.name() + ": " + String.join(" ", cmd));
        return startWithTempDir(name, cmd, port, dir);
    }

    private Templates.@Nullable TlsSettings tlsSettings(Target t) throws IOException, InterruptedException {
        return t.tls() ? new Templates.TlsSettings(certificate(), tlsResumption) : null;
    }

    /** Starts a native proxy whose configuration lives in {@code dir}; the directory goes with the process. */
    private Child startWithTempDir(String name, List<String> cmd, int port, Path dir) throws IOException, InterruptedException {
        Child c;
        try {
            c = Child.startUntilPort(name, cmd, lifetime, logDir, port, Duration.ofSeconds(30));
        } catch (IOException x) {
            deleteTree(dir);
            throw x;
        }
        c.onClose(() -> deleteTree(dir));
        return c;
    }

    /** One WebSocket upgrade through {@code url}, then a clean close. */
    static void probe(URI url) throws IOException, InterruptedException {
        try (LoadClient client = new LoadClient(List.of(url), 1)) {
            int up = client.connect(1, 1, Duration.ofSeconds(10));
            String failure = client.firstFailure.get();
            client.closeAll(Duration.ofSeconds(2));
            if (up != 1) {
                throw new IOException(failure != null ? failure : "no 101 within 10 s");
            }
        }
    }

    private Map<String, List<String>> vars(int port, List<Integer> backendPorts) {
        List<String> backendArgs = new ArrayList<>();
        for (int p : backendPorts) {
            backendArgs.add("--backend");
            backendArgs.add("ws://127.0.0.1:" + p);
        }
        Map<String, List<String>> vars = new LinkedHashMap<>();
        vars.put("{java}", List.of(proxyJava));
        vars.put("{jvm}", jvmFlags);
        vars.put("{jar}", List.of(benchJar.toString()));
        vars.put("{wslb-jar}", List.of(wslbJar == null ? "wslb-examples.jar" : wslbJar.toString()));
        vars.put("{port}", List.of(Integer.toString(port)));
        vars.put("{backends}", backendArgs);
        vars.put("{lifetime}", List.of(lifetime.toSeconds() + "s"));
        BenchCertificate cert = certificate;
        if (cert != null) {
            vars.put("{tls-cert}", List.of(cert.certificate().toString()));
            vars.put("{tls-key}", List.of(cert.key().toString()));
            vars.put("{tls-pem}", List.of(cert.combined().toString()));
            vars.put("{tls-resumption}", List.of(tlsResumption ? "on" : "off"));
        }
        InetSocketAddress r = redisAddress();
        if (r != null) {
            vars.put("{redis}", List.of("redis://127.0.0.1:" + r.getPort()));
            vars.put("{redis-port}", List.of(Integer.toString(r.getPort())));
        }
        for (int i = 0; i < backendPorts.size(); i++) {
            vars.put("{backend" + (i + 1) + "}", List.of("ws://127.0.0.1:" + backendPorts.get(i)));
        }
        return vars;
    }

    private void record(String line) throws IOException {
        Files.writeString(logDir.resolve("commands.txt"), line + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
            StandardOpenOption.APPEND);
    }

    static List<String> expand(String template, Map<String, List<String>> vars) {
        List<String> out = new ArrayList<>();
        for (String token : Compare.splitWords(template)) {
            List<String> whole = vars.get(token);
            if (whole != null) {
                out.addAll(whole);
                continue;
            }
            String s = token;
            for (Map.Entry<String, List<String>> e : vars.entrySet()) {
                if (s.contains(e.getKey())) {
                    s = s.replace(e.getKey(), String.join(",", e.getValue()));
                }
            }
            out.add(s);
        }
        return out;
    }

    static String javaExe() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        }
    }

    static void deleteTree(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException x) {
            System.err.println("could not delete " + dir + ": " + x);
        }
    }

    static Path resolveWslbJar(@Nullable String given, Path benchJar) {
        if (given != null) {
            return Path.of(given).toAbsolutePath();
        }
        List<Path> candidates = new ArrayList<>();
        candidates.add(Path.of("examples/target/wslb-examples.jar").toAbsolutePath());
        Path moduleTarget = benchJar.getParent();
        if (moduleTarget != null && moduleTarget.getParent() != null && moduleTarget.getParent().getParent() != null) {
            candidates.add(moduleTarget.getParent().getParent().resolve("examples/target/wslb-examples.jar"));
        }
        for (Path p : candidates) {
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        return candidates.get(candidates.size() - 1);
    }

    /** Null if {@code java -jar JAR proxy --help} looks like a launcher with a proxy command, else the reason. */
    static @Nullable String wslbUnavailable(Path jar) {
        return wslbUnavailable(jar, "--listen");
    }

    /** Null if {@code java -jar JAR proxy --help} mentions {@code --listen} and {@code flag}, else the reason. */
    static @Nullable String wslbUnavailable(Path jar, String flag) {
        if (jar == null || !Files.isRegularFile(jar)) {
            return "no jar at " + jar;
        }
        try {
            Process p = new ProcessBuilder("timeout", "30", javaExe(), "-jar", jar.toString(), "proxy", "--help")
                .redirectErrorStream(true).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int rc = p.waitFor();
            if (out.contains("--listen") && out.contains(flag)) {
                return null;
            }
            String first = out.lines().findFirst().orElse("");
            return "'" + jar + " proxy --help' exited " + rc + " without mentioning " + (out.contains("--listen") ? flag
                : "--listen") + ": " + first;
        } catch (IOException x) {
            return x.toString();
        } catch (InterruptedException x) {
            Thread.currentThread().interrupt();
            return x.toString();
        }
    }

    /** Where the wslb jar comes from: its modification time and the git commit of the checkout it sits in. */
    static String wslbJarProvenance(Path jar) {
        if (jar == null || !Files.isRegularFile(jar)) {
            return "none";
        }
        StringBuilder b = new StringBuilder(jar.toString());
        try {
            b.append(", built ").append(Files.getLastModifiedTime(jar));
        } catch (IOException ignored) {
            // no time then
        }
        String commit = gitCommit(jar.getParent());
        if (commit != null) {
            b.append(", checkout at commit ").append(commit);
        }
        return b.toString();
    }

    /**
     * {@code git log -1} of the checkout holding {@code dir}: short hash and commit time, plus a note if the work tree
     * differs from it outside {@code wslb-bench/} and {@code docs/} (the bench's own files do not go into the jar).
     */
    static @Nullable String gitCommit(@Nullable Path dir) {
        if (dir == null) {
            return null;
        }
        try {
            String head = ProcStats.run(List.of("git", "-C", dir.toString(), "log", "-1", "--format=%h (committed %cI)"),
                10).trim();
            String dirty = ProcStats.run(List.of("git", "-C", dir.toString(), "status", "--porcelain",
                "--untracked-files=no", "--", ":(top,exclude)wslb-bench", ":(top,exclude)docs"), 10).trim();
            return head + (dirty.isEmpty() ? "" : ", work tree has uncommitted changes");
        } catch (IOException | RuntimeException x) {
            return null;
        }
    }
}
