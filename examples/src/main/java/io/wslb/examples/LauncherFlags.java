package io.wslb.examples;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The {@code proxy} command's flags: their names, the {@code --help} text describing each, and how the library's
 * messages and durations are told back in flag terms ({@code idleTimeout} becomes {@code --idle-timeout}), since the
 * user typed flags.
 *
 * <pre>{@code
 * System.out.print(LauncherFlags.help());
 * }</pre>
 */
final class LauncherFlags {

    static final Set<String> VALUED = Set.of("listen", "backend", "strategy", "hash-balance-factor", "path", "affinity",
        "affinity-fallback", "cookie-secret-file", "jwt-secret-file", "trusted-proxy", "session-ttl",
        "connect-timeout", "upgrade-timeout", "idle-timeout", "max-frame-size", "max-message-size", "max-attempts",
        "close-timeout",
        "max-connections", "max-connections-per-backend", "slow-start", "eject-after", "ejection-time",
        "health-check", "health-interval", "health-timeout", "admin", "admin-token-file", "ping-interval",
        "allowed-origin", "shutdown-window", "max-handshakes-per-ip-per-second", "handshake-timeout",
        "max-connections-per-ip", "max-pending-handshakes", "max-pending-handshakes-per-ip",
        "tls-cert", "tls-key", "keystore", "keystore-password-file", "tls-reload-interval", "tls-engine",
        "tls-resumption", "tls-ticket-keys", "backend-ca", "backend-client-cert", "backend-client-key", "selectors", "accept-queue",
        "redis", "redis-password-file", "instance-id", "redis-timeout", "access-log");
    static final Set<String> FLAGS = Set.of("help", "jwt-unverified", "tls-self-signed", "metrics");

