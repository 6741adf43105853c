package io.wslb.examples;

import io.wslb.AffinityFallback;
import io.wslb.AffinityResolver;
import io.wslb.Backend;
import io.wslb.BalancingStrategy;
import io.wslb.HealthCheck;
import io.wslb.strategies.AffinityResolvers;
import io.wslb.strategies.BalancingStrategies;
import io.wslb.strategies.JwtVerifier;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The {@code proxy} command's flag values read into the library's values: backends, strategy, affinity, fallback,
 * health check. Each bad value is a usage error naming its flag and the fix.
 *
 * <pre>{@code
 * Backend backend = FlagValues.backend("ws://127.0.0.1:9101;weight=2");
 * }</pre>
 */
final class FlagValues {

    static List<Backend> backends(List<String> specs) throws Options.UsageException {
        if (specs.isEmpty()) {
            throw new Options.UsageException("at least one --backend is required");
        }
        List<Backend> backends = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        for (String spec : specs) {
            Backend backend = backend(spec);
            if (!ids.add(backend.id())) {
                throw new Options.UsageException("--backend " + spec + ": id '" + backend.id() + "' is used twice (set ;id=NAME)");
            }
            backends.add(backend);
        }
        return backends;
    }

    static Backend backend(String spec) throws Options.UsageException {
        String[] parts = spec.split(";");
        if (!parts[0].contains("://")) {
            throw new Options.UsageException("--backend " + spec + ": no scheme; write ws://" + spec.trim()
                + " (or wss://" + spec.trim() + " for a TLS backend)");
        }
        URI uri;
        try {
            uri = new URI(parts[0].trim());
        } catch (URISyntaxException e) {
            throw new Options.UsageException("--backend " + spec + ": not a URI (" + e.getReason() + ")");
        }
        authority(spec, uri);
        Map<String, String> attributes = new HashMap<>();
        for (int i = 1; i < parts.length; i++) {
            String attribute = parts[i].trim();
            if (attribute.equals("backup")) {
                attributes.put("backup", "true");
                continue;
            }
            int eq = attribute.indexOf('=');
            if (eq <= 0) {
                throw new Options.UsageException("--backend " + spec + ": attribute '" + attribute + "' is not NAME=VALUE");
            }
            String name = attribute.substring(0, eq).trim();
            if (!name.equals("weight") && !name.equals("id") && !name.equals("max-connections")) {
                throw new Options.UsageException("--backend " + spec + ": unknown attribute '" + name
                    + "' (known: weight, id, max-connections, backup)");
            }
            attributes.put(name, attribute.substring(eq + 1).trim());
        }
        try {
            Backend backend = attributes.containsKey("id") ? Backend.of(attributes.get("id"), uri) : Backend.of(uri);
            if (attributes.containsKey("weight")) {
                backend = backend.withWeight(parseInt("--backend " + spec + ": weight", attributes.get("weight")));
            }
            if (attributes.containsKey("max-connections")) {
                backend = backend.withMaxConnections(parseInt("--backend " + spec + ": max-connections",
                    attributes.get("max-connections")));
            }
            if (attributes.containsKey("backup")) {
                backend = backend.asBackup();
            }
            return backend;
        } catch (IllegalArgumentException e) {
            throw new Options.UsageException("--backend " + spec + ": " + e.getMessage());
        }
    }

    /** Says which part of a backend's {@code HOST:PORT} is wrong, where {@link URI} only finds no host. */
    private static void authority(String spec, URI uri) throws Options.UsageException {
        String authority = uri.getRawAuthority();
        if (authority == null || authority.isEmpty()) {
            throw new Options.UsageException("--backend " + spec + ": no host; write it as ws://HOST:PORT/PATH");
        }
        if (uri.getHost() != null && uri.getPort() <= 65535) {
            return;
        }
        int colon = authority.lastIndexOf(':');
        boolean bracketed = authority.endsWith("]");
        if (colon > 0 && !bracketed) {
            String port = authority.substring(colon + 1);
            if (!port.matches("[0-9]{1,5}") || Integer.parseInt(port) > 65535) {
                throw new Options.UsageException("--backend " + spec + ": '" + port + "' is not a port (a number from 1 to 65535)");
            }
        }
        String host = colon > 0 && !bracketed ? authority.substring(0, colon) : authority;
        throw new Options.UsageException("--backend " + spec + ": '" + host + "' is not a host name or address "
            + "(letters, digits, '-' and '.'; an IPv6 address goes in brackets, e.g. ws://[::1]:9101)");
    }

    static BalancingStrategy strategy(String name, String balanceFactor) throws Options.UsageException {
        if (!balanceFactor.isEmpty() && !name.equals("consistent-hash")) {
            throw new Options.UsageException("--hash-balance-factor goes with --strategy consistent-hash");
        }
        return switch (name) {
            case "round-robin" -> BalancingStrategies.roundRobin();
            case "weighted-round-robin" -> BalancingStrategies.weightedRoundRobin();
            case "random" -> BalancingStrategies.random();
            case "weighted-random" -> BalancingStrategies.weightedRandom();
            case "least-connections" -> BalancingStrategies.leastConnections();
            case "weighted-least-connections" -> BalancingStrategies.weightedLeastConnections();
            case "power-of-two" -> BalancingStrategies.powerOfTwoChoices();
            case "consistent-hash" -> balanceFactor.isEmpty() ? BalancingStrategies.consistentHash()
                : BalancingStrategies.consistentHash(factor(balanceFactor));
            default -> throw new Options.UsageException("--strategy: unknown strategy '" + name + "' (round-robin, "
                + "weighted-round-robin, random, weighted-random, least-connections, weighted-least-connections, "
                + "power-of-two, consistent-hash)");
        };
    }

