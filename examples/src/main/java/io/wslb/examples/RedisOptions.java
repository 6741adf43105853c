package io.wslb.examples;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The {@code proxy} command's Redis flags: where the instances of one cluster meet ({@code --redis}), the password
 * ({@code --redis-password-file}), this instance's name among them ({@code --instance-id}) and the time budget of a
 * lookup ({@code --redis-timeout}). Each bad value is one usage error naming its flag.
 *
 * <pre>{@code
 * RedisOptions.Settings redis = RedisOptions.parse(options);
 * String instance = redis == null ? null : redis.instanceIdOr(new InetSocketAddress("127.0.0.1", 9203));
 * }</pre>
 */
final class RedisOptions {

    /** Flags that take a value. */
    static final Set<String> VALUED = Set.of("redis", "redis-password-file", "instance-id", "redis-timeout");

    /** The budget of one lookup when {@code --redis-timeout} is not given: a miss after it, never a failed handshake. */
    static final Duration DEFAULT_TIMEOUT = Duration.ofMillis(50);

    /** The longest budget: a lookup that takes longer than this holds a handshake too long to be worth waiting for. */
    static final Duration MAX_TIMEOUT = Duration.ofSeconds(10);

    static final String HELP = """
              --redis URI               share affinity keys, connection counts and admin actions with the other
                                        instances on this Redis: redis://[user@]host[:port][/db], rediss:// for TLS
                                        (port 6379 and db 0 by default). Redis down costs affinity and balance
                                        quality, never a handshake: the instance serves from its local state
              --redis-password-file PATH  a file holding Redis's password (never put it in the URI)
              --instance-id NAME        this instance's name among those sharing --redis (letters, digits, . _ : -;
                                        default: the host name and the --listen port)
              --redis-timeout DURATION  how long a handshake waits for a Redis lookup before it proceeds as a miss
                                        (default 50ms; up to 10s). Redis counts as down after 1s without answer
            """;

    private static final Pattern INSTANCE_ID = Pattern.compile("[A-Za-z0-9._:-]{1,64}");

    /**
     * What the Redis flags say.
     *
     * @param tls {@code rediss://}
     * @param host the Redis host
     * @param port the Redis port
     * @param database the database number
     * @param user the ACL user, or null for the default user
     * @param password the password, or null for none
     * @param instanceId this instance's name in the cluster, or null for the default (host name and listening port)
     * @param timeout the budget of a lookup and of every command
     */
    record Settings(boolean tls, String host, int port, int database, @Nullable String user, char @Nullable [] password,
                    @Nullable String instanceId, Duration timeout) {

        /**
         * @param listening the proxy's bound address (its real port, when --listen asked for port 0)
         * @return the instance id given, or the default for this address
         */
        String instanceIdOr(InetSocketAddress listening) {
            return instanceId != null ? instanceId : defaultInstanceId(listening);
        }

        /** @return the URI for the link, with the user and password: never to be printed */
        URI linkUri() {
            String userInfo = password == null ? user : (user == null ? "" : user) + ":" + new String(password);
            try {
                return new URI(tls ? "rediss" : "redis", userInfo, host, port, "/" + database, null, null);
            } catch (URISyntaxException e) {
                throw new IllegalStateException("the parts of a parsed --redis make a URI", e);
            }
        }

        /** @return the URI without a password, fit for a log line or the status */
        String display() {
            return (tls ? "rediss://" : "redis://") + (user != null ? user + "@" : "") + hostPort() + "/" + database;
        }

        private String hostPort() {
            return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
        }

        @Override
        public String toString() {
            return display() + (instanceId != null ? " as " + instanceId : "") + " (timeout " + timeout.toMillis() + "ms"
                + (password != null ? ", with a password" : "") + ")";
        }
    }

    private RedisOptions() {}

