package io.wslb.bench;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * {@code soak}: closed-loop echo against one target for a long time, sampling the target's processes every few
 * seconds (RSS, Java heap, threads, open files, CPU) together with the client's throughput and p99, then judging
 * whether they were stable: the mean of the first third of the samples against the mean of the last third.
 */
final class Soak {
    /** One sample: the interval's throughput and p99, and the target's figures at its end. */
    record Sample(double atSeconds, double rtPerSecond, double p99Ms, long rssKb, long heapKb, long threads, long fds,
                  double cores, int open) {
    }

    /** A stability check: the figure's trend and the growth it may show (absolute, or relative to the first third). */
    record Check(String name, String unit, Stats.Trend trend, double absolute, double relative, boolean lowerIsWorse) {
        boolean stable() {
            if (Double.isNaN(trend.first())) {
                return true; // too few samples, or no figure (no heap outside JVMs)
            }
            return lowerIsWorse ? new Stats.Trend(-trend.first(), -trend.last()).stable(absolute, relative)
                : trend.stable(absolute, relative);
        }

        String limit() {
            String rel = String.format(Locale.ROOT, "%.0f%%", relative * 100);
            if (lowerIsWorse) {
                return "drop <= " + rel;
            }
            if (relative == 0) {
                return "growth <= " + Table.num(absolute, 0);
            }
            return absolute > 0 ? "growth <= max(" + Table.num(absolute, 0) + " " + unit + ", " + rel + ")"
                : "growth <= " + rel;
        }
    }

    private Soak() {
    }

    static int run(String[] argv) throws Exception {
        List<String> known = new ArrayList<>(List.of("target", "duration", "sample", "warmup", "connections", "inflight",
            "payload", "heap", "results", "client-threads", "max-pending"));
        known.addAll(List.of(Lab.OPTIONS));
        Args a = Args.parse(argv, Set.of()).allow(known.toArray(new String[0]));
        String targetName = a.str("target", "wslb");
        Duration duration = a.duration("duration", Duration.ofMinutes(10));
        Duration every = a.duration("sample", Duration.ofSeconds(10));
        Duration warmup = a.duration("warmup", Duration.ofSeconds(10));
        int connections = a.integer("connections", 100);
        int inflight = a.integer("inflight", 4);
        int payload = a.size("payload", 64);
        boolean afterGc = switch (a.str("heap", "after-gc")) {
            case "after-gc" -> true;
            case "used" -> false;
            default -> throw new IllegalArgumentException("--heap is after-gc or used");
        };
        int clientThreads = a.integer("client-threads", 1);
        Path benchJar = Lab.benchJar();
        String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        Path resultsDir = a.path("results",
            (benchJar.getParent() != null ? benchJar.getParent() : Path.of(".")).resolve("bench-results")
                .resolve("soak-" + stamp));
        Duration life = duration.plus(warmup).plusSeconds(300);
        Lab lab = Lab.fromArgs(a, resultsDir.resolve("logs"), life);
        List<Lab.Target> targets = lab.targets(targetName, List.of());
        Lab.Target target = targets.stream().filter(t -> t.name().equals(targetName)).findFirst().orElse(null);
        if (target == null) {
            System.out.println("soak: target " + targetName + " is not available here");
            return 2;
        }
        System.out.printf("soak: %s, %d connections x %d in flight x %s, %ds warm-up, then %ds sampled every %ds%n",
            lab.describe(target), connections, inflight, Compare.sizeName(payload), warmup.toSeconds(),
            duration.toSeconds(), every.toSeconds());
        System.out.println("machine: " + Machine.describe() + "; wslb jar: " + Lab.wslbJarProvenance(lab.wslbJar));
        System.out.println("results and logs: " + resultsDir.toAbsolutePath());

        List<Sample> samples = new ArrayList<>();
        long lengthErrors = 0;
        int closedByPeer;
        int openAtEnd;
        long roundTrips = 0;
        try (lab; Child backends = lab.startBackends()) { // lab: the redis-server, if the target needs one
            List<URI> backendUrls = Lab.backendUrls(backends);
            Lab.Proxy proxy = target.direct() ? null : lab.startProxy(target, backendUrls);
            try (LoadClient client = new LoadClient(proxy == null ? backendUrls : List.of(proxy.url()), clientThreads)) {
                Watched w = proxy == null ? backends.watched() : proxy.watched();
                System.out.println("watching " + w + (w.isJvm() ? " (JVM " + w.jvmPid() + ")" : ""));
                int up = client.connect(connections, a.integer("max-pending", 200), Duration.ofSeconds(60));
                if (up < connections) {
                    System.out.println("FAILED: " + up + "/" + connections + " upgraded; first failure: "
                        + client.firstFailure.get());
                    return 1;
                }
                client.startEcho(inflight, payload);
                Thread.sleep(warmup.toMillis());
                client.takeInterval();
                long t0 = System.nanoTime();
                long ticks0 = w.cpuTicks();
                if (w.isJvm()) {
                    System.out.println(afterGc ? "(heap: in use right after a full GC, jcmd GC.run + GC.heap_info, at each"
                        + " sample)" : "(heap: in use at each sample, jcmd GC.heap_info, no GC forced)");
                }
                System.out.printf("%8s %10s %8s %9s %9s %8s %7s %6s %6s%n", "t s", "rt/s", "p99 ms", "RSS MiB",
                    "heap MiB", "threads", "fds", "cores", "open");
                int n = (int) Math.max(1, duration.toMillis() / Math.max(1, every.toMillis()));
                for (int k = 1; k <= n; k++) {
                    long due = t0 + k * every.toNanos();
                    long left;
                    while ((left = due - System.nanoTime()) > 0) {
                        TimeUnit.NANOSECONDS.sleep(left);
                    }
                    LoadClient.Interval iv = client.takeInterval();
                    double at = (System.nanoTime() - t0) / 1e9;
                    long ticks = w.cpuTicks();
                    long heap = -1;
                    if (w.isJvm()) {
                        try {
                            heap = ProcStats.heapUsedKb(w.jvmPid(), afterGc);
                        } catch (IOException x) {
                            System.out.println("jcmd failed: " + x.getMessage());
                        }
                    }
                    Sample s = new Sample(at, iv.perSecond(), Stats.ms(iv.rttNanos(), 99),
                        w.rssKb(), heap, w.threads(), w.openFiles(),
                        (ticks - ticks0) / (double) ProcStats.clockTicksPerSecond() / iv.seconds(), client.openConnections());
                    ticks0 = ticks;
                    roundTrips += iv.roundTrips();
                    lengthErrors += iv.lengthErrors();
                    samples.add(s);
                    System.out.printf(Locale.ROOT, "%8.0f %10.0f %8.3f %9.1f %9s %8d %7d %6.2f %6d%n", s.atSeconds(),
                        s.rtPerSecond(), s.p99Ms(), s.rssKb() / 1024.0, s.heapKb() < 0 ? "n/a"
                            : String.format(Locale.ROOT, "%.1f", s.heapKb() / 1024.0), s.threads(), s.fds(), s.cores(),
                        s.open());
                    if (!w.allAlive()) {
                        System.out.println("the target's processes are gone; stopping");
                        break;
                    }
                }
                client.stopEcho();
                closedByPeer = client.closedByPeer.get();
                openAtEnd = client.openConnections();
                client.closeAll(Duration.ofSeconds(5));
            } finally {
                if (proxy != null) {
                    proxy.close();
                }
            }
        }

        List<Check> checks = checks(samples, afterGc);
        Table t = new Table("figure", "first third", "last third", "change", "limit", "verdict");
        boolean stable = true;
        for (Check c : checks) {
            stable &= c.stable();
            t.row(c.name() + " (" + c.unit() + ")", Table.num(c.trend().first(), 1), Table.num(c.trend().last(), 1),
                Table.signed(c.trend().growth(), 1), c.limit(), Double.isNaN(c.trend().first()) ? "n/a"
                    : c.stable() ? "stable" : "NOT STABLE");
        }
        long lost = connections - openAtEnd;
        long errors = lengthErrors + closedByPeer + lost;
        System.out.printf("%n== soak summary: %s, %d samples over %.0f s, %d round trips%n", target.name(), samples.size(),
            samples.isEmpty() ? 0 : samples.get(samples.size() - 1).atSeconds(), roundTrips);
        System.out.print(t.render());
        System.out.printf("errors: %d (%d wrong-length echoes, %d connections closed by the peer, %d of %d connections"
            + " not open at the end)%n", errors, lengthErrors, closedByPeer, lost, connections);
        System.out.println(stable && errors == 0 ? "verdict: STABLE, no errors" : "verdict: " + (stable ? "stable" : "NOT STABLE")
            + ", " + errors + " error(s)");
        write(resultsDir, samples, t, target.name(), errors, stable);
        return stable && errors == 0 ? 0 : 1;
    }

