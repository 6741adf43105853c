package io.wslb.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.HdrHistogram.Histogram;
import org.jspecify.annotations.Nullable;

/**
 * The {@code echo}, {@code rate}, {@code connect} and {@code idle} measurements, usable on their own (subcommands) or
 * from {@code compare} and {@code soak}. Each takes fresh connections and closes them at the end.
 */
final class Bench {
    private Bench() {
    }

    // ------------------------------------------------------------------ echo

    record EchoParams(List<URI> urls, int connections, int inflight, int payload, Duration warmup, Duration duration,
                      int clientThreads, int maxPending) {
        EchoParams withUrls(List<URI> u) {
            return new EchoParams(u, connections, inflight, payload, warmup, duration, clientThreads, maxPending);
        }
    }

    /** One echo run: throughput, latency and the CPU spent by the client and by each watched process group. */
    record EchoReport(int upgraded, int requested, long roundTrips, double seconds, Histogram rtt, long lengthErrors,
                      int closedByPeer, CpuWindow.Cpu cpu, @Nullable String firstFailure) {
        double perSecond() {
            return roundTrips / seconds;
        }

        /** CPU microseconds per round trip spent by the i-th watched group. */
        double cpuMicrosPerRoundTrip(int i) {
            return cpu.microsPer(i, roundTrips);
        }

        long errors() {
            return lengthErrors + closedByPeer + (requested - upgraded);
        }
    }

    static EchoReport echo(EchoParams p, List<Watched> watched) throws IOException, InterruptedException {
        try (LoadClient client = new LoadClient(p.urls(), p.clientThreads())) {
            int up = client.connect(p.connections(), p.maxPending(), Duration.ofSeconds(60));
            if (up < p.connections()) {
                client.closeAll(Duration.ofSeconds(3));
                return new EchoReport(up, p.connections(), 0, 1, new Histogram(3), 0, client.closedByPeer.get(),
                    CpuWindow.Cpu.none(watched), client.firstFailure.get());
            }
            CpuWindow cpu = new CpuWindow(watched);
            LoadClient.EchoWindow w = client.echo(p.inflight(), p.payload(), p.warmup(), p.duration(), cpu);
            int closed = client.closedByPeer.get();
            client.closeAll(Duration.ofSeconds(5));
            return new EchoReport(up, p.connections(), w.roundTrips(), w.seconds(), w.rttNanos(), w.lengthErrors(),
                closed, cpu.result(), client.firstFailure.get());
        }
    }

    static int runEcho(String[] argv) throws Exception {
        Args a = Args.parse(argv, Set.of()).allow("url", "connections", "inflight", "payload", "duration", "warmup",
            "pid", "client-threads", "max-pending");
        List<Watched> watched = watchedPids(a);
        EchoParams p = new EchoParams(urls(a), a.integer("connections", 100), a.integer("inflight", 4),
            a.size("payload", 64), a.duration("warmup", Duration.ofSeconds(5)), a.duration("duration", Duration.ofSeconds(10)),
            a.integer("client-threads", 1), a.integer("max-pending", 200));
        EchoReport r = echo(p, watched);
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
        printClient(r.cpu(), r.roundTrips(), "round trip");
        for (int i = 0; i < watched.size(); i++) {
            System.out.printf("%s CPU: %.2f cores, %.1f us per round trip%n", watched.get(i), r.cpu().cores(i),
                r.cpuMicrosPerRoundTrip(i));
        }
        return r.errors() == 0 ? 0 : 1;
    }

    private static void printClient(CpuWindow.Cpu cpu, long ops, String op) {
        System.out.printf("client CPU: %.2f cores (%.1f us per %s); machine busy %.0f%% (%.2f cores outside the"
                + " client and the watched pids)%s%n", cpu.clientCores(), cpu.clientMicrosPer(ops), op,
            cpu.machineBusy() * 100, cpu.otherCores(), clientSaturationNote(cpu));
    }

    /** A warning when the load client itself may have been the limit. */
    static String clientSaturationNote(CpuWindow.Cpu cpu) {
        return cpu.clientCores() > 0.9 ? "  WARNING: the client used " + Table.num(cpu.clientCores(), 2)
            + " cores; it may be the bottleneck (try --client-threads 2)" : "";
    }

    static double ms(Histogram h, double percentile) {
        return Stats.ms(h, percentile);
    }

    // ------------------------------------------------------------------ rate