    /**
     * @param options the command line
     * @return the settings, or null without {@code --redis}
     * @throws Options.UsageException when a Redis flag is malformed, or given without {@code --redis}
     */
    static @Nullable Settings parse(Options options) throws Options.UsageException {
        if (!options.has("redis")) {
            for (String flag : VALUED) {
                if (options.has(flag)) {
                    throw new Options.UsageException("--" + flag + " goes with --redis URI");
                }
            }
            return null;
        }
        String raw = options.get("redis", "");
        if (!raw.contains("://")) {
            throw new Options.UsageException("--redis " + raw + ": the scheme must be redis:// or rediss:// (TLS), e.g. redis://" + raw);
        }
        URI uri;
        try {
            uri = new URI(raw);
        } catch (URISyntaxException e) {
            throw new Options.UsageException("--redis " + raw + ": not a URI (" + e.getReason()
                + "); write redis://host:port or rediss://host:port");
        }
        String scheme = uri.getScheme();
        if (scheme == null || !(scheme.equals("redis") || scheme.equals("rediss"))) {
            throw new Options.UsageException("--redis " + raw + ": the scheme must be redis:// or rediss:// (TLS), e.g. redis://"
                + (scheme == null ? raw : raw.substring(raw.indexOf(':') + 1).replaceFirst("^//", "")));
        }
        String host = uri.getHost();
        if (host == null || host.isEmpty()) {
            throw new Options.UsageException("--redis " + raw + ": no host; write " + scheme + "://HOST[:PORT][/DB]");
        }
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
            throw new Options.UsageException("--redis " + raw + ": a query or fragment is not taken; write " + scheme
                + "://[user@]host[:port][/db]");
        }
        String user = null;
        String userInfo = uri.getUserInfo();
        if (userInfo != null) {
            if (userInfo.contains(":")) {
                throw new Options.UsageException("--redis: the URI holds a password, which every process list would show; "
                    + "put it in a file and give --redis-password-file PATH");
            }
            if (userInfo.isEmpty()) {
                throw new Options.UsageException("--redis " + raw + ": an empty user before '@'");
            }
            user = userInfo;
        }
        int port = uri.getPort() == -1 ? 6379 : uri.getPort();
        if (port < 1 || port > 65535) {
            throw new Options.UsageException("--redis " + raw + ": port " + port + " is not from 1 to 65535");
        }
        int database = database(raw, uri.getPath());
        char[] password = null;
        if (options.has("redis-password-file")) {
            byte[] secret = Options.secretFile("--redis-password-file", options.get("redis-password-file", ""));
            if (secret.length == 0) {
                throw new Options.UsageException("--redis-password-file " + options.get("redis-password-file", "")
                    + ": the file is empty");
            }
            password = new String(secret, StandardCharsets.UTF_8).toCharArray();
        }
        String instanceId = options.has("instance-id") ? options.get("instance-id", "") : null;
        if (instanceId != null && !INSTANCE_ID.matcher(instanceId).matches()) {
            throw new Options.UsageException("--instance-id '" + instanceId
                + "': 1 to 64 letters, digits, '.', '_', ':' or '-'");
        }
        Duration timeout = DEFAULT_TIMEOUT;
        if (options.has("redis-timeout")) {
            timeout = Options.parseDuration("--redis-timeout", options.get("redis-timeout", ""));
            if (timeout.isZero() || timeout.compareTo(MAX_TIMEOUT) > 0) {
                throw new Options.UsageException("--redis-timeout must be above 0s and at most 10s, got "
                    + LauncherFlags.human(timeout));
            }
        }
        return new Settings(scheme.equals("rediss"), host, port, database, user, password, instanceId, timeout);
    }

    private static int database(String raw, @Nullable String path) throws Options.UsageException {
        if (path == null || path.isEmpty() || path.equals("/")) {
            return 0;
        }
        String db = path.substring(1);
        try {
            int number = Integer.parseInt(db);
            if (number >= 0) {
                return number;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw new Options.UsageException("--redis " + raw + ": the database '" + db + "' is not a number from 0 up");
    }

    /** The host name and the listening port: unique per machine and port, and stable across restarts. */
    static String defaultInstanceId(InetSocketAddress listen) {
        String host;
        try {
            host = java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) {
            host = "localhost";
        }
        String id = host.replaceAll("[^A-Za-z0-9._-]", "-") + ":" + listen.getPort();
        return id.length() > 64 ? id.substring(id.length() - 64) : id;
    }
}
