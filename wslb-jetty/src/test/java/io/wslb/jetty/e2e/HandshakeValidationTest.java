package io.wslb.jetty.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.wslb.RejectCause;
import io.wslb.jetty.testing.Balancers;
import io.wslb.jetty.testing.Closer;
import io.wslb.jetty.testing.EchoBackend;
import io.wslb.jetty.testing.EchoBackends;
import io.wslb.jetty.testing.EventLog;
import io.wslb.jetty.testing.LoadBalancerProxy;
import io.wslb.testing.Frame;
import io.wslb.testing.RawHttpResponse;
import io.wslb.testing.RawWebSocketConnection;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Bad handshakes are answered by the proxy itself, before any backend is contacted. */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class HandshakeValidationTest {

    private static final String KEY = "dGhlIHNhbXBsZSBub25jZQ==";

    private final Closer closer = new Closer();
    private final EventLog events = new EventLog();
    private EchoBackend backend;
    private LoadBalancerProxy proxy;

    @BeforeEach
    void start() throws Exception {
        backend = closer.add(EchoBackends.start(1)).get(0);
        proxy = closer.add(LoadBalancerProxy.handler("/", Balancers.roundRobin(events, backend.backend()).build()));
    }

    @AfterEach
    void stop() throws Exception {
        closer.close();
    }

    static Stream<Arguments> badHandshakes() {
        String upgrade = "Upgrade: websocket\r\nConnection: Upgrade\r\n";
        return Stream.of(
            Arguments.of("POST instead of GET", 400, RejectCause.BAD_HANDSHAKE,
                "POST / HTTP/1.1\r\nHost: {host}\r\n" + upgrade + "Sec-WebSocket-Key: " + KEY + "\r\nSec-WebSocket-Version: 13\r\nContent-Length: 0\r\n\r\n"),
            Arguments.of("missing Sec-WebSocket-Key", 400, RejectCause.BAD_HANDSHAKE,
                "GET / HTTP/1.1\r\nHost: {host}\r\n" + upgrade + "Sec-WebSocket-Version: 13\r\n\r\n"),
            Arguments.of("Sec-WebSocket-Key of 10 bytes", 400, RejectCause.BAD_HANDSHAKE,
                "GET / HTTP/1.1\r\nHost: {host}\r\n" + upgrade + "Sec-WebSocket-Key: dGhlIHNhbXBsZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"),
            Arguments.of("Sec-WebSocket-Key not base64", 400, RejectCause.BAD_HANDSHAKE,
                "GET / HTTP/1.1\r\nHost: {host}\r\n" + upgrade + "Sec-WebSocket-Key: !!!!!!!!!!!!!!!!!!!!!!==\r\nSec-WebSocket-Version: 13\r\n\r\n"),
            Arguments.of("two Sec-WebSocket-Keys", 400, RejectCause.BAD_HANDSHAKE,
                "GET / HTTP/1.1\r\nHost: {host}\r\n" + upgrade + "Sec-WebSocket-Key: " + KEY + "\r\nSec-WebSocket-Key: " + KEY
                    + "\r\nSec-WebSocket-Version: 13\r\n\r\n"),
            Arguments.of("HTTP/1.0", 400, RejectCause.BAD_HANDSHAKE,
                "GET / HTTP/1.0\r\nHost: {host}\r\n" + upgrade + "Sec-WebSocket-Key: " + KEY + "\r\nSec-WebSocket-Version: 13\r\n\r\n"),
            Arguments.of("a request body", 400, RejectCause.BAD_HANDSHAKE,
                "GET / HTTP/1.1\r\nHost: {host}\r\n" + upgrade + "Sec-WebSocket-Key: " + KEY
                    + "\r\nSec-WebSocket-Version: 13\r\nContent-Length: 5\r\n\r\nhello"),
            // Jetty's HTTP/1.1 connection answers this one itself (before any handler), so no event is expected.
            Arguments.of("Connection without Upgrade", 400, null,
                "GET / HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: keep-alive\r\nSec-WebSocket-Key: " + KEY
                    + "\r\nSec-WebSocket-Version: 13\r\n\r\n"),
            Arguments.of("Sec-WebSocket-Version 8", 426, RejectCause.UNSUPPORTED_VERSION,
                "GET / HTTP/1.1\r\nHost: {host}\r\n" + upgrade + "Sec-WebSocket-Key: " + KEY + "\r\nSec-WebSocket-Version: 8\r\n\r\n"),
            Arguments.of("plain GET without upgrade", 426, RejectCause.NOT_AN_UPGRADE,
                "GET / HTTP/1.1\r\nHost: {host}\r\n\r\n"),
            Arguments.of("h2c upgrade", 426, RejectCause.NOT_AN_UPGRADE,
                "GET / HTTP/1.1\r\nHost: {host}\r\nUpgrade: h2c\r\nConnection: Upgrade, HTTP2-Settings\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n\r\n"));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("badHandshakes")
    void badHandshake_isAnsweredByTheProxyAndNeverReachesABackend(String what, int status, RejectCause cause, String request)
        throws Exception {
        String answerText;
        try (RawWebSocketConnection raw = RawWebSocketConnection.open(proxy.port())) {
            raw.write(request.replace("{host}", "127.0.0.1:" + proxy.port()));
            RawHttpResponse answer = raw.readResponse();
            answerText = answer.toString();

            assertThat(answer.status()).as(what + ": " + answer).isEqualTo(status);
            if (status == 426 && cause == RejectCause.UNSUPPORTED_VERSION) {
                assertThat(answer.header("Sec-WebSocket-Version")).as(answer.toString()).isEqualTo("13");
            }
            assertThat(answer.header("Sec-WebSocket-Accept")).isNull();
        }
        assertThat(backend.tcpConnections()).as("TCP connections the backend accepted").isZero();
        assertThat(events.chosen).as("backends chosen").isEmpty();
        if (cause != null) {
            assertThat(events.rejected).as(what + ": " + answerText).singleElement()
                .extracting(EventLog.Rejected::cause).isEqualTo(cause);
        }
    }

    @Test
    void missingHost_isAnswered400AndNeverReachesABackend() throws Exception {
        try (RawWebSocketConnection raw = RawWebSocketConnection.open(proxy.port())) {
            raw.write("GET / HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + KEY
                + "\r\nSec-WebSocket-Version: 13\r\n\r\n");
            RawHttpResponse answer = raw.readResponse();

            assertThat(answer.status()).as(answer.toString()).isEqualTo(400);
        }
        assertThat(backend.tcpConnections()).isZero();
    }

    @Test
    void validHandshakeAfterBadOnes_stillWorks() throws Exception {
        try (RawWebSocketConnection raw = RawWebSocketConnection.open(proxy.port())) {
            raw.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(raw.readResponse().status()).isEqualTo(426);
        }
        try (RawWebSocketConnection raw = RawWebSocketConnection.open(proxy.port())) {
            assertThat(raw.upgrade("/").status()).isEqualTo(101);
            raw.send(Frame.text("ok"));
            assertThat(raw.read().text()).isEqualTo("ok");
            assertThat(raw.closeNormally().closeStatus()).isEqualTo(1000);
        }
        assertThat(backend.tcpConnections()).isEqualTo(1);
        proxy.awaitNothingOpen();
    }
}