    record RateParams(List<URI> urls, int connections, double rate, int payload, Duration warmup, Duration duration,
                      int clientThreads, int maxPending) {
        RateParams withUrls(List<URI> u) {
            return new RateParams(u, connections, rate, payload, warmup, duration, clientThreads, maxPending);
        }
    }

    record RateReport(int upgraded, int requested, LoadClient.@Nullable RateWindow window, int closedByPeer,
                      CpuWindow.Cpu cpu, @Nullable String firstFailure) {
        long errors() {
            return (requested - upgraded) + closedByPeer + (window == null ? 0 : window.lengthErrors()
                + window.sendErrors() + window.lost());
        }

        double cpuMicrosPerMessage(int i) {
            return window == null ? Double.NaN : cpu.microsPer(i, window.received());
        }

        /** The window of a round in which every connection upgraded; only such rounds have one. */
        LoadClient.RateWindow measuredWindow() {
            if (window == null) {
                throw new IllegalStateException("no rate window: " + (requested - upgraded) + " connection(s) did not upgrade");
            }
            return window;
        }
    }

    static RateReport rate(RateParams p, List<Watched> watched) throws IOException, InterruptedException {
        try (LoadClient client = new LoadClient(p.urls(), p.clientThreads())) {
            int up = client.connect(p.connections(), p.maxPending(), Duration.ofSeconds(60));
            if (up < p.connections()) {
                client.closeAll(Duration.ofSeconds(3));
                return new RateReport(up, p.connections(), null, client.closedByPeer.get(), CpuWindow.Cpu.none(watched),
                    client.firstFailure.get());
            }
            CpuWindow cpu = new CpuWindow(watched);
            LoadClient.RateWindow w = client.rate(p.rate(), p.payload(), p.warmup(), p.duration(), cpu);
            int closed = client.closedByPeer.get();
            client.closeAll(Duration.ofSeconds(5));
            return new RateReport(up, p.connections(), w, closed, cpu.result(), client.firstFailure.get());
        }
    }

    static int runRate(String[] argv) throws Exception {
        Args a = Args.parse(argv, Set.of()).allow("url", "connections", "rate", "payload", "duration", "warmup", "pid",
            "client-threads", "max-pending");
        List<Watched> watched = watchedPids(a);
        RateParams p = new RateParams(urls(a), a.integer("connections", 100), Double.parseDouble(a.str("rate", "5000")),
            a.size("payload", 64), a.duration("warmup", Duration.ofSeconds(5)), a.duration("duration", Duration.ofSeconds(10)),
            a.integer("client-threads", 1), a.integer("max-pending", 200));
        RateReport r = rate(p, watched);
        System.out.printf("connections %d/%d upgraded; open loop at %.0f msg/s in total (%.1f msg/s each), %d B binary"
            + " frames%n", r.upgraded(), r.requested(), p.rate(), p.rate() / p.connections(), p.payload());
        if (r.window() == null) {
            System.out.println("FAILED: not every connection upgraded; first failure: " + r.firstFailure());
            return 1;
        }
        LoadClient.RateWindow w = r.window();
        System.out.printf("sent %.0f msg/s (%d of %d scheduled in %.2f s), received %d, lost %d, %d send errors, %d length"
            + " errors, %d closed by peer%n", w.achievedRate(), w.sent(), w.scheduled(), w.seconds(), w.received(),
            w.lost(), w.sendErrors(), w.lengthErrors(), r.closedByPeer());
        System.out.printf("latency from the intended send time, ms: p50 %.3f  p99 %.3f  p99.9 %.3f  max %.3f%n",
            ms(w.latency(), 50), ms(w.latency(), 99), ms(w.latency(), 99.9), w.latency().getMaxValue() / 1e6);
        System.out.printf("sender lag behind the schedule, us: p50 %.1f  p99 %.1f  max %.1f%n", Stats.us(w.sendLag(), 50),
            Stats.us(w.sendLag(), 99), w.sendLag().getMaxValue() / 1e3);
        printClient(r.cpu(), w.received(), "message");
        for (int i = 0; i < watched.size(); i++) {
            System.out.printf("%s CPU: %.2f cores, %.1f us per message%n", watched.get(i), r.cpu().cores(i),
                r.cpuMicrosPerMessage(i));
        }
        return r.errors() == 0 ? 0 : 1;
    }

    // ------------------------------------------------------------------ connect

