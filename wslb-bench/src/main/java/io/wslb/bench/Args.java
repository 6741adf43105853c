package io.wslb.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Minimal command-line parser: {@code --name value} pairs (repeatable) and boolean {@code --flag}s.
 * Every option a subcommand reads must be declared, so a typo fails loudly instead of being ignored.
 */
final class Args {
    private final Map<String, List<String>> values = new LinkedHashMap<>();

    private Args() {
    }

    /**
     * @param argv the arguments after the subcommand
     * @param booleanFlags names (without {@code --}) that take no value
     */
    static Args parse(String[] argv, Set<String> booleanFlags) {
        Args args = new Args();
        for (int i = 0; i < argv.length; i++) {
            String a = argv[i];
            if (!a.startsWith("--") || a.length() < 3) {
                throw new IllegalArgumentException("unexpected argument '" + a + "'");
            }
            String name = a.substring(2);
            String value;
            int eq = name.indexOf('=');
            if (eq > 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            } else if (booleanFlags.contains(name)) {
                value = "true";
            } else {
                if (i + 1 >= argv.length) {
                    throw new IllegalArgumentException("option --" + name + " needs a value");
                }
                value = argv[++i];
            }
            args.values.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
        }
        return args;
    }

    /** Fails if an option was given that is not in {@code known}. */
    Args allow(String... known) {
        Set<String> k = Set.of(known);
        for (String name : values.keySet()) {
            if (!k.contains(name)) {
                throw new IllegalArgumentException("unknown option --" + name + " (known: --" + String.join(", --", known) + ")");
            }
        }
        return this;
    }

    boolean has(String name) {
        return values.containsKey(name);
    }

    /** The last value of {@code --name}, or null if it was not given. */
    @Nullable String strOrNull(String name) {
        List<String> v = values.get(name);
        return v == null ? null : v.get(v.size() - 1);
    }

    String str(String name, String def) {
        String v = strOrNull(name);
        return v == null ? def : v;
    }

    String required(String name) {
        String v = strOrNull(name);
        if (v == null) {
            throw new IllegalArgumentException("option --" + name + " is required");
        }
        return v;
    }

    /** The path given as {@code --name}, or null if it was not given. */
    @Nullable Path pathOrNull(String name) {
        String v = strOrNull(name);
        return v == null ? null : Path.of(v);
    }

    Path path(String name, Path def) {
        Path v = pathOrNull(name);
        return v == null ? def : v;
    }

    List<String> all(String name) {
        return values.getOrDefault(name, List.of());
    }

    int integer(String name, int def) {
        String v = strOrNull(name);
        return v == null ? def : Integer.parseInt(v.trim());
    }

    long longValue(String name, long def) {
        String v = strOrNull(name);
        return v == null ? def : Long.parseLong(v.trim());
    }

    boolean flag(String name) {
        return Boolean.parseBoolean(str(name, "false"));
    }

    /** A duration: {@code 10} or {@code 10s} (seconds), {@code 500ms}, {@code 2m}. */
    Duration duration(String name, Duration def) {
        String v = strOrNull(name);
        return v == null ? def : parseDuration(v);
    }

    static Duration parseDuration(String v) {
        String s = v.trim().toLowerCase();
        if (s.endsWith("ms")) {
            return Duration.ofMillis(Long.parseLong(s.substring(0, s.length() - 2)));
        }
        if (s.endsWith("s")) {
            return Duration.ofMillis(Math.round(Double.parseDouble(s.substring(0, s.length() - 1)) * 1000));
        }
        if (s.endsWith("m")) {
            return Duration.ofSeconds(Long.parseLong(s.substring(0, s.length() - 1)) * 60);
        }
        return Duration.ofMillis(Math.round(Double.parseDouble(s) * 1000));
    }

    /** A size: {@code 64}, {@code 1k}/{@code 1KiB} (1024), {@code 2m}/{@code 2MiB}. */
    static int parseSize(String v) {
        String s = v.trim().toLowerCase().replace("ib", "").replace("b", "");
        long mult = 1;
        if (s.endsWith("k")) {
            mult = 1024;
            s = s.substring(0, s.length() - 1);
        } else if (s.endsWith("m")) {
            mult = 1024 * 1024;
            s = s.substring(0, s.length() - 1);
        }
        return Math.toIntExact(Long.parseLong(s.trim()) * mult);
    }

    int size(String name, int def) {
        String v = strOrNull(name);
        return v == null ? def : parseSize(v);
    }
}
