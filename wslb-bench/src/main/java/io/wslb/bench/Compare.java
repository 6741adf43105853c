package io.wslb.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.HdrHistogram.Histogram;

/**
 * Side-by-side comparison: echo backends in their own JVM, each target proxy in its own JVM, targets alternated
 * A B C A B C for the rounds, then an idle-memory comparison with a fresh backend and proxy process per figure.
 */
final class Compare {
    /**
     * Flags of every Java server process (backends and proxies alike). ParallelGC: the least GC CPU per operation
     * (no concurrent refinement or marking threads competing for the 2 cores), and {@code GC.run} is a full,
     * compacting collection, so the heap-after-GC figure is exact. A fixed, pre-touched 1 GiB heap (Xms = Xmx, so
     * adaptive sizing cannot commit more) keeps the heap's pages out of the RSS delta: the RSS delta then shows
     * off-heap growth only (pooled direct buffers, code cache, metaspace, thread stacks, malloc) and the heap delta
     * shows live Java objects; the two add up to the memory a connection costs.
     */
    static final String DEFAULT_JVM_FLAGS = "-Xms1g -Xmx1g -XX:+UseParallelGC -XX:+AlwaysPreTouch";

    private static final String FRAME_RELAY_TEMPLATE =
        "{java} {jvm} -cp {jar} io.wslb.bench.Main frame-relay --listen 127.0.0.1:{port} {backends} --max-lifetime {lifetime}";
    private static final String WSLB_TEMPLATE =
        "{java} {jvm} -jar {wslb-jar} proxy --listen 127.0.0.1:{port} {backends}";

    record Target(String name, String template) {
        boolean direct() {
            return template == null;
        }
    }

    private final List<String> jvmFlags;
    private final Path benchJar;
    private final Path wslbJar;
    private final Path logDir;
    private final Duration lifetime;
    private int childSeq;

    private Compare(List<String> jvmFlags, Path benchJar, Path wslbJar, Path logDir, Duration lifetime) {
        this.jvmFlags = jvmFlags;
        this.benchJar = benchJar;
        this.wslbJar = wslbJar;
        this.logDir = logDir;
        this.lifetime = lifetime;
    }

    static int run(String[] argv) throws Exception {
        Args a = Args.parse(argv, Set.of("skip-echo", "skip-idle")).allow("targets", "target", "connections", "inflight",
            "payload", "rounds", "duration", "warmup", "idle", "hold", "skip-echo", "skip-idle", "jvm-flags", "wslb-jar",
            "log-dir", "client-threads", "max-pending");
        List<String> jvm = splitWords(a.str("jvm-flags", DEFAULT_JVM_FLAGS));
        Path benchJar = Path.of(Main.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Path wslbJar = resolveWslbJar(a.str("wslb-jar", null), benchJar);
        Path logDir = a.has("log-dir") ? Path.of(a.str("log-dir", null))
            : (benchJar.getParent() != null ? benchJar.getParent() : Path.of(".")).resolve("bench-logs")
                .resolve(LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));

        int connections = a.integer("connections", 100);
        int inflight = a.integer("inflight", 4);
        int payload = a.size("payload", 64);
        int rounds = a.integer("rounds", 3);
        Duration duration = a.duration("duration", Duration.ofSeconds(10));
        Duration warmup = a.duration("warmup", Duration.ofSeconds(5));
        Duration hold = a.duration("hold", Duration.ofSeconds(10));
        int clientThreads = a.integer("client-threads", 1);
        int maxPending = a.integer("max-pending", 200);
        boolean skipEcho = a.flag("skip-echo");
        boolean skipIdle = a.flag("skip-idle");
        List<Integer> idleCounts = new ArrayList<>();
        for (String s : a.str("idle", "2000,5000").split(",")) {
            if (!s.isBlank()) {
                idleCounts.add(Integer.parseInt(s.trim()));
            }
        }

        List<Target> targets = new ArrayList<>();
        for (String name : a.str("targets", a.has("target") ? "direct" : "direct,frame-relay,wslb").split(",")) {
            switch (name.trim()) {
                case "" -> { }
                case "direct" -> targets.add(new Target("direct", null));
                case "frame-relay" -> targets.add(new Target("frame-relay", FRAME_RELAY_TEMPLATE));
                case "wslb" -> {
                    String why = wslbUnavailable(wslbJar);
                    if (why == null) {
                        targets.add(new Target("wslb", WSLB_TEMPLATE));
                    } else {
                        System.out.println("skipping target wslb: " + why);
                    }
                }
                default -> throw new IllegalArgumentException("unknown built-in target '" + name + "'");
            }
        }
        for (String t : a.all("target")) {
            int eq = t.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("--target needs name=command-template, got '" + t + "'");
            }
            targets.add(new Target(t.substring(0, eq).trim(), t.substring(eq + 1).trim()));
        }
        if (targets.stream().noneMatch(Target::direct)) {
            targets.add(0, new Target("direct", null));
        }