    /** A connect run: {@code keys} says what affinity key, if any, each cycle adds to its URL. */
    record ConnectParams(List<URI> urls, int count, int concurrency, int payload, int warmupCount, int clientThreads,
                         ConnectKeys keys) {
        ConnectParams withUrls(List<URI> u) {
            return new ConnectParams(u, count, concurrency, payload, warmupCount, clientThreads, keys);
        }
    }

    /**
     * One connect run's figures; {@code redis}: the commands a Redis server ran during the window, when one was
     * watched and could be read ({@code redisFailure} says why not).
     */
    record ConnectReport(LoadClient.CycleRun run, LoadClient.@Nullable CycleRun warmup, CpuWindow.Cpu cpu,
                         RedisStats.@Nullable Window redis, @Nullable String redisFailure) {
        double cpuMicrosPerConnection(int i) {
            return cpu.microsPer(i, run.ok());
        }
    }

    static ConnectReport connect(ConnectParams p, List<Watched> watched) throws IOException, InterruptedException {
        return connect(p, watched, null);
    }

    /** A connect run; with {@code redis}, also the commands that server ran during the measured window. */
    static ConnectReport connect(ConnectParams p, List<Watched> watched, @Nullable InetSocketAddress redis)
        throws IOException, InterruptedException {
        try (LoadClient client = new LoadClient(p.urls(), p.clientThreads())) {
            Duration bound = Duration.ofSeconds(120);
            LoadClient.CycleRun warm = p.warmupCount() > 0 ? client.cycles(p.warmupCount(), p.concurrency(), p.payload(),
                p.keys(), bound, LoadClient.WindowListener.NONE) : null;
            CpuWindow cpu = new CpuWindow(watched);
            RedisStats.Recorder commands = redis == null ? null : new RedisStats.Recorder(redis);
            LoadClient.CycleRun run = client.cycles(p.count(), p.concurrency(), p.payload(), p.keys(), bound,
                commands == null ? cpu : LoadClient.WindowListener.both(commands, cpu));
            return new ConnectReport(run, warm, cpu.result(), commands == null ? null : commands.window(),
                commands == null ? null : commands.failure());
        }
    }

    static int runConnect(String[] argv) throws Exception {
        Args a = Args.parse(argv, Set.of()).allow("url", "count", "concurrency", "payload", "warmup-count", "pid",
            "client-threads", "keys");
        List<Watched> watched = watchedPids(a);
        ConnectParams p = new ConnectParams(urls(a), a.integer("count", 3000), a.integer("concurrency", 50),
            a.size("payload", 64), a.integer("warmup-count", 300), a.integer("client-threads", 1),
            ConnectKeys.parse(a.str("keys", "none")));
        ConnectReport r = connect(p, watched);
        LoadClient.CycleRun c = r.run();
        System.out.printf("%d cycles (connect, upgrade, one %d B echo, close handshake), %d at a time, after %d warm-up"
            + " cycles; %s%n", c.requested(), p.payload(), p.concurrency(), p.warmupCount(), p.keys().describe());
        System.out.printf("upgrades/s %.0f (%d ok of %d in %.2f s)%n", c.upgradesPerSecond(), c.ok(), c.requested(),
            c.seconds());
        System.out.printf("handshake ms (TCP connect to 101 read): p50 %.3f  p99 %.3f  max %.3f; whole cycle ms: p50 %.3f"
            + "  p99 %.3f%n", ms(c.handshake(), 50), ms(c.handshake(), 99), c.handshake().getMaxValue() / 1e6,
            ms(c.cycle(), 50), ms(c.cycle(), 99));
        System.out.printf("errors: %d (handshake %d, echo %d, close %d, unfinished %d)%s; peer did not close TCP within 1 s"
                + " after its CLOSE: %d%n", c.errors(), c.handshakeErrors(), c.echoErrors(), c.closeErrors(),
            c.requested() - c.completed(), c.firstError() != null ? "; first: " + c.firstError() : "", c.noEofAfterClose());
        if (r.warmup() != null && r.warmup().errors() > 0) {
            System.out.printf("warm-up errors: %d; first: %s%n", r.warmup().errors(), r.warmup().firstError());
        }
        printClient(r.cpu(), c.ok(), "connection");
        for (int i = 0; i < watched.size(); i++) {
            System.out.printf("%s CPU: %.2f cores, %.1f us per connection%n", watched.get(i), r.cpu().cores(i),
                r.cpuMicrosPerConnection(i));
        }
        return c.errors() == 0 ? 0 : 1;
    }

    // ------------------------------------------------------------------ idle