    static List<Check> checks(List<Sample> samples, boolean heapAfterGc) {
        double[] rss = samples.stream().mapToDouble(s -> s.rssKb() / 1024.0).toArray();
        double[] heap = samples.stream().mapToDouble(s -> s.heapKb() < 0 ? Double.NaN : s.heapKb() / 1024.0).toArray();
        double[] threads = samples.stream().mapToDouble(Sample::threads).toArray();
        double[] fds = samples.stream().mapToDouble(Sample::fds).toArray();
        double[] rate = samples.stream().mapToDouble(Sample::rtPerSecond).toArray();
        List<Check> checks = new ArrayList<>();
        checks.add(new Check("RSS", "MiB", Stats.trend(rss), 32, 0.10, false));
        checks.add(new Check(heapAfterGc ? "heap after GC" : "heap used", "MiB", Stats.trend(heap), 16,
            heapAfterGc ? 0.10 : 0.50, false));
        checks.add(new Check("threads", "count", Stats.trend(threads), 4, 0, false));
        checks.add(new Check("open files", "count", Stats.trend(fds), 16, 0, false));
        checks.add(new Check("throughput", "rt/s", Stats.trend(rate), 0, 0.20, true));
        return checks;
    }

    private static void write(Path dir, List<Sample> samples, Table summary, String target, long errors, boolean stable)
        throws IOException {
        Files.createDirectories(dir);
        StringBuilder b = new StringBuilder("t_s,rt_per_s,p99_ms,rss_kb,heap_kb,threads,fds,cores,open\n");
        for (Sample s : samples) {
            b.append(String.format(Locale.ROOT, "%.1f,%.0f,%.3f,%d,%s,%d,%d,%.3f,%d%n", s.atSeconds(), s.rtPerSecond(),
                s.p99Ms(), s.rssKb(), s.heapKb() < 0 ? "" : Long.toString(s.heapKb()), s.threads(), s.fds(), s.cores(),
                s.open()));
        }
        Files.writeString(dir.resolve("soak.csv"), b, StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("soak-summary.txt"), "target " + target + "\n" + summary.render() + "errors " + errors
            + "\nverdict " + (stable && errors == 0 ? "STABLE" : "NOT STABLE or errors") + "\n", StandardCharsets.UTF_8);
    }
}
