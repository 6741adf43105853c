package io.wslb.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
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
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.jspecify.annotations.Nullable;

/**
 * The {@code broadcast} command: two wslb instances over one redis-server, in front of backends that tag each
 * connection with its room, and many clients spread over the instances and the rooms. A publisher sends messages to
 * the rooms through Redis ({@code PUBLISH <prefix>ch:room:N}) at a set rate; each client checks that what it gets is
 * for its room, and the run checks that every message reached every client of its room once, on both instances.
 * Reports deliveries per second, the delay from the publish to the client, and the proxies' CPU per delivery.
 *
 * <pre>{@code java -jar wslb-bench/target/wslb-bench.jar broadcast --clients 1000 --rooms 10 --rate 200 --duration 10s}</pre>
 */
final class Broadcast {

    private Broadcast() {}

    static int run(String[] argv) throws Exception {
        Args a = Args.parse(argv, Set.of()).allow("clients", "rooms", "backends", "rate", "duration", "warmup", "wslb-jar",
            "log-dir", "jvm-flags");
        int clients = a.integer("clients", 1000);
        int rooms = a.integer("rooms", 10);
        int backendCount = a.integer("backends", 3);
        int rate = a.integer("rate", 200);
        Duration duration = a.duration("duration", Duration.ofSeconds(10));
        Duration warmup = a.duration("warmup", Duration.ofSeconds(3));
        if (clients < rooms || rooms < 1 || backendCount < 1 || rate < 1) {
            throw new IllegalArgumentException("--clients must be at least --rooms, and --rooms, --backends and --rate at least 1");
        }
        Path benchJar = Lab.benchJar();
        Path wslbJar = Lab.resolveWslbJar(a.strOrNull("wslb-jar"), benchJar);
        String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        Path benchDir = benchJar.getParent() != null ? benchJar.getParent() : Path.of(".");
        Path logDir = a.path("log-dir", benchDir.resolve("bench-results").resolve("broadcast-" + stamp));
        Duration lifetime = warmup.plus(duration).multipliedBy(3).plusMinutes(2);
        List<String> jvm = Compare.splitWords(a.str("jvm-flags", Lab.DEFAULT_JVM_FLAGS));

        Path redisExe = Lab.findExecutable("redis-server");
        if (redisExe == null) {
            throw new IOException("no redis-server on PATH or in /usr/sbin (on Debian/Ubuntu: apt-get install -y redis-server)");
        }
        int redisPort = Lab.freePort();
        Path redisDir = Files.createTempDirectory("wslb-bench-redis-");
        List<AutoCloseable> open = new ArrayList<>();
        List<EchoServer> backends = new ArrayList<>();
        try {
            Child redis = Child.startUntilPort("redis", Lab.redisCommand(redisExe, redisPort, redisDir), lifetime, logDir, redisPort,
                Duration.ofSeconds(10));
            open.add(redis);
            List<String> backendArgs = new ArrayList<>();
            for (int i = 0; i < backendCount; i++) {
                EchoServer backend = new EchoServer("127.0.0.1", 0, 64, Duration.ofMinutes(10)).start();
                backends.add(backend);
                backendArgs.add("--backend");
                backendArgs.add("ws://127.0.0.1:" + backend.port() + ";id=b" + i);
            }
            List<Child> proxies = new ArrayList<>();
            for (String name : List.of("wslb-a", "wslb-b")) {
                List<String> cmd = new ArrayList<>(List.of(Lab.javaExe()));
                cmd.addAll(jvm);
                cmd.addAll(List.of("-jar", wslbJar.toString(), "proxy", "--listen", "127.0.0.1:0", "--redis", "redis://127.0.0.1:" + redisPort,
                    "--instance-id", name));
                cmd.addAll(backendArgs);
                Child proxy = Child.start(name, cmd, lifetime, logDir, 1, Duration.ofSeconds(30));
                open.add(proxy);
                proxies.add(proxy);
            }
            System.out.printf("broadcast: %d clients over 2 instances and %d backends, %d rooms, %d messages/s for %s; logs in %s%n",
                clients, backendCount, rooms, rate, duration, logDir);
            return measure(clients, rooms, rate, duration, warmup, redisPort, proxies);
        } finally {
            for (EchoServer backend : backends) {
                backend.stop();
            }
            for (int i = open.size() - 1; i >= 0; i--) {
                open.get(i).close();
            }
            Lab.deleteTree(redisDir);
        }
    }

