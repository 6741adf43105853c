package io.wslb.bench;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * The commands a Redis server ran during a measured window, from {@code INFO commandstats} read before and after it
 * over a plain socket (RESP, no client library), and what they come to per operation of the window once the
 * commands Redis runs whatever the load (heartbeats of the instances, admin polling) are taken off.
 */
final class RedisStats {
    /** The bench's own command, which the windows do not count. */
    static final String OWN_COMMAND = "info";
    private static final String PREFIX = "cmdstat_";

    private RedisStats() {
    }

    /**
     * The commands of one window: calls per command (lower case, {@code client|setname} for a subcommand), without
     * the bench's own {@code INFO}, and the window's length.
     */
    record Window(Map<String, Long> calls, double seconds) {
        Window {
            calls = Map.copyOf(calls);
        }

        /** The calls made between two readings of {@link #calls(InetSocketAddress, Duration)}. */
        static Window between(Map<String, Long> before, Map<String, Long> after, double seconds) {
            Map<String, Long> delta = new TreeMap<>();
            for (Map.Entry<String, Long> e : after.entrySet()) {
                long d = e.getValue() - before.getOrDefault(e.getKey(), 0L);
                if (d > 0 && !e.getKey().equals(OWN_COMMAND)) {
                    delta.put(e.getKey(), d);
                }
            }
            return new Window(delta, seconds);
        }

        long total() {
            return calls.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    /**
     * The rate of each command over windows during which nothing loaded Redis: their calls summed, divided by their
     * seconds summed (so short windows weigh less).
     */
    static Map<String, Double> ratePerSecond(Collection<Window> quiet) {
        double seconds = quiet.stream().mapToDouble(Window::seconds).sum();
        Map<String, Double> rate = new TreeMap<>();
        if (seconds <= 0) {
            return rate;
        }
        for (Window w : quiet) {
            w.calls().forEach((cmd, n) -> rate.merge(cmd, n / seconds, Double::sum));
        }
        return rate;
    }

    /**
     * Calls per operation of a loaded window, each command's background (its rate in quiet windows times this
     * window's length) taken off. Not clamped: a command the background over-predicts comes out slightly negative.
     */
    static Map<String, Double> perOperation(Window w, Map<String, Double> backgroundPerSecond, long operations) {
        Map<String, Double> out = new TreeMap<>();
        if (operations <= 0) {
            return out;
        }
        TreeSet<String> commands = new TreeSet<>(w.calls().keySet());
        commands.addAll(backgroundPerSecond.keySet());
        for (String cmd : commands) {
            double calls = w.calls().getOrDefault(cmd, 0L) - backgroundPerSecond.getOrDefault(cmd, 0.0) * w.seconds();
            out.put(cmd, calls / operations);
        }
        return out;
    }

    /** Calls per command so far, from {@code INFO commandstats}. */
    static Map<String, Long> calls(InetSocketAddress redis, Duration timeout) throws IOException {
        return parseCommandStats(info(redis, timeout, "commandstats"));
    }

    /** One {@code INFO SECTION} over a fresh socket. */
    static String info(InetSocketAddress redis, Duration timeout, String section) throws IOException {
        int millis = (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis()));
        try (Socket s = new Socket()) {
            s.connect(redis, millis);
            s.setSoTimeout(millis);
            OutputStream out = s.getOutputStream();
            out.write(("*2\r\n$4\r\nINFO\r\n$" + section.length() + "\r\n" + section + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            return readBulkString(s.getInputStream());
        }
    }

    /** A RESP bulk string reply ({@code $LEN\r\nDATA\r\n}); an error reply or anything else is an IOException. */
    static String readBulkString(InputStream in) throws IOException {
        int type = in.read();
        String line = readLine(in);
        if (type == '-') {
            throw new IOException("redis answered with an error: " + line);
        }
        if (type != '$') {
            throw new IOException("expected a RESP bulk string, got type byte " + type + " and '" + line + "'");
        }
        int length = Integer.parseInt(line);
        if (length < 0) {
            throw new IOException("redis answered nil");
        }
        byte[] data = in.readNBytes(length);
        if (data.length < length) {
            throw new EOFException("redis's reply ended after " + data.length + " of " + length + " bytes");
        }
        return new String(data, StandardCharsets.UTF_8);
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) != '\n') {
            if (c < 0) {
                throw new EOFException("redis closed the connection in the middle of a reply");
            }
            if (c != '\r') {
                b.write(c);
            }
        }
        return b.toString(StandardCharsets.US_ASCII);
    }

    /**
     * The {@code calls=} of each {@code cmdstat_NAME:calls=N,usec=...} line of {@code INFO commandstats}, by lower-case
     * name; other lines are skipped.
     */
    static Map<String, Long> parseCommandStats(String info) {
        Map<String, Long> calls = new LinkedHashMap<>();
        for (String raw : info.split("\r?\n")) {
            String line = raw.trim();
            int colon = line.indexOf(':');
            if (!line.startsWith(PREFIX) || colon < 0) {
                continue;
            }
            String name = line.substring(PREFIX.length(), colon).toLowerCase(Locale.ROOT);
            for (String field : line.substring(colon + 1).split(",")) {
                if (field.startsWith("calls=")) {
                    try {
                        calls.put(name, Long.parseLong(field.substring("calls=".length())));
                    } catch (NumberFormatException x) {
                        // not a count: skip the line
                    }
                    break;
                }
            }
        }
        return calls;
    }

    /**
     * Reads the server's counts at the start and at the end of a measured window. A reading that fails leaves no
     * window and says why; the measurement itself goes on.
     */
    static final class Recorder implements LoadClient.WindowListener {
        private static final Duration TIMEOUT = Duration.ofSeconds(5);
        private final InetSocketAddress redis;
        private @Nullable Map<String, Long> before;
        private long t0;
        private @Nullable Window window;
        private @Nullable String failure;

        Recorder(InetSocketAddress redis) {
            this.redis = redis;
        }

        @Override
        public void windowStart() {
            try {
                before = calls(redis, TIMEOUT);
            } catch (IOException | RuntimeException x) {
                failure = "INFO commandstats before the window: " + x;
            }
            t0 = System.nanoTime();
        }

        @Override
        public void windowEnd() {
            double seconds = Math.max(1, System.nanoTime() - t0) / 1e9;
            Map<String, Long> start = before;
            if (start == null) {
                return;
            }
            try {
                window = Window.between(start, calls(redis, TIMEOUT), seconds);
            } catch (IOException | RuntimeException x) {
                failure = "INFO commandstats after the window: " + x;
            }
        }

        @Nullable Window window() {
            return window;
        }

        @Nullable String failure() {
            return failure;
        }
    }
}
