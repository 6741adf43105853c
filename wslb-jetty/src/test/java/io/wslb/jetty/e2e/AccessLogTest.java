package io.wslb.jetty.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.wslb.AccessLog;
import io.wslb.jetty.testing.Balancers;
import io.wslb.jetty.testing.ClientSocket;
import io.wslb.jetty.testing.Closer;
import io.wslb.jetty.testing.EchoBackend;
import io.wslb.jetty.testing.EchoBackends;
import io.wslb.jetty.testing.EventLog;
import io.wslb.jetty.testing.LoadBalancerProxy;
import io.wslb.jetty.testing.WsClient;
import io.wslb.testing.RawWebSocketConnection;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The access log writes one line with every field for each connection that ends and each refused handshake. */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class AccessLogTest {

    private static final List<String> FIELDS = List.of("time", "event", "client", "path", "backend", "retries", "status",
        "handshake_ms", "lifetime_ms", "up_bytes", "down_bytes", "up_msgs", "down_msgs", "close", "cause");
    private static final Pattern PAIR = Pattern.compile("([a-z_]+)=(\"(?:[^\"\\\\]|\\\\.)*\"|\\S+)");
    private static final Instant NOW = Instant.parse("2026-12-07T03:00:00.250Z");

    private final Closer closer = new Closer();
    private final List<String> lines = new CopyOnWriteArrayList<>();
    private EchoBackend backend;
    private LoadBalancerProxy proxy;

    @BeforeEach
    void start() throws Exception {
        backend = closer.add(EchoBackends.start(1)).get(0);
        AccessLog log = AccessLog.to(lines::add).withClock(Clock.fixed(NOW, ZoneOffset.UTC));
        proxy = closer.add(LoadBalancerProxy.handler("/", Balancers.roundRobin(new EventLog(), backend.backend()).listener(log).build()));
    }

    @AfterEach
    void stop() throws Exception {
        closer.close();
    }

    /** @return the line's fields in order, values unquoted */
    private static Map<String, String> fields(String line) {
        Map<String, String> out = new LinkedHashMap<>();
        Matcher m = PAIR.matcher(line);
        while (m.find()) {
            String v = m.group(2);
            out.put(m.group(1), v.startsWith("\"") ? v.substring(1, v.length() - 1) : v);
        }
        return out;
    }

    private Map<String, String> awaitLine() {
        await().atMost(Duration.ofSeconds(10)).until(() -> !lines.isEmpty());
        assertThat(lines).hasSize(1);
        Map<String, String> fields = fields(lines.get(0));
        assertThat(fields.keySet()).as(lines.get(0)).containsExactlyElementsOf(FIELDS);
        return fields;
    }

    @Test
    void normalClose_writesEveryField() throws Exception {
        WsClient client = closer.add(WsClient.start());
        ClientSocket socket = client.connect(proxy.uri("/chat/room-1?token=secret"));
        assertThat(socket.echo("hello")).isEqualTo("hello");
        assertThat(socket.echo("again")).isEqualTo("again");

        socket.close(1000, "done");

        Map<String, String> f = awaitLine();
        assertThat(f.get("time")).isEqualTo("2026-12-07T03:00:00.250Z");
        assertThat(f.get("event")).isEqualTo("closed");
        assertThat(f.get("client")).matches("127\\.0\\.0\\.1:\\d+");
        assertThat(f.get("path")).as("the query may hold secrets: never logged").isEqualTo("/chat/room-1");
        assertThat(f.get("backend")).isEqualTo(backend.backend().id());
        assertThat(f.get("retries")).isEqualTo("0");
        assertThat(f.get("status")).isEqualTo("101");
        assertThat(Double.parseDouble(f.get("handshake_ms"))).isPositive();
        assertThat(Double.parseDouble(f.get("lifetime_ms"))).isPositive();
        assertThat(Long.parseLong(f.get("up_bytes"))).isPositive();
        assertThat(Long.parseLong(f.get("down_bytes"))).isPositive();
        assertThat(f.get("up_msgs")).isEqualTo("2");
        assertThat(f.get("down_msgs")).isEqualTo("2");
        assertThat(f.get("close")).isEqualTo("1000");
        assertThat(f.get("cause")).isEqualTo("CLIENT_CLOSED");
    }

    @Test
    void backendCrash_writesEveryFieldWithThe1011TheClientGot() throws Exception {
        WsClient client = closer.add(WsClient.start());
        ClientSocket socket = client.connect(proxy.uri("/"));
        assertThat(socket.echo("hello")).isEqualTo("hello");

        backend.kill();
        socket.closed().get(5, TimeUnit.SECONDS);

        Map<String, String> f = awaitLine();
        assertThat(f.get("event")).isEqualTo("closed");
        assertThat(f.get("up_msgs")).isEqualTo("1");
        assertThat(f.get("down_msgs")).isEqualTo("1");
        assertThat(f.get("close")).isEqualTo("1011");
        assertThat(f.get("cause")).isEqualTo("BACKEND_GONE");
    }

    @Test
    void refusedHandshake_writesEveryFieldWithTheStatusAndCause() throws Exception {
        backend.refuseUpgrades(403, "not you");
        RawWebSocketConnection raw = closer.add(RawWebSocketConnection.open(proxy.port()));

        assertThat(raw.upgrade("/private").status()).isEqualTo(403);

        Map<String, String> f = awaitLine();
        assertThat(f.get("event")).isEqualTo("refused");
        assertThat(f.get("path")).isEqualTo("/private");
        assertThat(f.get("backend")).isEqualTo(backend.backend().id());
        assertThat(f.get("retries")).isEqualTo("0");
        assertThat(f.get("status")).isEqualTo("403");
        assertThat(Double.parseDouble(f.get("handshake_ms"))).isPositive();
        assertThat(f.get("lifetime_ms")).isEqualTo("0.000");
        assertThat(f.get("up_bytes")).isEqualTo("0");
        assertThat(f.get("close")).isEqualTo("-");
        assertThat(f.get("cause")).isEqualTo("BACKEND_REFUSED");
    }

    @Test
    void malformedHandshake_isLoggedAsRefusedBeforeAnyBackend() throws Exception {
        RawWebSocketConnection raw = closer.add(RawWebSocketConnection.open(proxy.port()));
        raw.write("GET /x HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Version: 13\r\n\r\n");

        assertThat(raw.readResponse().status()).isEqualTo(400);

        Map<String, String> f = awaitLine();
        assertThat(f.get("event")).isEqualTo("refused");
        assertThat(f.get("backend")).isEqualTo("-");
        assertThat(f.get("status")).isEqualTo("400");
        assertThat(f.get("cause")).isEqualTo("BAD_HANDSHAKE");
    }
}
