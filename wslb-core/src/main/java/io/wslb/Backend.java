package io.wslb;

import static java.util.Objects.requireNonNull;

import java.net.URI;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * One WebSocket server that the balancer can send connections to: an id, a {@code ws://} or {@code wss://}
 * URI, a weight, a connection cap, whether it is a backup, and free-form metadata. Immutable; the
 * {@code with...} methods return a copy.
 *
 * <pre>{@code
 * Backend chat1 = Backend.of("chat-1", URI.create("ws://10.0.0.1:3000/ws"))
 *     .withWeight(2)
 *     .withMaxConnections(20_000)
 *     .withMetadata("zone", "eu-west-1a");
 * Backend spare = Backend.of("spare", URI.create("ws://10.0.9.1:3000/ws")).asBackup();
 * }</pre>
 *
 * <p>The URI's path is the prefix that the client's path (below the mount point) is appended to; its query,
 * if any, is kept and the client's query appended to it. A URI must not carry user info or a fragment.
 *
 * @param id unique within a pool: 1 to 128 characters out of letters, digits and {@code . _ ~ : -}
 * @param uri where the backend accepts WebSocket upgrades
 * @param weight relative share for weighted strategies, 0 to 10,000; 0 means "no new connections"
 * @param metadata free-form labels, for custom strategies and for figures
 * @param maxConnections the most connections it is given at once, 0 for no limit; when every eligible
 *     backend is full, a new client gets 503 with {@code Retry-After}
 * @param backup a backup only takes a new connection when no primary (non-backup) backend can: every primary is
 *     unhealthy, draining, full, or already failed this connection's earlier attempts
 */
public record Backend(String id, URI uri, int weight, Map<String, String> metadata, int maxConnections, boolean backup) {

    /** The largest accepted weight. */
    public static final int MAX_WEIGHT = 10_000;

    private static final Pattern ID = Pattern.compile("[A-Za-z0-9._~:-]{1,128}");

    /** Validates every component; see the record's description for the rules. */
    public Backend {
        requireNonNull(id, "id");
        requireNonNull(uri, "uri");
        requireNonNull(metadata, "metadata");
        if (!ID.matcher(id).matches()) {
            throw new IllegalArgumentException("backend id must be 1-128 characters of [A-Za-z0-9._~:-], got '" + id + "'");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("ws") && !scheme.equals("wss")) {
            throw new IllegalArgumentException("backend " + id + ": uri must use ws:// or wss://, got " + uri);
        }
        if (uri.getHost() == null || uri.getHost().isEmpty()) {
            throw new IllegalArgumentException("backend " + id + ": uri has no host: " + uri);
        }
        if (uri.getRawUserInfo() != null) {
            throw new IllegalArgumentException("backend " + id + ": uri must not carry user info: " + uri);
        }
        if (uri.getRawFragment() != null) {
            throw new IllegalArgumentException("backend " + id + ": uri must not carry a fragment: " + uri);
        }
        if (uri.getPort() > 65535) {
            throw new IllegalArgumentException("backend " + id + ": port out of range: " + uri);
        }
        if (weight < 0 || weight > MAX_WEIGHT) {
            throw new IllegalArgumentException("backend " + id + ": weight must be 0.." + MAX_WEIGHT + ", got " + weight);
        }
        if (maxConnections < 0) {
            throw new IllegalArgumentException("backend " + id + ": maxConnections must be 0 (no limit) or more, got " + maxConnections);
        }
        metadata = Map.copyOf(metadata);
    }

    /**
     * A backend with weight 1 and no metadata.
     *
     * @param id unique within a pool
     * @param uri a {@code ws://} or {@code wss://} URI
     * @return the backend
     */
    public static Backend of(String id, URI uri) {
        return new Backend(id, uri, 1, Map.of(), 0, false);
    }

    /**
     * A backend whose id is its {@code host:port}, weight 1, no metadata.
     *
     * <pre>{@code Backend b = Backend.of(URI.create("ws://127.0.0.1:9101")); // id "127.0.0.1:9101"}</pre>
     *
     * @param uri a {@code ws://} or {@code wss://} URI
     * @return the backend
     */
    public static Backend of(URI uri) {
        requireNonNull(uri, "uri");
        String host = uri.getHost() == null ? "" : stripBrackets(uri.getHost());
        int port = uri.getPort() > 0 ? uri.getPort() : "wss".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
        return new Backend(host + ":" + port, uri, 1, Map.of(), 0, false);
    }

    /**
     * @param weight 0 to {@value #MAX_WEIGHT}
     * @return a copy with this weight
     */
    public Backend withWeight(int weight) {
        return new Backend(id, uri, weight, metadata, maxConnections, backup);
    }

    /**
     * @param maxConnections the most connections at once, 0 for no limit
     * @return a copy with this cap
     */
    public Backend withMaxConnections(int maxConnections) {
        return new Backend(id, uri, weight, metadata, maxConnections, backup);
    }

    /** @return a copy that is a backup: it takes new connections only while no primary backend can */
    public Backend asBackup() {
        return new Backend(id, uri, weight, metadata, maxConnections, true);
    }

    /** @return a copy that is a primary backend */
    public Backend asPrimary() {
        return new Backend(id, uri, weight, metadata, maxConnections, false);
    }

    /**
     * @param key label name
     * @param value label value
     * @return a copy with this label added or replaced
     */
    public Backend withMetadata(String key, String value) {
        requireNonNull(key, "key");
        requireNonNull(value, "value");
        Map<String, String> copy = new HashMap<>(metadata);
        copy.put(key, value);
        return new Backend(id, uri, weight, copy, maxConnections, backup);
    }

    /** @return true for {@code wss://} */
    public boolean secure() {
        return "wss".equalsIgnoreCase(uri.getScheme());
    }

    /** @return the URI's host, without IPv6 brackets */
    public String host() {
        return stripBrackets(uri.getHost());
    }

    private static String stripBrackets(String host) {
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }

    /** @return the URI's port, or 80 / 443 when the URI names none */
    public int port() {
        int port = uri.getPort();
        return port > 0 ? port : secure() ? 443 : 80;
    }
}
