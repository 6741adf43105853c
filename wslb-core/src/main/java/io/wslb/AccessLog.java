package io.wslb;

import static java.util.Objects.requireNonNull;

import io.wslb.spi.Route;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One line per client connection when it ends, and per refused handshake, as a {@link LoadBalancerListener}: the
 * access log of a balancer, in {@code key=value} form that both people and log pipelines read. Add it to a balancer
 * with {@link WebSocketLoadBalancerBuilder#listener}; by default it logs at INFO on the logger
 * {@value #LOGGER_NAME}, so the application's SLF4J binding decides where the lines go.
 *
 * <pre>{@code
 * WebSocketLoadBalancer lb = WebSocketLoadBalancer.builder()
 *     .backend(Backend.of("a", URI.create("ws://127.0.0.1:9101")))
 *     .strategy(BalancingStrategies.roundRobin())
 *     .listener(AccessLog.toLogger())
 *     .build();
 * // time=2026-12-07T17:21:03.123Z event=closed client=10.0.0.7:51234 path=/chat backend=a retries=0 status=101
 * //   handshake_ms=2.418 lifetime_ms=93120.007 up_bytes=5310 down_bytes=88211 up_msgs=41 down_msgs=377
 * //   close=1000 cause=CLIENT_CLOSED
 * }</pre>
 *
 * <p>The fields, always all of them and in this order: {@code time} (when the line was written, UTC),
 * {@code event} ({@code closed} or {@code refused}), {@code client} (the client's address, after trusted proxies;
 * with the port when it is the TCP peer), {@code path} (without the query, which may carry secrets),
 * {@code backend} (the last one tried, {@code -} when none), {@code retries}, {@code status} (101, the refusal's
 * status, or 0 when the client left unanswered), {@code handshake_ms} (from the start of routing to the 101 or the
 * refusal), {@code lifetime_ms}, {@code up_bytes} and {@code up_msgs} (client to backend), {@code down_bytes} and
 * {@code down_msgs} (backend to client), {@code close} (the close code the client got or sent, {@code -} for a
 * refusal) and {@code cause} (a {@link CloseCause} or a {@link RejectCause}). A value with a space, a quote, an
 * equals sign or a control character is quoted and escaped, so a line always splits the same way.
 */
public final class AccessLog implements LoadBalancerListener {

    /** The SLF4J logger of {@link #toLogger()}. */
    public static final String LOGGER_NAME = "io.wslb.access";

    /** Longest path written; a longer one is cut and ends with {@code ...}, so that a client cannot bloat the log. */
    static final int MAX_PATH = 256;

    private final Consumer<String> sink;
    private final Clock clock;

    private AccessLog(Consumer<String> sink, Clock clock) {
        this.sink = sink;
        this.clock = clock;
    }

    /** @return an access log writing each line at INFO on the logger {@value #LOGGER_NAME} */
    public static AccessLog toLogger() {
        Logger log = LoggerFactory.getLogger(LOGGER_NAME);
        return new AccessLog(line -> log.info(line), Clock.systemUTC());
    }

    /**
     * @param lines receives each line (without a line break) on the thread that ended the connection: it must be
     *     quick and must not block, for example a bounded queue drained by a writer thread
     * @return an access log writing to {@code lines}
     */
    public static AccessLog to(Consumer<String> lines) {
        return new AccessLog(requireNonNull(lines, "lines"), Clock.systemUTC());
    }

    /**
     * @param clock where the {@code time} field comes from (tests pass a fixed one)
     * @return a copy of this access log with that clock
     */
    public AccessLog withClock(Clock clock) {
        return new AccessLog(sink, requireNonNull(clock, "clock"));
    }

    @Override
    public void onClosed(Route route, ConnectionEnd end) {
        StringBuilder line = start("closed", route.request());
        line.append(" backend=");
        value(line, route.backend().id());
        line.append(" retries=").append(route.attempt() - 1).append(" status=101");
        millis(line.append(" handshake_ms="), route.handshakeTime());
        millis(line.append(" lifetime_ms="), route.lifetime());
        line.append(" up_bytes=").append(end.bytesFromClient()).append(" down_bytes=").append(end.bytesFromBackend())
            .append(" up_msgs=").append(end.messagesFromClient()).append(" down_msgs=").append(end.messagesFromBackend())
            .append(" close=").append(end.closeCode()).append(" cause=").append(end.cause());
        sink.accept(line.toString());
    }

    @Override
    public void onRejected(Rejection rejection) {
        StringBuilder line = start("refused", rejection.request());
        line.append(" backend=");
        value(line, rejection.backend().orElse("-"));
        line.append(" retries=").append(Math.max(0, rejection.attempts() - 1)).append(" status=").append(rejection.status());
        millis(line.append(" handshake_ms="), rejection.handshakeTime());
        line.append(" lifetime_ms=0.000 up_bytes=0 down_bytes=0 up_msgs=0 down_msgs=0 close=- cause=").append(rejection.cause());
        sink.accept(line.toString());
    }

    private StringBuilder start(String event, HandshakeRequest request) {
        StringBuilder line = new StringBuilder(256);
        line.append("time=").append(Instant.now(clock)).append(" event=").append(event).append(" client=");
        InetAddress client = request.clientAddress();
        InetSocketAddress peer = request.remoteAddress();
        String host = client.getHostAddress();
        line.append(client.equals(peer.getAddress()) ? (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + peer.getPort() : host);
        line.append(" path=");
        String path = request.path();
        value(line, path.length() > MAX_PATH ? path.substring(0, MAX_PATH) + "..." : path);
        return line;
    }

    private static void millis(StringBuilder line, Duration duration) {
        line.append(String.format(Locale.ROOT, "%.3f", duration.toNanos() / 1e6));
    }

    /** Appends a value as is when it is a plain token, else quoted with backslash escapes. */
    static void value(StringBuilder line, String value) {
        boolean plain = !value.isEmpty();
        for (int i = 0; i < value.length() && plain; i++) {
            char c = value.charAt(i);
            plain = c > 0x20 && c < 0x7F && c != '"' && c != '=' && c != '\\';
        }
        if (plain) {
            line.append(value);
            return;
        }
        line.append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '"' || c == '\\') {
                line.append('\\').append(c);
            } else if (c < 0x20 || c == 0x7F) {
                line.append(String.format(Locale.ROOT, "\\x%02x", (int) c));
            } else {
                line.append(c);
            }
        }
        line.append('"');
    }

    @Override
    public String toString() {
        return "AccessLog{" + sink + "}";
    }
}
