package io.wslb.bench;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.ToDoubleFunction;
import org.jspecify.annotations.Nullable;

/**
 * The side-by-side run: echo backends in their own JVM, each proxy target in its own process, every scenario run
 * with the targets alternated A B C D, A B C D, ... for the rounds; then the idle-memory scenario with a fresh backend
 * and proxy process per target. One summary table per scenario, with ratios to {@code direct}; the figures go to a
 * results directory as CSV and JSON, and a chart is drawn from them.
 */
final class Compare {
    static final List<String> ALL_SCENARIOS = List.of("echo-64", "echo-64k", "rate", "connect", "idle");
    static final String DEFAULT_TARGETS = "direct,wslb,nginx,haproxy";

    /** An echo scenario: C connections x W in flight x P bytes. */
    record EchoSpec(String name, int connections, int inflight, int payload) {
        String describe() {
            return connections + " connections x " + inflight + " in flight x " + sizeName(payload) + " binary";
        }
    }

    private final Lab lab;
    /** Full TLS handshakes the client saw in the latest connect window (warm-up cycles included). */
    private long lastFullHandshakes;
    private final Results results = new Results();
    private final int rounds;
    private final Duration warmup;
    private final Duration duration;
    private final Duration pause;
    private final int clientThreads;
    private final int maxPending;
    private final double maxOthers;
    private final int retries;
    private final Duration warmupPass;
    private final int warmupConnects;
    private final Set<String> dead = new java.util.HashSet<>();
    private final Path resultsDir;

    private Compare(Lab lab, Path resultsDir, int rounds, Duration warmup, Duration duration, Duration pause,
                    int clientThreads, int maxPending, double maxOthers, int retries, Duration warmupPass,
                    int warmupConnects) {
        this.lab = lab;
        this.resultsDir = resultsDir;
        this.maxOthers = maxOthers;
        this.retries = retries;
        this.warmupPass = warmupPass;
        this.warmupConnects = warmupConnects;
        this.rounds = rounds;
        this.warmup = warmup;
        this.duration = duration;
        this.pause = pause;
        this.clientThreads = clientThreads;
        this.maxPending = maxPending;
    }

    static int run(String[] argv) throws Exception {
        List<String> known = new ArrayList<>(List.of("targets", "target", "scenarios", "quick", "rounds", "duration",
            "warmup", "echo-64", "echo-64k", "connections", "inflight", "payload", "rate", "rate-connections",
            "rate-payload", "connect", "connect-concurrency", "connect-warmup", "connect-keys", "idle", "hold", "idle-warmup", "skip-echo",
            "skip-idle",
            "results", "no-chart", "client-threads", "max-pending", "pause", "max-others", "retries", "warmup-pass", "warmup-connects"));
        known.addAll(List.of(Lab.OPTIONS));
        Args a = Args.parse(argv, Set.of("skip-echo", "skip-idle", "quick", "no-chart"))
            .allow(known.toArray(new String[0]));
        boolean quick = a.flag("quick");
        int rounds = a.integer("rounds", quick ? 1 : 3);
        Duration duration = a.duration("duration", quick ? Duration.ofSeconds(3) : Duration.ofSeconds(10));
        Duration warmup = a.duration("warmup", quick ? Duration.ofSeconds(2) : Duration.ofSeconds(5));
        Duration hold = a.duration("hold", quick ? Duration.ofSeconds(3) : Duration.ofSeconds(10));
        Duration pause = a.duration("pause", Duration.ofSeconds(1));
        int clientThreads = a.integer("client-threads", 1);
        int maxPending = a.integer("max-pending", 200);
        double maxOthers = Double.parseDouble(a.str("max-others", "0.3"));
        int retries = a.integer("retries", 2);
        Duration warmupPass = a.duration("warmup-pass", quick ? Duration.ofSeconds(2) : Duration.ofSeconds(5));
        int warmupConnects = a.integer("warmup-connects", quick ? 1000 : 30000);
        if (warmupConnects < 0) {
            throw new IllegalArgumentException("--warmup-connects must be 0 or more, got " + warmupConnects);
        }

        // scenarios
        List<String> scenarios = new ArrayList<>();
        for (String s : a.str("scenarios", String.join(",", ALL_SCENARIOS)).split(",")) {
            String name = s.trim();
            if (name.isEmpty()) {
                continue;
            }
            if (!ALL_SCENARIOS.contains(name) && !name.equals("echo")) {
                throw new IllegalArgumentException("unknown scenario '" + name + "' (known: " + ALL_SCENARIOS + ")");
            }
            scenarios.add(name);
        }
        if (a.flag("skip-echo")) {
            scenarios.removeIf(s -> s.startsWith("echo"));
        }
        if (a.flag("skip-idle")) {
            scenarios.remove("idle");
        }
        List<EchoSpec> echoSpecs = new ArrayList<>();
        if (a.has("connections") || a.has("inflight") || a.has("payload")) {
            // the pre-scenario options: one echo scenario with these figures instead of echo-64 and echo-64k
            int payload = a.size("payload", 64);
            if (scenarios.stream().anyMatch(s -> s.startsWith("echo"))) {
                echoSpecs.add(new EchoSpec("echo-" + sizeName(payload).replace(" ", "").toLowerCase().replace("kib", "k"),
                    a.integer("connections", 100), a.integer("inflight", 4), payload));
            }
        } else {
            if (scenarios.contains("echo-64") || scenarios.contains("echo")) {
                int[] cw = parseCxW(a.str("echo-64", "100x4"));
                echoSpecs.add(new EchoSpec("echo-64", cw[0], cw[1], 64));
            }
            if (scenarios.contains("echo-64k") || scenarios.contains("echo")) {
                int[] cw = parseCxW(a.str("echo-64k", "10x2"));
                echoSpecs.add(new EchoSpec("echo-64k", cw[0], cw[1], 65536));
            }
        }
        boolean doRate = scenarios.contains("rate");
        boolean doConnect = scenarios.contains("connect");
        boolean doIdle = scenarios.contains("idle");
        double rate = Double.parseDouble(a.str("rate", "5000"));
        int rateConnections = a.integer("rate-connections", 100);
        int ratePayload = a.size("rate-payload", 64);
        int connectCount = a.integer("connect", quick ? 1000 : 3000);
        int connectConcurrency = a.integer("connect-concurrency", 50);
        int connectWarmup = a.integer("connect-warmup", Math.min(300, connectCount / 5));
        List<ConnectKeys> connectKeys = parseKeyModes(a.str("connect-keys", "none"));
        boolean idleWarmup = Lab.parseOnOff("idle-warmup", a.str("idle-warmup", "on"));
        List<Integer> idleCounts = new ArrayList<>();
        for (String s : a.str("idle", quick ? "2000" : "8000").split(",")) {
            if (!s.isBlank()) {
                idleCounts.add(Integer.parseInt(s.trim()));
            }
        }

        // where things go
        Path benchJar = Lab.benchJar();
        String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        Path resultsDir = a.path("results",
            (benchJar.getParent() != null ? benchJar.getParent() : Path.of(".")).resolve("bench-results").resolve(stamp));
        Path logDir = resultsDir.resolve("logs");

        List<String> customTargets = a.all("target");
        String targetList = a.str("targets", customTargets.isEmpty() ? DEFAULT_TARGETS : "direct");
        int targetCount = targetList.split(",").length + customTargets.size();
        long perRun = warmup.toSeconds() + duration.toSeconds() + pause.toSeconds() + 20;
        long loadSeconds = (long) rounds * targetCount * ((echoSpecs.size() + (doRate ? 1 : 0)) * perRun
            + (doConnect ? 60 * connectKeys.size() : 0));
        long idleSeconds = doIdle ? idleCounts.size() * targetCount * (hold.toSeconds() + 90) : 0;
        Duration life = Duration.ofSeconds(600 + 2 * (loadSeconds + idleSeconds));
        Lab lab = Lab.fromArgs(a, logDir, life);
        try {
            List<Lab.Target> targets = lab.targets(targetList, customTargets);

            Compare c = new Compare(lab, resultsDir, rounds, warmup, duration, pause, clientThreads, maxPending, maxOthers,
                retries, warmupPass, warmupConnects);
            c.header(targets, argv, resultsDir);
            Results res = c.results;
            for (EchoSpec e : echoSpecs) {
                res.facts.put("scenario." + e.name(), e.describe());
            }
            if (doRate) {
                res.facts.put("scenario.rate", String.format("%.0f msg/s open loop over %d connections, %s", rate,
                    rateConnections, sizeName(ratePayload)));
            }
            if (doConnect) {
                for (ConnectKeys k : connectKeys) {
                    res.facts.put("scenario." + connectScenarioName(k), connectCount + " x (upgrade, one echo, close), "
                        + connectConcurrency + " at a time, after " + connectWarmup + " warm-up cycles; " + k.describe());
                }
            }
            if (doIdle) {
                res.facts.put("scenario.idle", idleCounts + " connections held " + hold.toSeconds() + " s"
                    + (idleWarmup ? ", after as many opened and closed" : ", fresh processes (no warm-up)"));
            }

            if (!echoSpecs.isEmpty() || doRate || doConnect) {
                List<Bench.ConnectParams> connects = new ArrayList<>();
                if (doConnect) {
                    for (ConnectKeys k : connectKeys) {
                        connects.add(new Bench.ConnectParams(List.of(), connectCount, connectConcurrency, 64, connectWarmup,
                            clientThreads, k));
                    }
                }
                c.loadScenarios(targets, echoSpecs,
                    doRate ? new Bench.RateParams(List.of(), rateConnections, rate, ratePayload, warmup, duration,
                        clientThreads, maxPending) : null,
                    connects);
            }
            if (doIdle) {
                c.idleScenario(targets, idleCounts, hold, idleWarmup);
            }

            res.write(resultsDir);
            System.out.println();
            System.out.println("results: " + resultsDir.toAbsolutePath() + " (summary.csv, rounds.csv, results.json,"
                + " tables.txt, tables.md)");
            if (!a.flag("no-chart")) {
                Path png = resultsDir.resolve("chart.png");
                Chart.write(res, png);
                System.out.println("chart: " + png.toAbsolutePath());
            }
            return 0;
        } finally {
            lab.close(); // the redis-server, if a target needed one
        }
    }

