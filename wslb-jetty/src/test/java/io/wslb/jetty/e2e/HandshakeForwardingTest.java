package io.wslb.jetty.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.wslb.jetty.testing.BackendConnection;
import io.wslb.jetty.testing.Balancers;
import io.wslb.jetty.testing.ClientSocket;
import io.wslb.jetty.testing.Closer;
import io.wslb.jetty.testing.EchoBackend;
import io.wslb.jetty.testing.EchoBackends;
import io.wslb.jetty.testing.EventLog;
import io.wslb.jetty.testing.LoadBalancerProxy;
import io.wslb.jetty.testing.WsClient;
import io.wslb.testing.RawHttpResponse;
import io.wslb.testing.RawWebSocketConnection;
import java.net.URI;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What the backend sees of the client's upgrade request: end-to-end headers, forwarding headers, path, query. */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class HandshakeForwardingTest {

    private final Closer closer = new Closer();
    private final EventLog events = new EventLog();
    private EchoBackend backend;

    @BeforeEach
    void start() throws Exception {
        backend = closer.add(EchoBackends.start(1)).get(0);
    }

    @AfterEach
    void stop() throws Exception {
        closer.close();
    }

    private LoadBalancerProxy proxyAtRoot() throws Exception {
        return closer.add(LoadBalancerProxy.handler("/", Balancers.roundRobin(events, backend.backend()).build()));
    }

    @Test
    void cookieAuthorizationAndOrigin_reachTheBackendUnchanged() throws Exception {
        LoadBalancerProxy proxy = proxyAtRoot();
        try (RawWebSocketConnection raw = RawWebSocketConnection.open(proxy.port())) {
            RawHttpResponse answer = raw.upgrade("/app",
                "Cookie: session=abc123; theme=dark",
                "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig",
                "Origin: https://app.example.test",
                "X-App-Header: kept as is");
            assertThat(answer.status()).as(answer.toString()).isEqualTo(101);

            BackendConnection.Upgrade seen = backend.upgrades().get(0);
            assertThat(seen.headers("Cookie")).containsExactly("session=abc123; theme=dark");
            assertThat(seen.headers("Authorization")).containsExactly("Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig");
            assertThat(seen.headers("Origin")).containsExactly("https://app.example.test");
            assertThat(seen.headers("X-App-Header")).containsExactly("kept as is");
            assertThat(raw.closeNormally().closeStatus()).isEqualTo(1000);
        }
        proxy.awaitNothingOpen();
    }

    @Test
    void xForwardedFor_isTheClientIp() throws Exception {
        LoadBalancerProxy proxy = proxyAtRoot();
        try (RawWebSocketConnection raw = RawWebSocketConnection.open(proxy.port())) {
            assertThat(raw.upgrade("/").status()).isEqualTo(101);

            BackendConnection.Upgrade seen = backend.upgrades().get(0);
            assertThat(seen.headers("X-Forwarded-For")).containsExactly("127.0.0.1");
            assertThat(seen.headers("X-Forwarded-Proto")).containsExactly("http");
            assertThat(seen.headers("X-Forwarded-Host")).containsExactly("127.0.0.1:" + proxy.port());
            assertThat(seen.headers("Forwarded")).singleElement().asString()
                .contains("for=127.0.0.1").contains("proto=http");
            assertThat(seen.headers("Host")).as("Host names the backend").containsExactly("127.0.0.1:" + backend.port());
            assertThat(raw.closeNormally().closeStatus()).isEqualTo(1000);
        }
        proxy.awaitNothingOpen();
    }

    @Test
    void clientSentXForwardedFor_isReplacedNotAppended() throws Exception {
        LoadBalancerProxy proxy = proxyAtRoot();
        try (RawWebSocketConnection raw = RawWebSocketConnection.open(proxy.port())) {
            assertThat(raw.upgrade("/", "X-Forwarded-For: 6.6.6.6", "Forwarded: for=6.6.6.6").status()).isEqualTo(101);

            BackendConnection.Upgrade seen = backend.upgrades().get(0);
            assertThat(seen.headers("X-Forwarded-For")).containsExactly("127.0.0.1");
            assertThat(String.join(",", seen.headers("Forwarded"))).doesNotContain("6.6.6.6");
            assertThat(raw.closeNormally().closeStatus()).isEqualTo(1000);
        }
        proxy.awaitNothingOpen();
    }

    @Test
    void hopByHopHeaders_areNotForwarded() throws Exception {
        LoadBalancerProxy proxy = proxyAtRoot();
        try (RawWebSocketConnection raw = RawWebSocketConnection.open(proxy.port())) {
            RawHttpResponse answer = raw.upgrade("/",
                "Connection: Upgrade, X-Hop-Secret",
                "X-Hop-Secret: must not pass",
                "Keep-Alive: timeout=5, max=100",
                "Proxy-Authorization: Basic cHJveHk6c2VjcmV0",
                "TE: trailers",
                "X-End-To-End: passes");
            assertThat(answer.status()).as(answer.toString()).isEqualTo(101);

            BackendConnection.Upgrade seen = backend.upgrades().get(0);
            assertThat(seen.headers("X-Hop-Secret")).isEmpty();
            assertThat(seen.headers("Keep-Alive")).isEmpty();
            assertThat(seen.headers("Proxy-Authorization")).isEmpty();
            assertThat(seen.headers("TE")).isEmpty();
            assertThat(String.join(",", seen.headers("Connection"))).doesNotContainIgnoringCase("X-Hop-Secret");
            assertThat(seen.headers("X-End-To-End")).containsExactly("passes");
            assertThat(raw.closeNormally().closeStatus()).isEqualTo(1000);
        }
        proxy.awaitNothingOpen();
    }

    @Test
    void pathBelowTheMountAndQuery_areAppendedToTheBackendPath() throws Exception {
        LoadBalancerProxy proxy = closer.add(LoadBalancerProxy.handler("/ws",
            Balancers.roundRobin(events, backend.backend("/base")).build()));
        WsClient client = closer.add(WsClient.start());

        ClientSocket socket = client.connect(proxy.uri("/ws/room?x=1"));

        BackendConnection.Upgrade seen = backend.upgrades().get(0);
        assertThat(seen.path()).isEqualTo("/base/room");
        assertThat(seen.query()).isEqualTo("x=1");
        assertThat(socket.echo("in the room")).isEqualTo("in the room");
        socket.close(1000, "done");
        proxy.awaitNothingOpen();
    }

    @Test
    void mountPathItself_reachesTheBackendBasePath() throws Exception {
        LoadBalancerProxy proxy = closer.add(LoadBalancerProxy.handler("/ws",
            Balancers.roundRobin(events, backend.backend("/base")).build()));
        try (RawWebSocketConnection raw = RawWebSocketConnection.open(proxy.port())) {
            assertThat(raw.upgrade("/ws?a=b%20c&d").status()).isEqualTo(101);

            BackendConnection.Upgrade seen = backend.upgrades().get(0);
            assertThat(seen.path()).isEqualTo("/base");
            assertThat(seen.query()).isEqualTo("a=b%20c&d");
            assertThat(raw.closeNormally().closeStatus()).isEqualTo(1000);
        }
        proxy.awaitNothingOpen();
    }

    @ParameterizedTest
    @ValueSource(strings = {"/ws/../ws/x", "/ws/a/../../ws/b", "/ws/room/../../ws/admin"})
    void dotSegmentsInTheClientPath_cannotEscapeTheBackendBasePath(String path) throws Exception {
        LoadBalancerProxy proxy = closer.add(LoadBalancerProxy.handler("/ws",
            Balancers.roundRobin(events, backend.backend("/base")).build()));
        try (RawWebSocketConnection raw = RawWebSocketConnection.open(proxy.port())) {
            RawHttpResponse answer = raw.upgrade(path);

            if (answer.status() == 101) {
                String seen = backend.upgrades().get(0).path();
                String resolved = URI.create("http://backend" + seen).normalize().getPath();
                assertThat(resolved).as("backend path %s (as received: %s) for client path %s", resolved, seen, path)
                    .startsWith("/base/");
                assertThat(raw.closeNormally().closeStatus()).isEqualTo(1000);
            } else {
                assertThat(answer.status()).as(answer.toString()).isBetween(400, 499);
            }
        }
        proxy.awaitNothingOpen();
    }

    @Test
    void percentEncodingOfThePath_isKeptAsReceived() throws Exception {
        LoadBalancerProxy proxy = closer.add(LoadBalancerProxy.handler("/ws",
            Balancers.roundRobin(events, backend.backend("/base")).build()));
        try (RawWebSocketConnection raw = RawWebSocketConnection.open(proxy.port())) {
            assertThat(raw.upgrade("/ws/a%20b/caf%C3%A9?q=%26x").status()).isEqualTo(101);

            assertThat(backend.upgrades().get(0).path()).isEqualTo("/base/a%20b/caf%C3%A9");
            assertThat(backend.upgrades().get(0).query()).isEqualTo("q=%26x");
            assertThat(raw.closeNormally().closeStatus()).isEqualTo(1000);
        }
        proxy.awaitNothingOpen();
    }

    @Test
    void clientsSecWebSocketKey_isForwardedSoTheAcceptStaysValidEndToEnd() throws Exception {
        LoadBalancerProxy proxy = proxyAtRoot();
        try (RawWebSocketConnection raw = RawWebSocketConnection.open(proxy.port())) {
            String key = RawWebSocketConnection.newKey();
            raw.write(raw.upgradeRequest("/", key));
            RawHttpResponse answer = raw.readResponse();

            assertThat(answer.status()).isEqualTo(101);
            assertThat(answer.headers("Sec-WebSocket-Accept")).containsExactly(RawWebSocketConnection.acceptFor(key));
            assertThat(backend.upgrades().get(0).headers("Sec-WebSocket-Key")).containsExactly(key);
            assertThat(raw.closeNormally().closeStatus()).isEqualTo(1000);
        }
        proxy.awaitNothingOpen();
    }

    @Test
    void requestOutsideTheMountPath_isLeftToTheNextHandlerAndNeverProxied() throws Exception {
        LoadBalancerProxy proxy = closer.add(LoadBalancerProxy.handler("/ws",
            Balancers.roundRobin(events, backend.backend("/base")).build()));
        try (RawWebSocketConnection raw = RawWebSocketConnection.open(proxy.port())) {
            RawHttpResponse answer = raw.upgrade("/wsx/room");

            assertThat(answer.status()).as(answer.toString()).isEqualTo(404);
        }
        assertThat(backend.tcpConnections()).isZero();
    }
}