    static String help() {
        return """
            usage: java -jar wslb-examples.jar proxy --backend URI [--backend URI ...] [OPTIONS]

            A WebSocket load balancer in front of existing WebSocket servers. Accepts upgrades on any path
            (or below --path) and appends the client's path and query to the backend URI's path.

              --listen HOST:PORT        address to listen on; port 0 picks a free port (default 127.0.0.1:9203)
              --backend URI[;ATTRS]     a backend, ws:// or wss://; repeat for each backend (at least one).
                                        Attributes after ';': weight=N (0-10000, default 1), id=NAME
                                        (default HOST:PORT), max-connections=N (0: no cap), backup (takes
                                        connections only while no primary backend is healthy),
                                        e.g. 'ws://127.0.0.1:9101;weight=3' or 'ws://10.0.0.9:80;backup'
              --strategy NAME           how a new connection's backend is chosen (default round-robin):
                                          round-robin                 each backend in turn, weights ignored
                                          weighted-round-robin        smooth, in proportion to the weights
                                          random | weighted-random    at random (in proportion to the weights)
                                          least-connections           fewest open connections
                                          weighted-least-connections  fewest open connections per unit of weight
                                          power-of-two                the less loaded of two random backends
                                          consistent-hash             hash of the affinity key (or client address)
              --hash-balance-factor F   with consistent-hash: no backend above F x the mean load (F >= 1, e.g. 1.25)
              --path PATH               mount path, e.g. /ws (default /, every path)
              --affinity KIND           keeps a returning client on its backend (default none):
                                          ip                       the client address (see --trusted-proxy)
                                          cookie[:NAME]            a signed cookie the balancer issues, naming the
                                                                   backend (default name WSLB; no session store)
                                          app-cookie:NAME          the application's own cookie (e.g. JSESSIONID)
                                          header:NAME | query:NAME a request header or query parameter
                                          jwt-claim:HEADER:CLAIM   a claim of the JWT in HEADER (needs
                                                                   --jwt-secret-file or --jwt-unverified)
              --affinity-fallback WHAT  when the affinity names an unavailable backend: repick (default) or reject
                                        (503)
              --cookie-secret-file PATH with --affinity cookie: a file holding the signing secret (32 bytes or
                                        more), shared by balancer instances; default: a random one per process
              --jwt-secret-file PATH    with jwt-claim: verify HS256 tokens with the secret in this file
              --jwt-unverified          with jwt-claim: believe tokens without checking them (only behind a
                                        gateway that verified them)
              --trusted-proxy CIDR      a proxy in front of the balancer whose X-Forwarded-For / Forwarded headers
                                        are believed (repeatable; e.g. 10.0.0.0/8); from others they are replaced
              --session-ttl DURATION    how long an affinity key is remembered after its last use (default 1h).
                                        With consistent-hash, keys are hashed, not remembered, unless this is given
              --connect-timeout DURATION  TCP/TLS connect to a backend, before trying the next (default 5s)
              --upgrade-timeout DURATION  wait for a backend's 101, before trying the next (default 10s)
              --idle-timeout DURATION   close a connection idle both ways for this long (default 5m)
              --close-timeout DURATION  once a close frame has passed, close both sockets if the closing handshake
                                        has not finished within this (default 5s)
              --max-frame-size SIZE     largest frame a client may send, else close 1009 (default 16MiB, or
                                        --max-message-size when only that is given and it is lower)
              --max-message-size SIZE   largest message a client may send, else close 1009 (default 64MiB, or
                                        --max-frame-size when only that is given and it is higher)
              --max-attempts N          backends one connection may try before its 101 (1-10, default 3)
              --max-connections N       most proxied connections at once; beyond: 503 + Retry-After (default:
                                        what the open-files limit fits, 2 descriptors each and a tenth spare,
                                        printed at start; 0: no limit)
              --max-connections-per-backend N
                                        default cap of each backend (a ;max-connections=N above 0 wins); when every
                                        healthy backend is full: 503 + Retry-After (default 0: no cap)
              --slow-start DURATION     a backend added or back to health ramps from 10% to its full share of new
                                        connections over this time (default 0: at once)
              --health-check KIND:PATH  active health check of every backend, off the request path:
                                          http:/health   GET over http(s), healthy on 2xx
                                          ws:/path       a real WebSocket upgrade, then a ping and its pong
                                        3 failures in a row mark a backend unhealthy, 2 successes healthy again
              --health-interval DURATION  time between two checks of a backend, +-10% jitter (default 5s)
              --health-timeout DURATION   how long a check may take (default 2s, at most the interval)
              --handshake-timeout DURATION  a client must send its whole request head within this time of
                                        connecting, else it is cut (slowloris defence, on --admin too;
                                        default 10s; 0: off)
              --max-handshakes-per-ip-per-second N
                                        handshakes one client address may start per second (bursts of N);
                                        beyond: 429 + Retry-After (default 0: no limit; see --trusted-proxy)
              --max-connections-per-ip N  connections one client address may hold, open or being set up;
                                        beyond: 429 + Retry-After (default 0: no cap; see --trusted-proxy)
              --max-pending-handshakes N  handshakes that may wait for a backend's answer at once, all clients
                                        together; beyond: 503 + Retry-After (default 0: no cap)
              --max-pending-handshakes-per-ip N  handshakes one client address may have waiting at once;
                                        beyond: 429 + Retry-After (default 0: no cap)
              --allowed-origin ORIGIN   a browser page origin allowed to connect, e.g. https://chat.example.com
                                        (repeatable); a handshake with another Origin gets 403, one without
                                        an Origin header (not a browser) passes. Default: any origin
              --shutdown-window DURATION  on SIGTERM/SIGINT, new handshakes get 503 at once and open connections
                                        are closed (1001) at moments spread over this window, so that clients
                                        reconnect elsewhere spread out (default 0: all at once)
              --ping-interval DURATION  ping a side (client or backend) that sent nothing for this long; one that
                                        then stays silent another interval is closed as dead (half-open TCP),
                                        the other side gets a close frame (default 0: no pings)
            """ + TlsOptions.SERVER_HELP + TlsOptions.BACKEND_HELP + RedisOptions.HELP + """
              --selectors N             selector threads (1-16); each relays both legs of its tunnels, so they
                                        are the data path (default: half the cores, at least 2)
              --accept-queue N          connections the kernel holds until accepted, for the listener and the
                                        admin API (1-65535; default: net.core.somaxconn, else 511)
              --admin HOST:PORT         serve the admin API (JSON status; POST add, remove, drain, resume,
                                        weight, health; publish to a channel, a backend's clients or all, and
                                        change a connection's channels: see docs/broadcast.md) on this separate
                                        address, e.g. 127.0.0.1:9204, and a live status page for a browser at
                                        its / (backends, rates, drain and resume); a non-loopback address needs
                                        --admin-token-file
              --admin-token-file PATH   require 'Authorization: Bearer TOKEN' on the admin API, TOKEN being the
                                        file's content (16 characters or more); the status page asks for it
              --eject-after N           connect/upgrade failures in a row that eject a backend (passive health;
                                        default 5; 0: never eject)
              --ejection-time DURATION  how long a first ejection lasts; doubles on each repeat, up to 10x
                                        (default 30s). At most half of the backends are ejected at once; with
                                        none healthy, all are offered (panic mode, logged)
              --metrics                 serve the balancer's meters (connections, handshakes, closes, timers, backend
                                        states; the JVM's and the Redis link's) in Prometheus's text format at
                                        /metrics on the --admin address, under its token (needs --admin)
              --access-log stdout|PATH  one line per connection when it ends and per refused handshake (client,
                                        path, backend, retries, handshake time, lifetime, bytes and messages
                                        each way, close code, cause), to standard output or appended to PATH
              --help                    this text

            DURATION: 500ms, 30s, 5m, 2h, 1d or ISO-8601 (PT30S). SIZE: bytes, or with KiB/MiB/GiB.
            Prints 'wslb proxy listening on ws://HOST:PORT/' once ready; stops cleanly on SIGTERM/SIGINT,
            sending close 1001 to every client. A bad flag or an address it cannot listen on is one line on
            stderr naming the flag, and exit status 2.""";
    }