    private static int measure(int clients, int rooms, int rate, Duration duration, Duration warmup, int redisPort, List<Child> proxies)
        throws Exception {
        int maxMessages = (int) (rate * (duration.toMillis() + warmup.toMillis()) / 1000) + rate;
        AtomicIntegerArray delivered = new AtomicIntegerArray(maxMessages);
        AtomicLong wrongRoom = new AtomicLong();
        AtomicLong deliveries = new AtomicLong();
        Recorder delays = new Recorder(TimeUnit.SECONDS.toNanos(60), 3);
        int[] perRoom = new int[rooms];
        HttpClient http = HttpClient.newHttpClient();
        List<WebSocket> sockets = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            int room = i % rooms;
            perRoom[room]++;
            Child proxy = proxies.get(i % proxies.size());
            WebSocket.Listener listener = new WebSocket.Listener() {
                private final StringBuilder text = new StringBuilder();

                @Override
                public @Nullable CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
                    text.append(data);
                    if (last) {
                        long now = System.nanoTime();
                        String[] parts = text.toString().split(",");
                        text.setLength(0);
                        int seq = Integer.parseInt(parts[0]);
                        if (Integer.parseInt(parts[1]) != room) {
                            wrongRoom.incrementAndGet();
                        } else if (seq >= 0) {
                            delivered.incrementAndGet(seq);
                            deliveries.incrementAndGet();
                            delays.recordValue(Math.max(0, now - Long.parseLong(parts[2])));
                        }
                    }
                    ws.request(1);
                    return null;
                }
            };
            sockets.add(http.newWebSocketBuilder().buildAsync(URI.create("ws://127.0.0.1:" + proxy.port() + "/?room=" + room), listener)
                .get(30, TimeUnit.SECONDS));
        }
        try (Socket redis = new Socket(InetAddress.getLoopbackAddress(), redisPort)) {
            redis.setTcpNoDelay(true);
            OutputStream out = redis.getOutputStream();
            Thread drain = new Thread(() -> discard(redis), "redis-replies");
            drain.setDaemon(true);
            drain.start();
            // Warm-up: messages to every room, seq -1, not counted; then the measured publications.
            publish(out, rooms, rate, warmup, -1, null);
            delays.reset();
            long cpuBefore = cpu(proxies);
            long start = System.nanoTime();
            int sent = publish(out, rooms, rate, duration, 0, delivered);
            long publishNanos = System.nanoTime() - start;
            long expected = 0;
            for (int seq = 0; seq < sent; seq++) {
                expected += perRoom[seq % rooms];
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (deliveries.get() < expected && System.nanoTime() < deadline) {
                Thread.sleep(20); // a load test waiting for its last deliveries, not a test's synchronisation
            }
            long elapsed = System.nanoTime() - start;
            double cpuSeconds = (cpu(proxies) - cpuBefore) / (double) ProcStats.clockTicksPerSecond();
            int missing = 0;
            int duplicated = 0;
            for (int seq = 0; seq < sent; seq++) {
                int want = perRoom[seq % rooms];
                int got = delivered.get(seq);
                missing += Math.max(0, want - got);
                duplicated += Math.max(0, got - want);
            }
            Histogram h = delays.getIntervalHistogram();
            System.out.printf(Locale.ROOT, "published %d messages in %.1f s (%.0f/s) to %d rooms of %d clients each%n", sent,
                publishNanos / 1e9, sent / (publishNanos / 1e9), rooms, clients / rooms);
            System.out.printf(Locale.ROOT, "deliveries: %d of %d expected (%.0f/s); missing %d, duplicated %d, to the wrong room %d%n",
                deliveries.get(), expected, deliveries.get() / (elapsed / 1e9), missing, duplicated, wrongRoom.get());
            System.out.printf(Locale.ROOT, "publish to client: p50 %.3f ms, p99 %.3f ms, p99.9 %.3f ms, max %.3f ms%n",
                h.getValueAtPercentile(50) / 1e6, h.getValueAtPercentile(99) / 1e6, h.getValueAtPercentile(99.9) / 1e6, h.getMaxValue() / 1e6);
            System.out.printf(Locale.ROOT, "proxies' CPU: %.2f s for %d deliveries, %.1f us per delivery (both instances)%n", cpuSeconds,
                deliveries.get(), cpuSeconds * 1e6 / Math.max(1, deliveries.get()));
            return missing == 0 && duplicated == 0 && wrongRoom.get() == 0 ? 0 : 1;
        } finally {
            for (WebSocket ws : sockets) {
                ws.abort();
            }
        }
    }

    /** Publishes {@code rate} messages a second, room after room, for {@code span}; returns how many. */
    private static int publish(OutputStream out, int rooms, int rate, Duration span, int firstSeq, @Nullable AtomicIntegerArray delivered)
        throws IOException, InterruptedException {
        long interval = TimeUnit.SECONDS.toNanos(1) / rate;
        long start = System.nanoTime();
        long end = start + span.toNanos();
        int n = 0;
        while (true) {
            long due = start + n * interval;
            if (due >= end || delivered != null && n >= delivered.length()) {
                return n;
            }
            long wait = due - System.nanoTime();
            if (wait > 0) {
                TimeUnit.NANOSECONDS.sleep(wait); // the open loop's schedule
            }
            int room = n % rooms;
            String payload = (firstSeq < 0 ? -1 : n) + "," + room + "," + System.nanoTime();
            out.write(resp("PUBLISH", "wslb:ch:room:" + room, payload));
            out.flush();
            n++;
        }
    }

    private static byte[] resp(String... words) {
        StringBuilder b = new StringBuilder().append('*').append(words.length).append("\r\n");
        for (String w : words) {
            byte[] bytes = w.getBytes(StandardCharsets.UTF_8);
            b.append('$').append(bytes.length).append("\r\n").append(w).append("\r\n");
        }
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static void discard(Socket redis) {
        byte[] buffer = new byte[8192];
        try (InputStream in = redis.getInputStream()) {
            while (in.read(buffer) >= 0) {
                // PUBLISH replies: the number of subscribers, not needed
            }
        } catch (IOException ended) {
            // the run is over
        }
    }

    private static long cpu(List<Child> proxies) {
        long ticks = 0;
        for (Child proxy : proxies) {
            ticks += ProcStats.cpuTicksOrZero(proxy.pid());
        }
        return ticks;
    }
}