        long perEchoRound = warmup.toSeconds() + duration.toSeconds() + 15;
        long idleSeconds = idleCounts.size() * targets.size() * (hold.toSeconds() + 60);
        Duration life = Duration.ofSeconds(600 + (skipEcho ? 0 : rounds * targets.size() * perEchoRound)
            + (skipIdle ? 0 : idleSeconds));

        Compare c = new Compare(jvm, benchJar, wslbJar, logDir, life);
        System.out.printf("wslb-bench compare: %d cores, CLK_TCK %d, %s %s%n", Runtime.getRuntime().availableProcessors(),
            ProcStats.clockTicksPerSecond(), System.getProperty("java.vm.name"), System.getProperty("java.version"));
        System.out.println("server JVM flags: " + String.join(" ", jvm));
        System.out.println("client (this JVM): " + ProcessHandle.current().info().arguments().map(Arrays::toString)
            .orElse("?") + ", " + clientThreads + " I/O thread(s)");
        System.out.println("logs: " + logDir);
        System.out.println("targets: " + targets.stream().map(Target::name).toList());
        if (!skipEcho) {
            c.echoPhase(targets, new Bench.EchoParams(List.of(), connections, inflight, payload, warmup, duration,
                clientThreads, maxPending), rounds);
        }
        if (!skipIdle) {
            c.idlePhase(targets, idleCounts, hold, clientThreads, maxPending);
        }
        return 0;
    }

    // ------------------------------------------------------------------ echo phase

    private void echoPhase(List<Target> targets, Bench.EchoParams base, int rounds) throws Exception {
        System.out.printf("%n== echo: %d connections x %d in flight x %d B binary, %d rounds of %ds warm-up + %ds measured,"
                + " targets alternated%n", base.connections(), base.inflight(), base.payload(), rounds,
            base.warmup().toSeconds(), base.duration().toSeconds());
        Map<String, List<Bench.EchoReport>> results = new LinkedHashMap<>();
        List<Target> live = new ArrayList<>();
        Map<String, Child> proxies = new LinkedHashMap<>();
        try (Child backends = startBackends()) {
            List<URI> backendUrls = backendUrls(backends);
            try {
                for (Target t : targets) {
                    if (!t.direct()) {
                        try {
                            proxies.put(t.name(), startProxy(t, backendUrls));
                        } catch (IOException x) {
                            System.out.println("target " + t.name() + " did not start: " + x.getMessage());
                            continue;
                        }
                    }
                    live.add(t);
                    results.put(t.name(), new ArrayList<>());
                }
                for (int r = 1; r <= rounds; r++) {
                    for (Target t : live) {
                        Child proxy = proxies.get(t.name());
                        List<URI> urls = proxy == null ? backendUrls : List.of(URI.create("ws://127.0.0.1:" + proxy.port() + "/"));
                        List<Long> pids = proxy == null ? List.of(backends.pid()) : List.of(proxy.pid(), backends.pid());
                        Bench.EchoParams p = new Bench.EchoParams(urls, base.connections(), base.inflight(), base.payload(),
                            base.warmup(), base.duration(), base.clientThreads(), base.maxPending());
                        Bench.EchoReport rep = Bench.echo(p, pids);
                        results.get(t.name()).add(rep);
                        printRound(r, rounds, t, rep, proxy != null);
                    }
                }
            } finally {
                proxies.values().forEach(Child::close);
            }
        }
        printEchoTable(live, results, base);
    }

    private static void printRound(int r, int rounds, Target t, Bench.EchoReport rep, boolean proxied) {
        if (rep.upgraded() < rep.requested()) {
            System.out.printf("round %d/%d %-12s FAILED: %d/%d upgraded (%s)%n", r, rounds, t.name(), rep.upgraded(),
                rep.requested(), rep.firstFailure());
            return;
        }
        int b = proxied ? 1 : 0;
        System.out.printf("round %d/%d %-12s %9.0f rt/s  p50 %.3f ms  p99 %.3f ms  proxy %s  backend %.1f us/rt  "
                + "client %.2f cores  machine busy %.0f%% (others %.2f cores)%s%n",
            r, rounds, t.name(), rep.perSecond(), Bench.ms(rep.rtt(), 50), Bench.ms(rep.rtt(), 99),
            proxied ? String.format("%.1f us/rt (%.2f cores)", rep.cpuMicrosPerRoundTrip(0), rep.cores(rep.pidTicks()[0])) : "-",
            rep.cpuMicrosPerRoundTrip(b), rep.clientCores(), rep.machineBusy() * 100, rep.otherCores(),
            rep.lengthErrors() + rep.closedByPeer() > 0
                ? "  ERRORS: " + rep.lengthErrors() + " length, " + rep.closedByPeer() + " closed by peer" : "");
    }

    private static void printEchoTable(List<Target> targets, Map<String, List<Bench.EchoReport>> results, Bench.EchoParams p) {
        System.out.printf("%n== echo summary: %d connections x %d in flight x %d B (median of rounds; percentiles over all"
            + " measured round trips)%n", p.connections(), p.inflight(), p.payload());
        System.out.printf("%-12s %10s %9s %8s %8s %9s %12s %14s %13s %13s %7s %7s%n", "target", "rt/s", "vs direct",
            "p50 ms", "p99 ms", "p99.9 ms", "proxy us/rt", "backend us/rt", "client cores", "machine busy", "others", "errors");
        double directRate = Double.NaN;
        for (Target t : targets) {
            List<Bench.EchoReport> ok = results.get(t.name()).stream().filter(r -> r.roundTrips() > 0).toList();
            if (ok.isEmpty()) {
                System.out.printf("%-12s %12s%n", t.name(), "no result");
                continue;
            }
            double rate = median(ok.stream().mapToDouble(Bench.EchoReport::perSecond).toArray());
            if (t.direct()) {
                directRate = rate;
            }
            Histogram all = new Histogram(3);
            long errors = 0;
            for (Bench.EchoReport r : ok) {
                all.add(r.rtt());
                errors += r.lengthErrors() + r.closedByPeer();
            }
            boolean proxied = !t.direct();
            String proxyCpu = proxied
                ? String.format("%.1f", median(ok.stream().mapToDouble(r -> r.cpuMicrosPerRoundTrip(0)).toArray())) : "-";
            double backendCpu = median(ok.stream().mapToDouble(r -> r.cpuMicrosPerRoundTrip(proxied ? 1 : 0)).toArray());
            double clientCores = median(ok.stream().mapToDouble(Bench.EchoReport::clientCores).toArray());
            double busy = median(ok.stream().mapToDouble(Bench.EchoReport::machineBusy).toArray());
            double others = median(ok.stream().mapToDouble(Bench.EchoReport::otherCores).toArray());
            System.out.printf("%-12s %10.0f %9.2f %8.3f %8.3f %9.3f %12s %14.1f %13.2f %12.0f%% %7.2f %7d%n", t.name(),
                rate, rate / directRate, Bench.ms(all, 50), Bench.ms(all, 99), Bench.ms(all, 99.9), proxyCpu, backendCpu,
                clientCores, busy * 100, others, errors);
        }
    }

    // ------------------------------------------------------------------ idle phase

    private void idlePhase(List<Target> targets, List<Integer> counts, Duration hold, int clientThreads, int maxPending)
        throws Exception {
        System.out.printf("%n== idle: memory per idle connection, held %ds; fresh backend and proxy JVMs per line, 200"
            + " connections opened and closed first as warm-up%n", hold.toSeconds());
        System.out.println("   (direct measures the backend JVM: 2 echo servers, one WebSocket connection each;"
            + " proxies: the proxy JVM, two sockets per connection)");
        System.out.printf("%-12s %7s %9s %9s %16s %17s %15s %8s %12s%n", "target", "conns", "upgraded", "held",
            "RSS delta B/conn", "heap delta B/conn", "sum B/conn", "threads", "fds");
        for (int n : counts) {
            for (Target t : targets) {
                try (Child backends = startBackends()) {
                    List<URI> backendUrls = backendUrls(backends);
                    Child proxy = null;
                    try {
                        if (!t.direct()) {
                            try {
                                proxy = startProxy(t, backendUrls);
                            } catch (IOException x) {
                                System.out.printf("%-12s %7d did not start: %s%n", t.name(), n, x.getMessage());
                                continue;
                            }
                        }
                        List<URI> urls = proxy == null ? backendUrls : List.of(URI.create("ws://127.0.0.1:" + proxy.port() + "/"));
                        long pid = proxy == null ? backends.pid() : proxy.pid();
                        warmUpConnections(urls, clientThreads, maxPending);
                        Bench.IdleReport r = Bench.idle(urls, n, hold, pid, clientThreads, maxPending);
                        double sum = r.rssBytesPerConnection() + (r.hasHeap() ? r.heapBytesPerConnection() : 0);
                        System.out.printf("%-12s %7d %9d %9d %16.0f %17s %15.0f %8d %5d->%-6d%s%n", t.name(), n,
                            r.upgraded(), r.stillOpen(), r.rssBytesPerConnection(),
                            r.hasHeap() ? String.format("%.0f", r.heapBytesPerConnection()) : "n/a", sum,
                            r.threadsAfter(), r.fdsBefore(), r.fdsAfter(),
                            r.upgraded() < n ? "  INCOMPLETE: " + r.firstFailure() : "");
                    } finally {
                        if (proxy != null) {
                            proxy.close();
                        }
                    }
                }
            }
        }
    }

    private static void warmUpConnections(List<URI> urls, int clientThreads, int maxPending) throws Exception {
        try (LoadClient client = new LoadClient(urls, clientThreads)) {
            client.connect(200, maxPending, Duration.ofSeconds(30));
            client.closeAll(Duration.ofSeconds(5));
        }
        Thread.sleep(1000);
    }

    // ------------------------------------------------------------------ processes

    private Child startBackends() throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(javaExe());
        cmd.addAll(jvmFlags);
        cmd.addAll(List.of("-cp", benchJar.toString(), "io.wslb.bench.Main", "echo-server", "--port", "0", "--count", "2",
            "--max-lifetime", lifetime.toSeconds() + "s"));
        return Child.start(String.format("%02d-backends", ++childSeq), cmd, lifetime, logDir, 2, Duration.ofSeconds(60));
    }

    private static List<URI> backendUrls(Child backends) {
        List<URI> urls = new ArrayList<>();
        for (int port : backends.ports) {
            urls.add(URI.create("ws://127.0.0.1:" + port + "/"));
        }
        return urls;
    }

    private Child startProxy(Target t, List<URI> backendUrls) throws IOException, InterruptedException {
        int port = freePort();
        List<String> backendArgs = new ArrayList<>();
        for (URI u : backendUrls) {
            backendArgs.add("--backend");
            backendArgs.add("ws://127.0.0.1:" + u.getPort());
        }
        Map<String, List<String>> vars = new LinkedHashMap<>();
        vars.put("{java}", List.of(javaExe()));
        vars.put("{jvm}", jvmFlags);
        vars.put("{jar}", List.of(benchJar.toString()));
        vars.put("{wslb-jar}", List.of(wslbJar == null ? "wslb-examples.jar" : wslbJar.toString()));
        vars.put("{port}", List.of(Integer.toString(port)));
        vars.put("{backends}", backendArgs);
        vars.put("{lifetime}", List.of(lifetime.toSeconds() + "s"));
        for (int i = 0; i < backendUrls.size(); i++) {
            vars.put("{backend" + (i + 1) + "}", List.of("ws://127.0.0.1:" + backendUrls.get(i).getPort()));
        }
        List<String> cmd = expand(t.template(), vars);
        Files.createDirectories(logDir);
        Files.writeString(logDir.resolve("commands.txt"), t.name() + ": " + String.join(" ", cmd) + "\n",
            java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        Child child = Child.start(String.format("%02d-%s", ++childSeq, t.name()), cmd, lifetime, logDir, 1,
            Duration.ofSeconds(60));
        return child;
    }

    static List<String> expand(String template, Map<String, List<String>> vars) {
        List<String> out = new ArrayList<>();
        for (String token : splitWords(template)) {
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

    private static String javaExe() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        }
    }

    private static Path resolveWslbJar(String given, Path benchJar) {
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
    private static String wslbUnavailable(Path jar) {
        if (jar == null || !Files.isRegularFile(jar)) {
            return "no jar at " + jar;
        }
        try {
            Process p = new ProcessBuilder("timeout", "30", javaExe(), "-jar", jar.toString(), "proxy", "--help")
                .redirectErrorStream(true).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes());
            int rc = p.waitFor();
            if (out.contains("--listen")) {
                return null;
            }
            String first = out.lines().findFirst().orElse("");
            return "'" + jar + " proxy --help' exited " + rc + " without mentioning --listen: " + first;
        } catch (IOException | InterruptedException x) {
            return x.toString();
        }
    }

    static List<String> splitWords(String s) {
        List<String> out = new ArrayList<>();
        for (String w : s.trim().split("\\s+")) {
            if (!w.isEmpty()) {
                out.add(w);
            }
        }
        return out;
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        int n = s.length;
        return n == 0 ? Double.NaN : n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }
}