    /** Settings whose names in the library's messages differ from the flag that sets them. */
    private static final Map<String, String> FLAG_OF_SETTING = Map.of(
        "maxHandshakesPerClientPerSecond", "--max-handshakes-per-ip-per-second",
        "maxConnectionsPerClient", "--max-connections-per-ip",
        "maxPendingHandshakesPerClient", "--max-pending-handshakes-per-ip",
        "consecutiveFailures", "--eject-after",
        "baseEjectionTime", "--ejection-time",
        "health check interval", "--health-interval",
        "health check timeout", "--health-timeout",
        "health check path", "--health-check");

    /**
     * Rewrites a library message that names a builder setting ({@code idleTimeout must be positive, got PT0S}) to
     * name the flag instead ({@code --idle-timeout must be positive, got 0s}), since the user typed flags.
     */
    static String flagged(@Nullable String message) {
        String text = message == null ? "" : message;
        for (Map.Entry<String, String> e : FLAG_OF_SETTING.entrySet()) {
            if (text.startsWith(e.getKey() + " ")) {
                text = e.getValue() + text.substring(e.getKey().length());
            }
        }
        java.util.regex.Matcher setting = java.util.regex.Pattern.compile("\\b([a-z]+(?:[A-Z][a-z]*)*)\\b").matcher(text);
        StringBuilder out = new StringBuilder();
        while (setting.find()) {
            String name = setting.group(1);
            String kebab = name.replaceAll("([A-Z])", "-$1").toLowerCase(java.util.Locale.ROOT);
            boolean isFlag = !name.equals(kebab) && VALUED.contains(kebab) || name.equals("path") && setting.start() == 0;
            setting.appendReplacement(out, java.util.regex.Matcher.quoteReplacement(isFlag ? "--" + kebab : name));
        }
        setting.appendTail(out);
        java.util.regex.Matcher iso = java.util.regex.Pattern.compile("\\bPT[0-9HMS.]+\\b").matcher(out.toString());
        StringBuilder human = new StringBuilder();
        while (iso.find()) {
            iso.appendReplacement(human, java.util.regex.Matcher.quoteReplacement(human(Duration.parse(iso.group()))));
        }
        iso.appendTail(human);
        return human.toString();
    }

    /** A duration as the flags take it: {@code 0s}, {@code 500ms}, {@code 1m30s}. */
    static String human(Duration d) {
        if (d.isZero()) {
            return "0s";
        }
        StringBuilder text = new StringBuilder();
        long days = d.toDays();
        if (days > 0) {
            text.append(days).append('d');
        }
        if (d.toHoursPart() > 0) {
            text.append(d.toHoursPart()).append('h');
        }
        if (d.toMinutesPart() > 0) {
            text.append(d.toMinutesPart()).append('m');
        }
        if (d.toSecondsPart() > 0) {
            text.append(d.toSecondsPart()).append('s');
        }
        if (d.toMillisPart() > 0) {
            text.append(d.toMillisPart()).append("ms");
        }
        return text.length() == 0 ? d.toString() : text.toString();
    }

    private LauncherFlags() {}
}