    private void header(List<Lab.Target> targets, String[] argv, Path resultsDir) {
        Map<String, String> f = results.facts;
        f.put("date", LocalDateTime.now().format(DateTimeFormatter.ISO_LOCAL_DATE_TIME));
        f.put("machine", Machine.describe());
        f.put("jdk", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
        f.put("server_jvm_flags", String.join(" ", lab.jvmFlags));
        f.put("client_jvm", ProcessHandle.current().info().arguments().map(Arrays::toString).orElse("?") + ", "
            + clientThreads + " I/O thread(s)");
        f.put("wslb_jar", Lab.wslbJarProvenance(lab.wslbJar));
        f.put("command", "compare " + String.join(" ", argv));
        f.put("rounds", rounds + " x (" + warmup.toSeconds() + " s warm-up + " + duration.toSeconds() + " s measured)"
            + "; a round with more than " + maxOthers + " cores used by other processes is repeated (at most " + retries
            + " times)");
        for (Lab.Target t : targets) {
            f.put("target." + t.name(), lab.describe(t));
        }
        if (targets.stream().anyMatch(Lab.Target::usesRedis)) {
            f.put("redis", Lab.describeRedis());
        }
        System.out.println("wslb-bench compare: " + f.get("machine") + "; " + f.get("jdk") + "; CLK_TCK "
            + ProcStats.clockTicksPerSecond());
        System.out.println("server JVM flags: " + f.get("server_jvm_flags"));
        System.out.println("client (this JVM): " + f.get("client_jvm"));
        System.out.println("wslb jar: " + f.get("wslb_jar"));
        for (Lab.Target t : targets) {
            System.out.println("target " + lab.describe(t));
        }
        if (f.containsKey("redis")) {
            System.out.println("redis: " + f.get("redis"));
        }
        System.out.println("results and logs: " + resultsDir.toAbsolutePath());
    }

    // ------------------------------------------------------------------ echo, rate, connect

    private void loadScenarios(List<Lab.Target> targets, List<EchoSpec> echoSpecs, Bench.@Nullable RateParams rate,
                               List<Bench.ConnectParams> connects) throws Exception {
        // The warm-up pass's connect cycles carry the first connect scenario's keys, so that a store's path is warm too.
        ConnectKeys warmupKeys = connects.isEmpty() ? ConnectKeys.NONE : connects.get(0).keys();
        Map<String, Lab.Proxy> proxies = new LinkedHashMap<>();
        List<Lab.Target> live = new ArrayList<>();
        try (Child backends = lab.startBackends()) {
            List<URI> backendUrls = Lab.backendUrls(backends);
            Watched backendW = backends.watched();
            try {
                for (Lab.Target t : targets) {
                    if (!t.direct()) {
                        try {
                            proxies.put(t.name(), lab.startProxy(t, backendUrls));
                        } catch (IOException x) {
                            System.out.println("target " + t.name() + " did not start: " + x.getMessage());
                            continue;
                        }
                    }
                    live.add(t);
                }
                if (!warmupPass.isZero()) {
                    System.out.printf("%nwarm-up pass (not measured): %ds of echo (100 x 4 x 64 B, then 10 x 2 x 64 KiB) and"
                        + " %d connect cycles through each target%n", warmupPass.toSeconds(), warmupConnects);
                    for (Lab.Target t : live) {
                        Lab.Proxy proxy = proxies.get(t.name());
                        List<URI> urls = urlsFor(proxy, backendUrls);
                        Duration half = warmupPass.dividedBy(2);
                        Bench.echo(new Bench.EchoParams(urls, 100, 4, 64, half, Duration.ofMillis(100), clientThreads,
                            maxPending), List.of());
                        Bench.echo(new Bench.EchoParams(urls, 10, 2, 65536, half, Duration.ofMillis(100), clientThreads,
                            maxPending), List.of());
                        // A JVM proxy needs some 30,000 connections before its connection path is compiled (docs/design.md).
                        if (warmupConnects > 0) {
                            Bench.connect(new Bench.ConnectParams(urls, warmupConnects, 50, 64, 0, clientThreads,
                                warmupKeys), List.of());
                        }
                    }
                    pause();
                }
                for (EchoSpec e : echoSpecs) {
                    echoScenario(e, live, proxies, backends, backendUrls, backendW);
                }
                if (rate != null) {
                    rateScenario(rate, live, proxies, backends, backendUrls, backendW);
                }
                for (Bench.ConnectParams connect : connects) {
                    connectScenario(connect, live, proxies, backends, backendUrls, backendW);
                }
            } catch (IOException x) {
                System.out.println("comparison stopped: " + x.getMessage());
            } finally {
                proxies.values().forEach(Lab.Proxy::close);
            }
        }
    }

    /**
     * Before a run: the backends must still be running (else the comparison is over), and a proxy that has exited is
     * reported and skipped from then on.
     */
    private static boolean ready(Child backends, Lab.Target t, Lab.@Nullable Proxy proxy, Set<String> dead)
        throws IOException {
        if (!backends.alive()) {
            throw new IOException("the echo backends (pid " + backends.pid() + ") have exited; killed from outside? see "
                + backends.log);
        }
        if (dead.contains(t.name())) {
            return false;
        }
        if (proxy != null && !proxy.child().alive()) {
            dead.add(t.name());
            System.out.println("target " + t.name() + " has exited; skipping it from now on; see " + proxy.child().log);
            return false;
        }
        return true;
    }

    private static List<URI> urlsFor(Lab.@Nullable Proxy proxy, List<URI> backendUrls) {
        return proxy == null ? backendUrls : List.of(proxy.url());
    }

    /**
     * The processes measured in a window: the proxy (if any), the backends, and the bench's redis-server once a target
     * has started it, so that its CPU is counted as the run's and not as other work disturbing it.
     */
    private List<Watched> watchedFor(Lab.@Nullable Proxy proxy, Watched backends) {
        List<Watched> w = new ArrayList<>();
        if (proxy != null) {
            w.add(proxy.watched());
        }
        w.add(backends);
        Watched redis = lab.redisWatched();
        if (redis != null) {
            w.add(redis);
        }
        return w;
    }

    /** The index of the redis-server in a window's CPU groups (see {@link #watchedFor}), or -1. */
    private int redisGroup(Lab.@Nullable Proxy proxy) {
        return lab.redisWatched() == null ? -1 : proxy != null ? 2 : 1;
    }

    private void pause() throws InterruptedException {
        Thread.sleep(pause.toMillis());
    }

    private void echoScenario(EchoSpec e, List<Lab.Target> live, Map<String, Lab.Proxy> proxies, Child backends,
                              List<URI> backendUrls, Watched backendW) throws Exception {
        System.out.printf("%n== %s: %s, %d round(s) of %ds warm-up + %ds measured, targets alternated%n", e.name(),
            e.describe(), rounds, warmup.toSeconds(), duration.toSeconds());
        Bench.EchoParams base = new Bench.EchoParams(List.of(), e.connections(), e.inflight(), e.payload(), warmup,
            duration, clientThreads, maxPending);
        Map<String, List<Bench.EchoReport>> byTarget = alternate(live, proxies, backends, backendUrls, backendW,
            (urls, watched) -> Bench.echo(base.withUrls(urls), watched), Bench.EchoReport::cpu, (r, t, proxy, rep) -> {
                int b = proxy != null ? 1 : 0;
                results.round(e.name(), t.name(), r, "rt_per_s", rep.perSecond());
                results.round(e.name(), t.name(), r, "p50_ms", Stats.ms(rep.rtt(), 50));
                results.round(e.name(), t.name(), r, "p99_ms", Stats.ms(rep.rtt(), 99));
                results.round(e.name(), t.name(), r, "proxy_us_per_rt", proxy != null ? rep.cpuMicrosPerRoundTrip(0) : Double.NaN);
                results.round(e.name(), t.name(), r, "backend_us_per_rt", rep.cpuMicrosPerRoundTrip(b));
                results.round(e.name(), t.name(), r, "client_cores", rep.cpu().clientCores());
                results.round(e.name(), t.name(), r, "others_cores", rep.cpu().otherCores());
                results.round(e.name(), t.name(), r, "errors", rep.errors());
                if (rep.upgraded() < rep.requested()) {
                    System.out.printf("round %d/%d %-12s FAILED: %d/%d upgraded (%s)%n", r, rounds, t.name(),
                        rep.upgraded(), rep.requested(), rep.firstFailure());
                } else {
                    System.out.printf("round %d/%d %-12s %9.0f rt/s  p50 %.3f ms  p99 %.3f ms  proxy %s  backend %.1f us/rt"
                            + "  client %.2f cores  machine busy %.0f%% (others %.2f cores)%s%s%n",
                        r, rounds, t.name(), rep.perSecond(), Stats.ms(rep.rtt(), 50), Stats.ms(rep.rtt(), 99),
                        proxy != null ? String.format("%.1f us/rt (%.2f cores)", rep.cpuMicrosPerRoundTrip(0),
                            rep.cpu().cores(0)) : "-",
                        rep.cpuMicrosPerRoundTrip(b), rep.cpu().clientCores(), rep.cpu().machineBusy() * 100,
                        rep.cpu().otherCores(),
                        rep.errors() > 0 ? "  ERRORS: " + rep.lengthErrors() + " length, " + rep.closedByPeer()
                            + " closed by peer" : "", Bench.clientSaturationNote(rep.cpu()));
                }
            });
        Table table = new Table("target", "rt/s", "vs direct", "p50 ms", "p99 ms", "p99.9 ms", "proxy us/rt",
            "proxy cores", "backend us/rt", "client cores", "others", "errors");
        double directRate = Double.NaN;
        for (Lab.Target t : live) {
            List<Bench.EchoReport> all = reportsOf(byTarget, t);
            List<Bench.EchoReport> ok = all.stream().filter(x -> x.roundTrips() > 0).toList();
            long errors = all.stream().mapToLong(Bench.EchoReport::errors).sum();
            if (ok.isEmpty()) {
                table.row(t.name(), "no result", "", "", "", "", "", "", "", "", "", errors);
                continue;
            }
            double rate = median(ok, Bench.EchoReport::perSecond);
            if (t.direct()) {
                directRate = rate;
            }
            double p50 = median(ok, x -> Stats.ms(x.rtt(), 50));
            double p99 = median(ok, x -> Stats.ms(x.rtt(), 99));
            double p999 = median(ok, x -> Stats.ms(x.rtt(), 99.9));
            boolean proxied = !t.direct();
            double proxyUs = proxied ? median(ok, x -> x.cpuMicrosPerRoundTrip(0)) : Double.NaN;
            double proxyCores = proxied ? median(ok, x -> x.cpu().cores(0)) : Double.NaN;
            double backendUs = median(ok, x -> x.cpuMicrosPerRoundTrip(proxied ? 1 : 0));
            double client = median(ok, x -> x.cpu().clientCores());
            double others = median(ok, x -> x.cpu().otherCores());
            double ratio = Stats.ratio(rate, directRate);
            String s = e.name();
            String n = t.name();
            results.summary(s, n, "rt_per_s", rate);
            results.summary(s, n, "ratio", ratio);
            results.summary(s, n, "p50_ms", p50);
            results.summary(s, n, "p99_ms", p99);
            results.summary(s, n, "p999_ms", p999);
            results.summary(s, n, "proxy_us_per_rt", proxyUs);
            results.summary(s, n, "proxy_cores", proxyCores);
            results.summary(s, n, "backend_us_per_rt", backendUs);
            results.summary(s, n, "client_cores", client);
            results.summary(s, n, "others_cores", others);
            results.summary(s, n, "errors", errors);
            table.row(n, Table.num(rate, 0), Table.num(ratio, 2), Table.num(p50, 3), Table.num(p99, 3),
                Table.num(p999, 3), Table.num(proxyUs, 1), Table.num(proxyCores, 2), Table.num(backendUs, 1),
                Table.num(client, 2), Table.num(others, 2), errors);
        }
        printTable(e.name() + " summary: " + e.describe() + " (every figure: the median of the " + rounds
            + " round(s))", table);
    }

    private void rateScenario(Bench.RateParams base, List<Lab.Target> live, Map<String, Lab.Proxy> proxies,
                              Child backends, List<URI> backendUrls, Watched backendW) throws Exception {
        String s = "rate";
        System.out.printf("%n== rate: %.0f msg/s open loop over %d connections (%.1f msg/s each), %s binary, %d round(s)"
                + " of %ds warm-up + %ds measured; latency from the intended send time%n", base.rate(), base.connections(),
            base.rate() / base.connections(), sizeName(base.payload()), rounds, warmup.toSeconds(), duration.toSeconds());
        Map<String, List<Bench.RateReport>> byTarget = alternate(live, proxies, backends, backendUrls, backendW,
            (urls, watched) -> Bench.rate(base.withUrls(urls), watched), Bench.RateReport::cpu, (r, t, proxy, rep) -> {
                LoadClient.RateWindow w = rep.window();
                if (w == null) {
                    System.out.printf("round %d/%d %-12s FAILED: %d/%d upgraded (%s)%n", r, rounds, t.name(),
                        rep.upgraded(), rep.requested(), rep.firstFailure());
                    results.round(s, t.name(), r, "errors", rep.errors());
                    return;
                }
                results.round(s, t.name(), r, "sent_per_s", w.achievedRate());
                results.round(s, t.name(), r, "p50_ms", Stats.ms(w.latency(), 50));
                results.round(s, t.name(), r, "p99_ms", Stats.ms(w.latency(), 99));
                results.round(s, t.name(), r, "p999_ms", Stats.ms(w.latency(), 99.9));
                results.round(s, t.name(), r, "send_lag_p99_us", Stats.us(w.sendLag(), 99));
                results.round(s, t.name(), r, "proxy_us_per_msg", proxy != null ? rep.cpuMicrosPerMessage(0) : Double.NaN);
                results.round(s, t.name(), r, "errors", rep.errors());
                System.out.printf("round %d/%d %-12s sent %6.0f msg/s  p50 %.3f ms  p99 %.3f ms  p99.9 %.3f ms  send lag"
                        + " p99 %.0f us  lost %d  proxy %s  client %.2f cores  others %.2f cores%s%n", r, rounds, t.name(),
                    w.achievedRate(), Stats.ms(w.latency(), 50), Stats.ms(w.latency(), 99), Stats.ms(w.latency(), 99.9),
                    Stats.us(w.sendLag(), 99), w.lost(),
                    proxy != null ? String.format("%.1f us/msg", rep.cpuMicrosPerMessage(0)) : "-",
                    rep.cpu().clientCores(), rep.cpu().otherCores(),
                    rep.errors() > 0 ? "  ERRORS: " + rep.errors() + " (lost " + w.lost() + ", send " + w.sendErrors()
                        + ", length " + w.lengthErrors() + ", closed " + rep.closedByPeer() + ")" : "");
            });
        Table table = new Table("target", "sent/s", "p50 ms", "p99 ms", "p99.9 ms", "+p50 ms", "+p99 ms", "+p99.9 ms",
            "p50 vs direct", "p99 vs direct", "send lag p99 us", "proxy us/msg", "lost", "errors");
        double[] direct = null;
        for (Lab.Target t : live) {
            List<Bench.RateReport> all = reportsOf(byTarget, t);
            List<Bench.RateReport> ok = all.stream().filter(x -> x.window() != null && x.window().received() > 0).toList();
            long errors = all.stream().mapToLong(Bench.RateReport::errors).sum();
            long lost = ok.stream().mapToLong(x -> x.measuredWindow().lost()).sum();
            if (ok.isEmpty()) {
                table.row(t.name(), "no result", "", "", "", "", "", "", "", "", "", "", lost, errors);
                continue;
            }
            double[] pct = {
                median(ok, x -> Stats.ms(x.measuredWindow().latency(), 50)),
                median(ok, x -> Stats.ms(x.measuredWindow().latency(), 99)),
                median(ok, x -> Stats.ms(x.measuredWindow().latency(), 99.9))};
            if (t.direct()) {
                direct = pct;
            }
            double lag = median(ok, x -> Stats.us(x.measuredWindow().sendLag(), 99));
            double sent = median(ok, x -> x.measuredWindow().achievedRate());
            double proxyUs = t.direct() ? Double.NaN : median(ok, x -> x.cpuMicrosPerMessage(0));
            String n = t.name();
            double add50 = direct == null ? Double.NaN : pct[0] - direct[0];
            double add99 = direct == null ? Double.NaN : pct[1] - direct[1];
            double add999 = direct == null ? Double.NaN : pct[2] - direct[2];
            double r50 = direct == null ? Double.NaN : Stats.ratio(pct[0], direct[0]);
            double r99 = direct == null ? Double.NaN : Stats.ratio(pct[1], direct[1]);
            results.summary(s, n, "sent_per_s", sent);
            results.summary(s, n, "p50_ms", pct[0]);
            results.summary(s, n, "p99_ms", pct[1]);
            results.summary(s, n, "p999_ms", pct[2]);
            results.summary(s, n, "added_p50_ms", add50);
            results.summary(s, n, "added_p99_ms", add99);
            results.summary(s, n, "added_p999_ms", add999);
            results.summary(s, n, "p50_ratio", r50);
            results.summary(s, n, "p99_ratio", r99);
            results.summary(s, n, "send_lag_p99_us", lag);
            results.summary(s, n, "proxy_us_per_msg", proxyUs);
            results.summary(s, n, "lost", lost);
            results.summary(s, n, "errors", errors);
            table.row(n, Table.num(sent, 0), Table.num(pct[0], 3), Table.num(pct[1], 3), Table.num(pct[2], 3),
                t.direct() ? "-" : Table.signed(add50, 3), t.direct() ? "-" : Table.signed(add99, 3),
                t.direct() ? "-" : Table.signed(add999, 3), Table.num(r50, 2), Table.num(r99, 2), Table.num(lag, 0),
                Table.num(proxyUs, 1), lost, errors);
        }
        printTable("rate summary: " + String.format("%.0f", base.rate()) + " msg/s over " + base.connections()
            + " connections, " + sizeName(base.payload()) + " (latency from the intended send time; every figure: the"
            + " median of the " + rounds + " round(s); +: added over direct)", table);
    }

    private void connectScenario(Bench.ConnectParams base, List<Lab.Target> live, Map<String, Lab.Proxy> proxies,
                                 Child backends, List<URI> backendUrls, Watched backendW) throws Exception {
        String s = connectScenarioName(base.keys());
        System.out.printf("%n== %s: %d x (TCP connect, upgrade, one %s echo, close handshake), %d at a time, after %d"
            + " warm-up cycles; %s; %d round(s)%n", s, base.count(), sizeName(base.payload()), base.concurrency(),
            base.warmupCount(), base.keys().describe(), rounds);
        Map<String, List<Bench.ConnectReport>> byTarget = alternate(live, proxies, backends, backendUrls, backendW,
            (urls, watched) -> {
                long fullBefore = ClientTls.forRun().fullHandshakesSeen();
                Bench.ConnectReport report = Bench.connect(base.withUrls(urls), watched, lab.redisAddress());
                lastFullHandshakes = ClientTls.forRun().fullHandshakesSeen() - fullBefore;
                return report;
            }, Bench.ConnectReport::cpu,
            (r, t, proxy, rep) -> {
                LoadClient.CycleRun c = rep.run();
                String tls = "";
                if (t.tls()) {
                    long cycles = c.requested() + base.warmupCount();
                    results.round(s, t.name(), r, "full_tls_handshakes_share", lastFullHandshakes / (double) cycles);
                    tls = String.format("  full TLS handshakes %d of %d", lastFullHandshakes, cycles);
                }
                results.round(s, t.name(), r, "upgrades_per_s", c.upgradesPerSecond());
                results.round(s, t.name(), r, "handshake_p50_ms", Stats.ms(c.handshake(), 50));
                results.round(s, t.name(), r, "handshake_p99_ms", Stats.ms(c.handshake(), 99));
                results.round(s, t.name(), r, "proxy_us_per_conn", proxy != null ? rep.cpuMicrosPerConnection(0) : Double.NaN);
                results.round(s, t.name(), r, "errors", c.errors());
                RedisStats.Window redis = rep.redis();
                int rg = redisGroup(proxy);
                double redisUs = rg < 0 ? Double.NaN : rep.cpuMicrosPerConnection(rg);
                if (redis != null) {
                    results.round(s, t.name(), r, "redis_calls", redis.total());
                    results.round(s, t.name(), r, "redis_calls_per_handshake_raw",
                        redis.total() / (double) Math.max(1, c.handshake().getTotalCount()));
                    results.round(s, t.name(), r, "redis_server_us_per_conn", redisUs);
                }
                System.out.printf("round %d/%d %-12s %7.0f upgrades/s  handshake p50 %.3f ms  p99 %.3f ms  cycle p50 %.3f"
                        + " ms  proxy %s  client %.2f cores  others %.2f cores  errors %d%s%s%s%n", r, rounds, t.name(),
                    c.upgradesPerSecond(), Stats.ms(c.handshake(), 50), Stats.ms(c.handshake(), 99),
                    Stats.ms(c.cycle(), 50),
                    proxy != null ? String.format("%.0f us/conn", rep.cpuMicrosPerConnection(0)) : "-",
                    rep.cpu().clientCores(), rep.cpu().otherCores(), c.errors(),
                    c.errors() > 0 ? " (handshake " + c.handshakeErrors() + ", echo " + c.echoErrors() + ", close "
                        + c.closeErrors() + ", unfinished " + (c.requested() - c.completed()) + "; first: "
                        + c.firstError() + ")" : "",
                    redis != null ? String.format("  redis-server %.0f us/conn, %d calls in %.1f s %s", redisUs, redis.total(),
                        redis.seconds(), redis.calls()) : rep.redisFailure() != null ? "  redis: " + rep.redisFailure() : "",
                    tls);
            });
        Table table = new Table("target", "upgrades/s", "vs direct", "handshake p50 ms", "handshake p99 ms",
            "cycle p50 ms", "proxy us/conn", "client cores", "errors", "no FIN 1s");
        double directRate = Double.NaN;
        for (Lab.Target t : live) {
            List<Bench.ConnectReport> all = reportsOf(byTarget, t);
            long errors = all.stream().mapToLong(x -> x.run().errors()).sum();
            long noEof = all.stream().mapToLong(x -> x.run().noEofAfterClose()).sum();
            List<Bench.ConnectReport> ok = all.stream().filter(x -> x.run().ok() > 0).toList();
            if (ok.isEmpty()) {
                table.row(t.name(), "no result", "", "", "", "", "", "", errors, noEof);
                continue;
            }
            double rate = median(ok, x -> x.run().upgradesPerSecond());
            if (t.direct()) {
                directRate = rate;
            }
            double hs50 = median(ok, x -> Stats.ms(x.run().handshake(), 50));
            double hs99 = median(ok, x -> Stats.ms(x.run().handshake(), 99));
            double cy50 = median(ok, x -> Stats.ms(x.run().cycle(), 50));
            double proxyUs = t.direct() ? Double.NaN : median(ok, x -> x.cpuMicrosPerConnection(0));
            double client = median(ok, x -> x.cpu().clientCores());
            double ratio = Stats.ratio(rate, directRate);
            String n = t.name();
            results.summary(s, n, "upgrades_per_s", rate);
            results.summary(s, n, "ratio", ratio);
            results.summary(s, n, "handshake_p50_ms", hs50);
            results.summary(s, n, "handshake_p99_ms", hs99);
            results.summary(s, n, "cycle_p50_ms", cy50);
            results.summary(s, n, "proxy_us_per_conn", proxyUs);
            results.summary(s, n, "client_cores", client);
            results.summary(s, n, "errors", errors);
            results.summary(s, n, "no_fin_after_close", noEof);
            table.row(n, Table.num(rate, 0), Table.num(ratio, 2), Table.num(hs50, 3), Table.num(hs99, 3),
                Table.num(cy50, 3), Table.num(proxyUs, 0),
                Table.num(client, 2), errors, noEof);
        }
        printTable(s + " summary: " + base.count() + " cycles, " + base.concurrency() + " at a time, "
            + base.keys().describe() + " (every figure: the median of the " + rounds + " round(s); handshake = TCP"
            + " connect to 101 read)", table);
        storeTable(s, live, byTarget);
        redisTable(s, live, byTarget);
    }

    /**
     * The Redis session store against the in-memory one, when both built-in targets ran: the launcher with the same
     * affinity and strategy, differing only in the store. The ratio and the added handshake times compare the medians
     * of their alternated rounds, as {@code vs direct} does.
     */
    private void storeTable(String s, List<Lab.Target> live, Map<String, List<Bench.ConnectReport>> byTarget)
        throws IOException {
        List<Bench.ConnectReport> memory = okReports(live, byTarget, "wslb-memory");
        List<Bench.ConnectReport> redis = okReports(live, byTarget, "wslb-redis");
        if (memory.isEmpty() || redis.isEmpty()) {
            return;
        }
        Table table = new Table("store", "upgrades/s", "vs in-memory", "handshake p50 ms", "+p50 ms", "handshake p99 ms",
            "+p99 ms", "proxy us/conn", "redis-server us/conn", "errors");
        double[] base = storeFigures(memory);
        for (List<Bench.ConnectReport> reports : List.of(memory, redis)) {
            double[] f = storeFigures(reports);
            boolean isBase = reports == memory;
            String name = isBase ? "wslb-memory" : "wslb-redis";
            long errors = reportsOf(byTarget, live.stream().filter(t -> t.name().equals(name)).findFirst().orElseThrow())
                .stream().mapToLong(x -> x.run().errors()).sum();
            if (!isBase) {
                results.summary(s, name, "upgrades_ratio_to_memory", Stats.ratio(f[0], base[0]));
                results.summary(s, name, "added_handshake_p50_ms", f[1] - base[1]);
                results.summary(s, name, "added_handshake_p99_ms", f[2] - base[2]);
            }
            results.summary(s, name, "redis_server_us_per_conn", f[4]);
            table.row(isBase ? "in-memory (wslb-memory)" : "Redis (wslb-redis)", Table.num(f[0], 0),
                Table.num(Stats.ratio(f[0], base[0]), 3), Table.num(f[1], 3), isBase ? "-" : Table.signed(f[1] - base[1], 3),
                Table.num(f[2], 3), isBase ? "-" : Table.signed(f[2] - base[2], 3), Table.num(f[3], 0), Table.num(f[4], 0),
                errors);
        }
        printTable(s + ": the Redis session store against the in-memory one (the same launcher, --affinity query:"
            + ConnectKeys.PARAM + " --strategy least-connections; medians of the " + rounds + " round(s))", table);
    }

    /**
     * Upgrades/s, handshake p50 and p99 (ms), the proxy's CPU and the redis-server's per connection (µs; the third CPU
     * group of a proxied window, when the redis-server was watched): the medians of the rounds.
     */
    private static double[] storeFigures(List<Bench.ConnectReport> ok) {
        return new double[] {median(ok, x -> x.run().upgradesPerSecond()), median(ok, x -> Stats.ms(x.run().handshake(), 50)),
            median(ok, x -> Stats.ms(x.run().handshake(), 99)), median(ok, x -> x.cpuMicrosPerConnection(0)),
            median(ok, x -> x.cpu().watched().size() > 2 ? x.cpuMicrosPerConnection(2) : Double.NaN)};
    }

    private static List<Bench.ConnectReport> okReports(List<Lab.Target> live, Map<String, List<Bench.ConnectReport>> byTarget,
                                                       String name) {
        return live.stream().filter(t -> t.name().equals(name)).findFirst()
            .map(t -> reportsOf(byTarget, t).stream().filter(x -> x.run().ok() > 0).toList()).orElse(List.of());
    }

    /**
     * Redis commands per handshake of each target using the bench's redis-server. Redis also runs commands whatever
     * the load (each instance's heartbeat, admin polling): their rate is measured in the windows of the targets that
     * do not use Redis (during which only the idle instances of the others talk to it), and that rate times each
     * window's length is taken off before dividing by the window's handshakes.
     */
    private void redisTable(String s, List<Lab.Target> live, Map<String, List<Bench.ConnectReport>> byTarget)
        throws IOException {
        List<RedisStats.Window> quiet = new ArrayList<>();
        for (Lab.Target t : live) {
            if (!t.usesRedis()) {
                reportsOf(byTarget, t).stream().map(Bench.ConnectReport::redis).filter(Objects::nonNull)
                    .forEach(quiet::add);
            }
        }
        Map<String, Double> background = RedisStats.ratePerSecond(quiet);
        double quietSeconds = quiet.stream().mapToDouble(RedisStats.Window::seconds).sum();
        Table table = new Table("target", "command", "calls per handshake", "without the background", "background calls/s");
        boolean any = false;
        for (Lab.Target t : live) {
            if (!t.usesRedis()) {
                continue;
            }
            List<Bench.ConnectReport> measured = reportsOf(byTarget, t).stream()
                .filter(x -> x.redis() != null && x.run().handshake().getTotalCount() > 0).toList();
            if (measured.isEmpty()) {
                continue;
            }
            any = true;
            List<Map<String, Double>> net = new ArrayList<>();
            List<Map<String, Double>> raw = new ArrayList<>();
            for (Bench.ConnectReport x : measured) {
                RedisStats.Window w = requireNonNull(x.redis());
                long handshakes = x.run().handshake().getTotalCount();
                net.add(RedisStats.perOperation(w, background, handshakes));
                raw.add(RedisStats.perOperation(w, Map.of(), handshakes));
            }
            TreeSet<String> commands = new TreeSet<>(background.keySet());
            measured.forEach(x -> commands.addAll(requireNonNull(x.redis()).calls().keySet()));
            for (String cmd : commands) {
                double n = Stats.median(net.stream().mapToDouble(m -> m.getOrDefault(cmd, 0.0)).toArray());
                double r = Stats.median(raw.stream().mapToDouble(m -> m.getOrDefault(cmd, 0.0)).toArray());
                results.summary(s, t.name(), "redis_" + cmd.replace('|', '_') + "_per_handshake", n);
                table.row(t.name(), cmd.toUpperCase(Locale.ROOT), Table.num(r, 3), Table.num(n, 3),
                    Table.num(background.getOrDefault(cmd, 0.0), 2));
            }
            double netTotal = Stats.median(net.stream().mapToDouble(m -> m.values().stream().mapToDouble(Double::doubleValue)
                .sum()).toArray());
            double rawTotal = Stats.median(raw.stream().mapToDouble(m -> m.values().stream().mapToDouble(Double::doubleValue)
                .sum()).toArray());
            results.summary(s, t.name(), "redis_total_per_handshake", netTotal);
            results.summary(s, t.name(), "redis_background_per_s",
                background.values().stream().mapToDouble(Double::doubleValue).sum());
            table.row(t.name(), "total", Table.num(rawTotal, 3), Table.num(netTotal, 3),
                Table.num(background.values().stream().mapToDouble(Double::doubleValue).sum(), 2));
        }
        if (any) {
            printTable(s + ": Redis commands per handshake (INFO commandstats before and after each window, the"
                + " bench's own INFO left out; background: the rate in the " + String.format("%.0f", quietSeconds)
                + " s of windows of the targets that do not use Redis, taken off; medians of the " + rounds
                + " round(s))", table);
        }
    }

    // ------------------------------------------------------------------ idle

    /**
     * @param warmup whether the same number of connections is opened and closed first: on, the figure is what each
     *     further connection costs a process that has held that many before (allocators keep what they had); off, it
     *     is the growth of a fresh process
     */
    private void idleScenario(List<Lab.Target> targets, List<Integer> counts, Duration hold, boolean warmup)
        throws Exception {
        System.out.printf("%n== idle: memory per idle connection, held %ds; a fresh backend and proxy process per line;"
            + (warmup ? " the same number of connections opened and closed first as warm-up%n"
                : " no warm-up: the growth of a fresh process%n"), hold.toSeconds());
        System.out.println("   direct measures the backend JVM (one WebSocket per connection); a proxy target measures"
            + " all of its processes (two sockets per connection); heap only for JVMs");
        for (int n : counts) {
            String s = "idle-" + n;
            Table table = new Table("target", "conns", "upgraded", "held", "RSS B/conn", "heap B/conn", "sum B/conn",
                "vs direct", "threads", "fds before", "fds after", "max fds/process");
            double direct = Double.NaN;
            for (Lab.Target t : targets) {
                try (Child backends = lab.startBackends()) {
                    List<URI> backendUrls = Lab.backendUrls(backends);
                    Lab.Proxy proxy = null;
                    try {
                        if (!t.direct()) {
                            try {
                                proxy = lab.startProxy(t, backendUrls);
                            } catch (IOException x) {
                                System.out.printf("%-12s %7d did not start: %s%n", t.name(), n, x.getMessage());
                                table.row(t.name(), n, "did not start", "", "", "", "", "", "", "", "", "");
                                continue;
                            }
                        }
                        List<URI> urls = urlsFor(proxy, backendUrls);
                        Watched w = proxy == null ? backends.watched() : proxy.watched();
                        if (warmup) {
                            warmUpConnections(urls, n);
                        }
                        Bench.IdleReport r = Bench.idle(urls, n, hold, w, clientThreads, maxPending);
                        double sum = r.sumBytesPerConnection();
                        if (t.direct()) {
                            direct = sum;
                        }
                        double ratio = Stats.ratio(sum, direct);
                        String name = t.name();
                        results.summary(s, name, "held", r.stillOpen());
                        results.summary(s, name, "rss_b_per_conn", r.rssBytesPerConnection());
                        results.summary(s, name, "heap_b_per_conn", r.heapBytesPerConnection());
                        results.summary(s, name, "sum_b_per_conn", sum);
                        results.summary(s, name, "ratio", ratio);
                        results.summary(s, name, "threads", r.threadsAfter());
                        results.summary(s, name, "fds", r.fdsAfter());
                        results.summary(s, name, "max_fds_per_process", r.maxFdsPerProcess());
                        results.summary(s, name, "errors", (n - r.upgraded()) + (r.upgraded() - r.stillOpen()));
                        table.row(name, n, r.upgraded(), r.stillOpen(), Table.num(r.rssBytesPerConnection(), 0),
                            r.hasHeap() ? Table.num(r.heapBytesPerConnection(), 0) : "n/a", Table.num(sum, 0),
                            Table.num(ratio, 2), r.threadsAfter(), r.fdsBefore(), r.fdsAfter(), r.maxFdsPerProcess());
                        System.out.printf("%-12s %d connections: %d upgraded, %d held; RSS %+.0f B/conn, heap %s B/conn,"
                                + " sum %.0f B/conn; %d threads; fds %d -> %d (max %d in one process)%s%n", name, n,
                            r.upgraded(), r.stillOpen(), r.rssBytesPerConnection(),
                            r.hasHeap() ? Table.num(r.heapBytesPerConnection(), 0) : "n/a", sum, r.threadsAfter(),
                            r.fdsBefore(), r.fdsAfter(), r.maxFdsPerProcess(),
                            r.upgraded() < n ? "  INCOMPLETE: " + r.firstFailure() : "");
                    } finally {
                        if (proxy != null) {
                            proxy.close();
                        }
                    }
                }
                pause();
            }
            printTable(s + " summary: memory per idle connection with " + n + " held (RSS delta of all the target's"
                + " processes + heap-after-full-GC delta for JVMs, per connection)", table);
        }
    }

    /**
     * Opens and closes as many connections as the measurement will hold. The first time a process holds N
     * connections it also grows what it keeps afterwards whatever the load: compiled code for the connection path,
     * metaspace, malloc arenas, the buckets of its buffer and object pools, the selector's key tables. Measuring
     * after one full cycle gives what each further held connection costs, the same way for every target.
     */
    private void warmUpConnections(List<URI> urls, int count) throws Exception {
        try (LoadClient client = new LoadClient(urls, clientThreads)) {
            client.connect(count, maxPending, Duration.ofSeconds(60));
            client.closeAll(Duration.ofSeconds(5));
        }
        Thread.sleep(1000);
    }

    // ------------------------------------------------------------------ helpers

    /** One measurement of a target, given the URLs to load and the processes to watch. */
    interface Measurement<R> {
        R measure(List<URI> urls, List<Watched> watched) throws Exception;
    }

    /** Records and prints one round's report. */
    interface RoundReport<R> {
        void report(int round, Lab.Target target, Lab.@Nullable Proxy proxy, R report) throws Exception; // proxy: null for direct
    }

    /**
     * The rounds of one scenario: each round measures every live target in turn (A B A B ...), skipping a target
     * whose proxy has exited, repeating a disturbed measurement, pausing after each.
     *
     * @return each target's reports, in round order
     */
    private <R> Map<String, List<R>> alternate(List<Lab.Target> live, Map<String, Lab.Proxy> proxies, Child backends,
                                               List<URI> backendUrls, Watched backendW, Measurement<R> measurement,
                                               java.util.function.Function<R, CpuWindow.Cpu> cpu, RoundReport<R> report)
        throws Exception {
        Map<String, List<R>> byTarget = new LinkedHashMap<>();
        live.forEach(t -> byTarget.put(t.name(), new ArrayList<>()));
        for (int r = 1; r <= rounds; r++) {
            for (Lab.Target t : live) {
                Lab.Proxy proxy = proxies.get(t.name());
                if (!ready(backends, t, proxy, dead)) {
                    continue;
                }
                R rep = repeatIfDisturbed(t, () -> measurement.measure(urlsFor(proxy, backendUrls), watchedFor(proxy, backendW)), cpu);
                reportsOf(byTarget, t).add(rep);
                report.report(r, t, proxy, rep);
                pause();
            }
        }
        return byTarget;
    }

    /** A measurement that may be repeated. */
    interface Run<T> {
        T run() throws Exception;
    }

    /**
     * Runs a measurement; while other processes used more than {@code --max-others} cores during its window (the
     * machine is shared, e.g. with a build), waits a little and repeats it, at most {@code --retries} times, keeping
     * the least disturbed result.
     */
    private <T> T repeatIfDisturbed(Lab.Target t, Run<T> run, java.util.function.Function<T, CpuWindow.Cpu> cpu)
        throws Exception {
        T best = run.run();
        for (int i = 0; i < retries && cpu.apply(best).otherCores() > maxOthers; i++) {
            System.out.printf("  (%s: other processes used %.2f cores during the window; repeating in 5 s)%n", t.name(),
                cpu.apply(best).otherCores());
            Thread.sleep(5000);
            T again = run.run();
            if (cpu.apply(again).otherCores() < cpu.apply(best).otherCores()) {
                best = again;
            }
        }
        return best;
    }

    /** A live target's reports: {@link #alternate} makes a list for each before the first round. */
    private static <R> List<R> reportsOf(Map<String, List<R>> byTarget, Lab.Target t) {
        return requireNonNull(byTarget.get(t.name()), "no reports list for target " + t.name());
    }

    private void printTable(String title, Table table) throws IOException {
        System.out.printf("%n== %s%n%s", title, table.render());
        results.tables.add(new Results.Titled(title, table));
        results.write(resultsDir); // after every scenario, so an interrupted run keeps what it measured
    }

    private static <T> double median(List<T> items, ToDoubleFunction<T> f) {
        return Stats.median(items.stream().mapToDouble(f).toArray());
    }

    /** The connect scenario's name for a key mode: {@code connect} without keys, else {@code connect-unique}, ... */
    static String connectScenarioName(ConnectKeys keys) {
        return keys.none() ? "connect" : "connect-" + keys.label();
    }

    /** {@code --connect-keys}: a comma-separated list of key modes, one connect scenario each. */
    static List<ConnectKeys> parseKeyModes(String s) {
        List<ConnectKeys> modes = new ArrayList<>();
        for (String m : s.split(",")) {
            if (!m.isBlank()) {
                ConnectKeys k = ConnectKeys.parse(m);
                if (!modes.contains(k)) {
                    modes.add(k);
                }
            }
        }
        if (modes.isEmpty()) {
            throw new IllegalArgumentException("--connect-keys needs none, unique or a number of keys, got '" + s + "'");
        }
        return modes;
    }

    /** "100x4" (connections x in flight). */
    static int[] parseCxW(String s) {
        String[] p = s.toLowerCase().split("x");
        if (p.length != 2) {
            throw new IllegalArgumentException("expected CONNECTIONSxINFLIGHT like 100x4, got '" + s + "'");
        }
        return new int[] {Integer.parseInt(p[0].trim()), Integer.parseInt(p[1].trim())};
    }

    static String sizeName(int bytes) {
        if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) == 0) {
            return bytes / (1024 * 1024) + " MiB";
        }
        if (bytes >= 1024 && bytes % 1024 == 0) {
            return bytes / 1024 + " KiB";
        }
        return bytes + " B";
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
        return Stats.median(v);
    }
}
