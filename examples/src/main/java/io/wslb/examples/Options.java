package io.wslb.examples;

import io.wslb.jetty.Durations;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * A small command-line parser: {@code --name value}, {@code --name=value} and flags, repeatable options kept in
 * order, and a clear error for anything unknown or malformed.
 */
final class Options {

    /** A malformed command line; the message is shown to the user as is. */
    static final class UsageException extends Exception {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message.replaceAll("\\R+", " ")); // shown as one line
        }
    }

    private final Map<String, List<String>> values = new LinkedHashMap<>();

    private Options() {}

    /**
     * @param args the arguments after the command
     * @param withValue option names (without dashes) that take a value
     * @param flags option names that take none
     * @return the parsed options
     * @throws UsageException on an unknown option, a missing value or a stray argument
     */
    static Options parse(String[] args, Set<String> withValue, Set<String> flags) throws UsageException {
        Options options = new Options();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (!arg.startsWith("--")) {
                throw new UsageException("unexpected argument '" + arg + "'");
            }
            String name = arg.substring(2);
            String value = null;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            }
            if (flags.contains(name)) {
                if (value != null) {
                    throw new UsageException("--" + name + " takes no value");
                }
                options.values.computeIfAbsent(name, k -> new ArrayList<>()).add("true");
            } else if (withValue.contains(name)) {
                if (value == null) {
                    if (i + 1 >= args.length) {
                        throw new UsageException("--" + name + " needs a value");
                    }
                    value = args[++i];
                }
                options.values.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
            } else {
                throw new UsageException("unknown option --" + name);
            }
        }
        return options;
    }

    boolean has(String name) {
        return values.containsKey(name);
    }

    List<String> all(String name) {
        return values.getOrDefault(name, List.of());
    }

    String get(String name, String fallback) throws UsageException {
        String value = find(name);
        return value == null ? fallback : value;
    }

    /** The flag's one value, or null when it is absent. */
    @Nullable String find(String name) throws UsageException {
        List<String> list = all(name);
        if (list.size() > 1) {
            throw new UsageException("--" + name + " may be given once");
        }
        return list.isEmpty() ? null : list.get(0);
    }

    Duration duration(String name, Duration fallback) throws UsageException {
        String raw = get(name, "");
        return raw.isEmpty() ? fallback : parseDuration("--" + name, raw);
    }

    long bytes(String name, long fallback) throws UsageException {
        String raw = get(name, "");
        return raw.isEmpty() ? fallback : parseBytes("--" + name, raw);
    }

    /**
     * Accepts what {@link Durations#parse} accepts ({@code 500ms}, {@code 30s}, {@code 5m}, {@code 2h}, {@code 1d},
     * ISO-8601, {@code 0}); never negative. Whether zero is allowed is up to the setting (some take it as "off").
     */
    static Duration parseDuration(String what, String raw) throws UsageException {
        try {
            return Durations.parse(raw);
        } catch (IllegalArgumentException e) {
            throw new UsageException(what + ": " + e.getMessage());
        }
    }

    /** Accepts a byte count with an optional suffix: {@code 65536}, {@code 64KiB}, {@code 16MiB}. */
    static long parseBytes(String what, String raw) throws UsageException {
        String text = raw.trim();
        long unit = 1;
        String lower = text.toLowerCase(Locale.ROOT);
        if (lower.endsWith("kib") || lower.endsWith("k")) {
            unit = 1024;
        } else if (lower.endsWith("mib") || lower.endsWith("m")) {
            unit = 1024 * 1024;
        } else if (lower.endsWith("gib") || lower.endsWith("g")) {
            unit = 1024L * 1024 * 1024;
        }
        String digits = text.replaceAll("(?i)(kib|mib|gib|k|m|g)$", "");
        try {
            long value = Long.parseLong(digits) * unit;
            if (value <= 0) {
                throw new NumberFormatException();
            }
            return value;
        } catch (NumberFormatException e) {
            throw new UsageException(what + ": '" + raw + "' is not a size (e.g. 65536, 64KiB, 16MiB)");
        }
    }

    /** Parses {@code HOST:PORT} ({@code [::1]:PORT} for IPv6); port 0 picks a free port. */
    static InetSocketAddress parseAddress(String what, String raw) throws UsageException {
        int colon = raw.lastIndexOf(':');
        if (colon <= 0 || colon == raw.length() - 1) {
            throw new UsageException(what + ": '" + raw + "' is not HOST:PORT (e.g. 127.0.0.1:9203, [::1]:9203 or 0.0.0.0:9203)");
        }
        String host = raw.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        InetSocketAddress address = new InetSocketAddress(host, parsePort(what, raw.substring(colon + 1)));
        if (address.isUnresolved()) {
            throw new UsageException(what + " " + raw + ": the host name '" + host + "' does not resolve; "
                + "give an address of this machine, e.g. 127.0.0.1");
        }
        return address;
    }

    /**
     * Checks that {@code path} names a file this process can read, so that a bad path is refused with the reason
     * (missing, a directory, not readable) before anything parses it.
     *
     * @return the path
     * @throws UsageException naming the flag, the path and why it cannot be read
     */
    static java.nio.file.Path readableFile(String flag, String path) throws UsageException {
        java.nio.file.Path file;
        try {
            file = java.nio.file.Path.of(path);
        } catch (java.nio.file.InvalidPathException e) {
            throw new UsageException(flag + " " + path + ": not a file path (" + e.getReason() + ")");
        }
        if (java.nio.file.Files.isDirectory(file)) {
            throw new UsageException(flag + " " + path + ": is a directory; give the file in it");
        }
        if (java.nio.file.Files.notExists(file)) {
            throw new UsageException(flag + " " + path + ": no such file; check the path (relative paths start at "
                + java.nio.file.Path.of("").toAbsolutePath() + ")");
        }
        if (!java.nio.file.Files.isReadable(file)) {
            throw new UsageException(flag + " " + path + ": permission denied; the user " + System.getProperty("user.name")
                + " running the launcher may not read it (or a directory above it): fix the file's owner or mode");
        }
        return file;
    }

    /**
     * Reads a secret file (a signing secret, a token, a password) as written by {@code echo}, an editor or a
     * secret mount: its content without the trailing line breaks.
     */
    static byte[] secretFile(String flag, String path) throws UsageException {
        try {
            byte[] bytes = java.nio.file.Files.readAllBytes(readableFile(flag, path));
            int end = bytes.length;
            while (end > 0 && (bytes[end - 1] == '\n' || bytes[end - 1] == '\r')) {
                end--;
            }
            return java.util.Arrays.copyOf(bytes, end);
        } catch (java.io.IOException e) {
            throw new UsageException(flag + " " + path + ": cannot read it (" + e + ")");
        }
    }

    /** Parses a port, 0 to 65535 (0 picks a free one). */
    static int parsePort(String what, String raw) throws UsageException {
        try {
            int port = Integer.parseInt(raw.trim());
            if (port >= 0 && port <= 65535) {
                return port;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw new UsageException(what + ": '" + raw + "' is not a port (a number from 0 to 65535; 0 picks a free one)");
    }
}
