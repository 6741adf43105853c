package io.wslb.bench;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.HdrHistogram.Histogram;

/** The {@code echo} and {@code idle} measurements, usable on their own (subcommands) or from {@code compare}. */
final class Bench {
    private Bench() {
    }

    // ------------------------------------------------------------------ echo

    record EchoParams(List<URI> urls, int connections, int inflight, int payload, Duration warmup, Duration duration,
                      int clientThreads, int maxPending) {
    }

    /** One echo run: throughput, latency and the CPU spent by the client and by each watched process. */
    record EchoReport(int upgraded, int requested, long roundTrips, double seconds, Histogram rtt, long lengthErrors,
                      int closedByPeer, long clientTicks, List<Long> pids, long[] pidTicks, double machineBusy,
                      String firstFailure) {
        double perSecond() {
            return roundTrips / seconds;
        }

        /** CPU microseconds per round trip spent by the i-th watched process. */
        double cpuMicrosPerRoundTrip(int i) {
            return pidTicks[i] * 1e6 / ProcStats.clockTicksPerSecond() / roundTrips;
        }

        double cores(long ticks) {
            return ticks / (double) ProcStats.clockTicksPerSecond() / seconds;
        }

        double clientCores() {
            return cores(clientTicks);
        }

        /** Cores busy on the machine beyond the client and the watched processes (other work disturbing the run). */
        double otherCores() {
            double others = machineBusy * Runtime.getRuntime().availableProcessors() - clientCores();
            for (long t : pidTicks) {
                others -= cores(t);
            }
            return Math.max(0, others);
        }
    }

    static EchoReport echo(EchoParams p, List<Long> pids) throws IOException, InterruptedException {
        try (LoadClient client = new LoadClient(p.urls(), p.clientThreads())) {
            int up = client.connect(p.connections(), p.maxPending(), Duration.ofSeconds(60));
            if (up < p.connections()) {
                client.closeAll(Duration.ofSeconds(3));
                return new EchoReport(up, p.connections(), 0, 1, new Histogram(3), 0, client.closedByPeer.get(), 0,
                    pids, new long[pids.size()], 0, client.firstFailure.get());
            }
            long[] start = new long[pids.size()];
            long[] end = new long[pids.size()];
            long[] client0 = new long[1];
            long[] client1 = new long[1];
            long[][] machine = new long[2][];
            LoadClient.EchoWindow w = client.echo(p.inflight(), p.payload(), p.warmup(), p.duration(),
                new LoadClient.WindowListener() {
                    @Override
                    public void windowStart() {
                        for (int i = 0; i < start.length; i++) {
                            start[i] = ProcStats.cpuTicks(pids.get(i));
                        }
                        client0[0] = ProcStats.selfCpuTicks();
                        machine[0] = machineTicks();
                    }

                    @Override
                    public void windowEnd() {
                        for (int i = 0; i < end.length; i++) {
                            end[i] = ProcStats.cpuTicks(pids.get(i));
                        }
                        client1[0] = ProcStats.selfCpuTicks();
                        machine[1] = machineTicks();
                    }
                });
            long[] delta = new long[pids.size()];
            for (int i = 0; i < delta.length; i++) {
                delta[i] = end[i] - start[i];
            }
            double busy = 1.0 - (double) (machine[1][1] - machine[0][1]) / Math.max(1, machine[1][0] - machine[0][0]);
            int closed = client.closedByPeer.get();
            client.closeAll(Duration.ofSeconds(5));
            return new EchoReport(up, p.connections(), w.roundTrips(), w.seconds(), w.rttNanos(), w.lengthErrors(),
                closed, client1[0] - client0[0], pids, delta, busy, client.firstFailure.get());
        }
    }

    /** {total, idle+iowait} jiffies of the whole machine from the first line of /proc/stat. */
    static long[] machineTicks() {
        try {
            String first = Files.readAllLines(Path.of("/proc/stat")).get(0);
            String[] f = first.trim().split("\\s+");
            long total = 0;
            for (int i = 1; i < Math.min(f.length, 9); i++) { // user..steal; guest is already in user
                total += Long.parseLong(f[i]);
            }
            long idle = Long.parseLong(f[4]) + Long.parseLong(f[5]);
            return new long[] {total, idle};
        } catch (IOException x) {
            return new long[] {1, 0};
        }
    }