    private static double factor(String raw) throws Options.UsageException {
        try {
            double factor = Double.parseDouble(raw.trim());
            if (!(factor >= 1.0) || Double.isInfinite(factor)) {
                throw new NumberFormatException();
            }
            return factor;
        } catch (NumberFormatException e) {
            throw new Options.UsageException("--hash-balance-factor: '" + raw + "' must be a number of at least 1 (e.g. 1.25)");
        }
    }

    static AffinityFallback fallback(String raw) throws Options.UsageException {
        return switch (raw) {
            case "repick" -> AffinityFallback.REPICK;
            case "reject" -> AffinityFallback.REJECT;
            default -> throw new Options.UsageException("--affinity-fallback: '" + raw + "' is not repick or reject");
        };
    }

    static AffinityResolver affinity(String kind, Options options) throws Options.UsageException {
        boolean jwt = kind.startsWith("jwt-claim:");
        if (!jwt && (options.has("jwt-secret-file") || options.has("jwt-unverified"))) {
            throw new Options.UsageException("--jwt-secret-file and --jwt-unverified go with --affinity jwt-claim:HEADER:CLAIM");
        }
        boolean cookie = kind.equals("cookie") || kind.startsWith("cookie:");
        if (!cookie && options.has("cookie-secret-file")) {
            throw new Options.UsageException("--cookie-secret-file goes with --affinity cookie[:NAME]");
        }
        try {
            if (kind.equals("none")) {
                return AffinityResolver.none();
            }
            if (kind.equals("ip")) {
                return AffinityResolvers.clientIp();
            }
            if (cookie) {
                String name = kind.equals("cookie") ? "WSLB" : kind.substring("cookie:".length());
                String secretFile = options.get("cookie-secret-file", "");
                return secretFile.isEmpty() ? AffinityResolvers.cookie(name)
                    : AffinityResolvers.cookie(name, secret("--cookie-secret-file", secretFile));
            }
            if (kind.startsWith("app-cookie:")) {
                return AffinityResolvers.appCookie(nonEmpty(kind, kind.substring("app-cookie:".length())));
            }
            if (kind.startsWith("header:")) {
                return AffinityResolvers.header(nonEmpty(kind, kind.substring("header:".length())));
            }
            if (kind.startsWith("query:")) {
                return AffinityResolvers.queryParameter(nonEmpty(kind, kind.substring("query:".length())));
            }
            if (jwt) {
                String[] parts = kind.split(":", -1);
                if (parts.length != 3 || parts[1].isEmpty() || parts[2].isEmpty()) {
                    throw new Options.UsageException("--affinity: '" + kind + "' is not jwt-claim:HEADER:CLAIM");
                }
                String secretFile = options.get("jwt-secret-file", "");
                boolean unverified = options.has("jwt-unverified");
                if (secretFile.isEmpty() == !unverified) {
                    throw new Options.UsageException("--affinity jwt-claim needs exactly one of --jwt-secret-file or --jwt-unverified");
                }
                JwtVerifier verifier = unverified ? JwtVerifier.acceptUnverified()
                    : JwtVerifier.hmacSha256(secret("--jwt-secret-file", secretFile));
                return AffinityResolvers.jwtClaimFromHeader(parts[1], parts[2], verifier);
            }
        } catch (IllegalArgumentException e) {
            throw new Options.UsageException("--affinity: " + e.getMessage());
        }
        throw new Options.UsageException("--affinity: unknown kind '" + kind
            + "' (none, ip, cookie[:NAME], app-cookie:NAME, header:NAME, query:NAME, jwt-claim:HEADER:CLAIM)");
    }

    private static String nonEmpty(String kind, String name) throws Options.UsageException {
        if (name.isEmpty()) {
            throw new Options.UsageException("--affinity: '" + kind + "' needs a NAME");
        }
        return name;
    }

    /** Reads a secret file; trailing line breaks are not part of the secret. */
    private static byte[] secret(String flag, String path) throws Options.UsageException {
        byte[] secret = Options.secretFile(flag, path);
        if (secret.length < 32) {
            throw new Options.UsageException(flag + ": the secret in " + path + " has " + secret.length + " bytes; at least 32 are needed");
        }
        return secret;
    }

    /** {@code http:/PATH} (GET, 2xx) or {@code ws:/PATH} (an upgrade, then a ping and its pong). */
    static HealthCheck healthCheck(String spec) {
        if (spec.startsWith("http:")) {
            return HealthCheck.http(spec.substring(5));
        }
        if (spec.startsWith("ws:")) {
            return HealthCheck.webSocket(spec.substring(3)).withPing(true);
        }
        throw new IllegalArgumentException("--health-check is http:/PATH or ws:/PATH, got '" + spec + "'");
    }

    /** A whole number, or a usage error naming {@code what}. */
    static int parseInt(String what, String raw) throws Options.UsageException {
        try {
            return Integer.parseInt(raw.trim());
        } catch (NumberFormatException e) {
            throw new Options.UsageException(what + ": '" + raw + "' is not a whole number");
        }
    }

    private FlagValues() {}
}