    record IdleReport(int requested, int upgraded, int stillOpen, Watched watched, long rssBeforeKb, long rssAfterKb,
                      long heapBeforeKb, long heapAfterKb, long threadsAfter, long fdsBefore, long fdsAfter,
                      long maxFdsPerProcess, @Nullable String firstFailure) {
        double rssBytesPerConnection() {
            return (rssAfterKb - rssBeforeKb) * 1024.0 / Math.max(1, upgraded);
        }

        boolean hasHeap() {
            return heapBeforeKb >= 0 && heapAfterKb >= 0;
        }

        double heapBytesPerConnection() {
            return hasHeap() ? (heapAfterKb - heapBeforeKb) * 1024.0 / Math.max(1, upgraded) : Double.NaN;
        }

        /** RSS delta plus heap-after-GC delta (they do not overlap with a fixed, pre-touched heap). */
        double sumBytesPerConnection() {
            return rssBytesPerConnection() + (hasHeap() ? heapBytesPerConnection() : 0);
        }
    }

    static IdleReport idle(List<URI> urls, int connections, Duration hold, Watched w, int clientThreads, int maxPending)
        throws IOException, InterruptedException {
        long heap0 = heapOrMinusOne(w);
        long rss0 = w.rssKb();
        long fds0 = w.openFiles();
        try (LoadClient client = new LoadClient(urls, clientThreads)) {
            int up = client.connect(connections, maxPending, Duration.ofSeconds(120));
            Thread.sleep(hold.toMillis());
            int open = client.openConnections();
            long heap1 = heap0 < 0 ? -1 : heapOrMinusOne(w);
            long rss1 = w.rssKb();
            long threads = w.threads();
            long fds1 = w.openFiles();
            long maxFds = w.maxOpenFilesPerProcess();
            client.closeAll(Duration.ofSeconds(10));
            return new IdleReport(connections, up, open, w, rss0, rss1, heap0, heap1, threads, fds0, fds1, maxFds,
                client.firstFailure.get());
        }
    }

    private static long heapOrMinusOne(Watched w) {
        if (!w.isJvm()) {
            return -1;
        }
        try {
            return ProcStats.heapUsedAfterFullGcKb(w.jvmPid());
        } catch (IOException | RuntimeException x) {
            System.err.println("no heap figure for " + w + " (jcmd failed): " + x.getMessage());
            return -1;
        }
    }

    static int runIdle(String[] argv) throws Exception {
        Args a = Args.parse(argv, Set.of()).allow("url", "connections", "hold", "pid", "client-threads", "max-pending");
        long pid = Long.parseLong(a.required("pid"));
        IdleReport r = idle(urls(a), a.integer("connections", 2000), a.duration("hold", Duration.ofSeconds(10)),
            Watched.of("pid " + pid, pid), a.integer("client-threads", 1), a.integer("max-pending", 200));
        printIdle(r);
        return r.upgraded() == r.requested() && r.stillOpen() == r.requested() ? 0 : 1;
    }

    static void printIdle(IdleReport r) {
        System.out.printf("connections: %d requested, %d upgraded (101), %d still open after the hold%n",
            r.requested(), r.upgraded(), r.stillOpen());
        if (r.firstFailure() != null) {
            System.out.println("first failure: " + r.firstFailure());
        }
        System.out.printf("%s: VmRSS %d -> %d KiB: %.0f B per connection%n", r.watched(), r.rssBeforeKb(),
            r.rssAfterKb(), r.rssBytesPerConnection());
        if (r.hasHeap()) {
            System.out.printf("%s: heap after full GC %d -> %d KiB: %.0f B per connection%n", r.watched(),
                r.heapBeforeKb(), r.heapAfterKb(), r.heapBytesPerConnection());
        }
        System.out.printf("%s: %d threads, open files %d -> %d (at most %d in one process)%n", r.watched(),
            r.threadsAfter(), r.fdsBefore(), r.fdsAfter(), r.maxFdsPerProcess());
    }

    // ------------------------------------------------------------------ shared

    private static List<URI> urls(Args a) {
        List<URI> urls = new ArrayList<>();
        for (String u : a.all("url")) {
            urls.add(URI.create(u));
        }
        return urls;
    }

    /** Each {@code --pid} with its descendants (give NGINX's master pid to get its workers too). */
    private static List<Watched> watchedPids(Args a) {
        List<Watched> w = new ArrayList<>();
        for (String pid : a.all("pid")) {
            long p = Long.parseLong(pid.trim());
            w.add(Watched.of("pid " + p, p));
        }
        return w;
    }
}