    static int runEcho(String[] argv) throws Exception {
        Args a = Args.parse(argv, Set.of()).allow("url", "connections", "inflight", "payload", "duration", "warmup",
            "pid", "client-threads", "max-pending");
        List<URI> urls = new ArrayList<>();
        for (String u : a.all("url")) {
            urls.add(URI.create(u));
        }
        List<Long> pids = new ArrayList<>();
        for (String pid : a.all("pid")) {
            pids.add(Long.parseLong(pid));
        }
        EchoParams p = new EchoParams(urls, a.integer("connections", 100), a.integer("inflight", 4),
            a.size("payload", 64), a.duration("warmup", Duration.ofSeconds(5)), a.duration("duration", Duration.ofSeconds(10)),
            a.integer("client-threads", 1), a.integer("max-pending", 200));
        EchoReport r = echo(p, pids);
        System.out.printf("connections %d/%d upgraded, %d in flight each, %d B binary frames%n", r.upgraded(),
            r.requested(), p.inflight(), p.payload());
        if (r.upgraded() < r.requested()) {
            System.out.println("FAILED: not every connection upgraded; first failure: " + r.firstFailure());
            return 1;
        }
        System.out.printf("round trips/s %.0f over %.2f s (%d round trips, %d length errors, %d closed by peer)%n",
            r.perSecond(), r.seconds(), r.roundTrips(), r.lengthErrors(), r.closedByPeer());
        System.out.printf("RTT ms: p50 %.3f  p99 %.3f  p99.9 %.3f  max %.3f%n", ms(r.rtt(), 50), ms(r.rtt(), 99),
            ms(r.rtt(), 99.9), r.rtt().getMaxValue() / 1e6);
        System.out.printf("client CPU: %.2f cores (%.1f us per round trip); machine busy %.0f%% (%.2f cores outside the"
                + " client and the watched pids)%n", r.clientCores(),
            r.clientTicks() * 1e6 / ProcStats.clockTicksPerSecond() / Math.max(1, r.roundTrips()), r.machineBusy() * 100,
            r.otherCores());
        for (int i = 0; i < pids.size(); i++) {
            System.out.printf("pid %d CPU: %.2f cores, %.1f us per round trip%n", pids.get(i), r.cores(r.pidTicks()[i]),
                r.cpuMicrosPerRoundTrip(i));
        }
        return 0;
    }

    static double ms(Histogram h, double percentile) {
        return h.getTotalCount() == 0 ? Double.NaN : h.getValueAtPercentile(percentile) / 1e6;
    }

    // ------------------------------------------------------------------ idle

    record IdleReport(int requested, int upgraded, int stillOpen, long pid, long rssBeforeKb, long rssAfterKb,
                      long heapBeforeKb, long heapAfterKb, long threadsAfter, long fdsBefore, long fdsAfter,
                      String firstFailure) {
        double rssBytesPerConnection() {
            return (rssAfterKb - rssBeforeKb) * 1024.0 / Math.max(1, upgraded);
        }

        boolean hasHeap() {
            return heapBeforeKb >= 0 && heapAfterKb >= 0;
        }

        double heapBytesPerConnection() {
            return hasHeap() ? (heapAfterKb - heapBeforeKb) * 1024.0 / Math.max(1, upgraded) : Double.NaN;
        }
    }

    static IdleReport idle(List<URI> urls, int connections, Duration hold, long pid, int clientThreads, int maxPending)
        throws IOException, InterruptedException {
        long heap0 = heapOrMinusOne(pid);
        long rss0 = ProcStats.rssKb(pid);
        long fds0 = ProcStats.openFiles(pid);
        try (LoadClient client = new LoadClient(urls, clientThreads)) {
            int up = client.connect(connections, maxPending, Duration.ofSeconds(120));
            Thread.sleep(hold.toMillis());
            int open = client.openConnections();
            long heap1 = heap0 < 0 ? -1 : heapOrMinusOne(pid);
            long rss1 = ProcStats.rssKb(pid);
            long threads = ProcStats.threads(pid);
            long fds1 = ProcStats.openFiles(pid);
            client.closeAll(Duration.ofSeconds(10));
            return new IdleReport(connections, up, open, pid, rss0, rss1, heap0, heap1, threads, fds0, fds1,
                client.firstFailure.get());
        }
    }

    private static long heapOrMinusOne(long pid) {
        try {
            return ProcStats.heapUsedAfterFullGcKb(pid);
        } catch (IOException | RuntimeException x) {
            System.err.println("no heap figure for pid " + pid + " (not a JVM, or jcmd failed): " + x.getMessage());
            return -1;
        }
    }

    static int runIdle(String[] argv) throws Exception {
        Args a = Args.parse(argv, Set.of()).allow("url", "connections", "hold", "pid", "client-threads", "max-pending");
        List<URI> urls = new ArrayList<>();
        for (String u : a.all("url")) {
            urls.add(URI.create(u));
        }
        long pid = Long.parseLong(a.required("pid"));
        IdleReport r = idle(urls, a.integer("connections", 2000), a.duration("hold", Duration.ofSeconds(10)), pid,
            a.integer("client-threads", 1), a.integer("max-pending", 200));
        printIdle(r);
        return r.upgraded() == r.requested() && r.stillOpen() == r.requested() ? 0 : 1;
    }

    static void printIdle(IdleReport r) {
        System.out.printf("connections: %d requested, %d upgraded (101), %d still open after the hold%n",
            r.requested(), r.upgraded(), r.stillOpen());
        if (r.firstFailure() != null) {
            System.out.println("first failure: " + r.firstFailure());
        }
        System.out.printf("pid %d: VmRSS %d -> %d KiB: %.0f B per connection%n", r.pid(), r.rssBeforeKb(),
            r.rssAfterKb(), r.rssBytesPerConnection());
        if (r.hasHeap()) {
            System.out.printf("pid %d: heap after full GC %d -> %d KiB: %.0f B per connection%n", r.pid(),
                r.heapBeforeKb(), r.heapAfterKb(), r.heapBytesPerConnection());
        }
        System.out.printf("pid %d: %d threads, open files %d -> %d%n", r.pid(), r.threadsAfter(), r.fdsBefore(),
            r.fdsAfter());
    }
}
