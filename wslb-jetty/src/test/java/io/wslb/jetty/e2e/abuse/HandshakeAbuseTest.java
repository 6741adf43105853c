package io.wslb.jetty.e2e.abuse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.wslb.Backend;
import io.wslb.RejectCause;
import io.wslb.WebSocketLoadBalancerBuilder;
import io.wslb.jetty.testing.Balancers;
import io.wslb.jetty.testing.EventLog;
import io.wslb.jetty.testing.ScriptedBackend;
import io.wslb.testing.Frame;
import io.wslb.testing.RawHttpResponse;
import io.wslb.testing.RawWebSocketConnection;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.http.UriCompliance;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Malformed, smuggling and premature handshakes, sent over raw sockets while bystanders echo through the proxy:
 * each gets its exact answer, and no backend sees any of it.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HandshakeAbuseTest extends AbuseTestBase {

    private static final String KEY = "dGhlIHNhbXBsZSBub25jZQ==";
    private static final String UPGRADE = "Upgrade: websocket\r\nConnection: Upgrade\r\n";

    /** One kind of malformed handshake: the request ({host} is replaced) and the exact status it must get. */
    private record Malformed(String what, int status, String request) {}

    private static List<Malformed> malformed() {
        String valid = "Sec-WebSocket-Key: " + KEY + "\r\nSec-WebSocket-Version: 13\r\n";
        return List.of(
            new Malformed("POST instead of GET", 400, "POST /m HTTP/1.1\r\nHost: {host}\r\n" + UPGRADE + valid + "Content-Length: 0\r\n\r\n"),
            new Malformed("PUT instead of GET", 400, "PUT /m HTTP/1.1\r\nHost: {host}\r\n" + UPGRADE + valid + "Content-Length: 0\r\n\r\n"),
            new Malformed("HTTP/1.0", 400, "GET /m HTTP/1.0\r\nHost: {host}\r\n" + UPGRADE + valid + "\r\n"),
            new Malformed("no Host", 400, "GET /m HTTP/1.1\r\n" + UPGRADE + valid + "\r\n"),
            new Malformed("no Sec-WebSocket-Key", 400, "GET /m HTTP/1.1\r\nHost: {host}\r\n" + UPGRADE + "Sec-WebSocket-Version: 13\r\n\r\n"),
            new Malformed("Sec-WebSocket-Key of 10 bytes", 400,
                "GET /m HTTP/1.1\r\nHost: {host}\r\n" + UPGRADE + "Sec-WebSocket-Key: dGhlIHNhbXBsZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"),
            new Malformed("Sec-WebSocket-Key of 17 bytes", 400,
                "GET /m HTTP/1.1\r\nHost: {host}\r\n" + UPGRADE + "Sec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAAAAA=\r\nSec-WebSocket-Version: 13\r\n\r\n"),
            new Malformed("Sec-WebSocket-Key not base64", 400,
                "GET /m HTTP/1.1\r\nHost: {host}\r\n" + UPGRADE + "Sec-WebSocket-Key: !!!!!!!!!!!!!!!!!!!!!!==\r\nSec-WebSocket-Version: 13\r\n\r\n"),
            new Malformed("two Sec-WebSocket-Keys", 400,
                "GET /m HTTP/1.1\r\nHost: {host}\r\n" + UPGRADE + "Sec-WebSocket-Key: " + KEY + "\r\n" + valid + "\r\n"),
            new Malformed("Sec-WebSocket-Version 8", 426,
                "GET /m HTTP/1.1\r\nHost: {host}\r\n" + UPGRADE + "Sec-WebSocket-Key: " + KEY + "\r\nSec-WebSocket-Version: 8\r\n\r\n"),
            new Malformed("no Sec-WebSocket-Version", 426,
                "GET /m HTTP/1.1\r\nHost: {host}\r\n" + UPGRADE + "Sec-WebSocket-Key: " + KEY + "\r\n\r\n"),
            new Malformed("a body with Content-Length", 400,
                "GET /m HTTP/1.1\r\nHost: {host}\r\n" + UPGRADE + valid + "Content-Length: 5\r\n\r\nhello"),
            new Malformed("a chunked body", 400,
                "GET /m HTTP/1.1\r\nHost: {host}\r\n" + UPGRADE + valid + "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"),
            new Malformed("h2c upgrade", 426,
                "GET /m HTTP/1.1\r\nHost: {host}\r\nUpgrade: h2c\r\nConnection: Upgrade, HTTP2-Settings\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n\r\n"),
            new Malformed("h2c offered beside websocket", 400,
                "GET /m HTTP/1.1\r\nHost: {host}\r\nUpgrade: h2c, websocket\r\nConnection: Upgrade\r\n" + valid + "\r\n"),
            new Malformed("Connection without Upgrade", 400,
                "GET /m HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: keep-alive\r\n" + valid + "\r\n"));
    }

    @Override
    WebSocketLoadBalancerBuilder balancer(Backend scripted) {
        // Long enough that a client check (every second) always comes before the backend upgrade times out.
        return super.balancer(scripted).timeouts(Balancers.TIMEOUTS.withUpgrade(Duration.ofSeconds(30)));
    }

    private RawHttpResponse exchange(String request) throws Exception {
        try (RawWebSocketConnection raw = RawWebSocketConnection.open(proxy.port())) {
            raw.write(request.replace("{host}", host()));
            return raw.readResponse();
        }
    }

    @Test
    void everyKindOfMalformedHandshake_sentInBulk_getsItsExactStatus_andNoBackendIsContacted() throws Exception {
        long backendConnectionsBefore = backend.accepted();
        int chosenBefore = events.chosen.size();
        List<Malformed> kinds = malformed();
        Map<String, AtomicInteger> answered = new ConcurrentHashMap<>();
        List<String> wrong = new CopyOnWriteArrayList<>();
        AtomicInteger stop = new AtomicInteger();
        ExecutorService flood = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> senders = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                senders.add(flood.submit(() -> {
                    // At least 5 passes over every kind per thread, and on until the bystanders were checked.
                    for (int pass = 0; pass < 5 || stop.get() == 0; pass++) {
                        for (Malformed kind : kinds) {
                            RawHttpResponse answer;
                            try {
                                answer = exchange(kind.request());
                            } catch (IOException e) {
                                // Recorded, not thrown, so that a failure names the kind and the pass, and the
                                // flood goes on to show whether it happens again.
                                wrong.add(kind.what() + " (pass " + pass + ") -> " + e);
                                continue;
                            }
                            boolean right = answer.status() == kind.status() && answer.header("Sec-WebSocket-Accept") == null
                                && (kind.status() != 426 || kind.what().startsWith("h2c") || "13".equals(answer.header("Sec-WebSocket-Version")));
                            if (!right) {
                                wrong.add(kind.what() + " -> " + answer);
                            }
                            answered.computeIfAbsent(kind.what(), k -> new AtomicInteger()).incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            harness.duringAbuse();
            stop.set(1);
            for (Future<?> sender : senders) {
                sender.get(30, TimeUnit.SECONDS);
            }
        } finally {
            flood.shutdownNow();
        }

        assertThat(wrong).as("answers that were not the expected status (426s with Sec-WebSocket-Version: 13), or no answer").isEmpty();
        assertThat(answered).hasSize(kinds.size()).allSatisfy((what, n) -> assertThat(n.get()).as(what).isGreaterThanOrEqualTo(20));
        assertThat(backend.accepted()).as("TCP connections the backend accepted during the flood").isEqualTo(backendConnectionsBefore);
        assertThat(events.chosen).as("backends chosen during the flood").hasSize(chosenBefore);
    }

    @Test
    void controlCharactersInAClientHeader_getA400_andNeverReachTheBackend() throws Exception {
        long backendConnectionsBefore = backend.accepted();
        // Raw bytes in a header: CR alone, NUL, an obsolete line folding, other control characters.
        Map<String, String> attacks = Map.of(
            "CR inside a value", "X-Evil: a\rX-Injected: yes",
            "NUL inside a value", "X-Evil: a\u0000X-Injected: yes",
            "obsolete line folding", "X-Evil: a\r\n X-Injected: yes",
            "vertical tab", "X-Evil: a\u000bX-Injected: yes",
            "form feed", "X-Evil: a\u000cX-Injected: yes",
            "DEL", "X-Evil: a\u007fX-Injected: yes",
            "CR LF inside a header name", "X-Ev\r\nil: a");
        Map<String, RawHttpResponse> answers = new java.util.TreeMap<>();
        for (Map.Entry<String, String> attack : attacks.entrySet()) {
            try (RawWebSocketConnection raw = RawWebSocketConnection.open(proxy.port())) {
                raw.write(raw.upgradeRequest("/evil", RawWebSocketConnection.newKey(), attack.getValue()));
                answers.put(attack.getKey(), raw.readResponse());
            }
        }
        harness.duringAbuse();

        assertThat(answers).as("answer per attack").allSatisfy((what, answer) -> {
            assertThat(answer.status()).as(what + ": " + answer).isEqualTo(400);
            assertThat(answer.header("Sec-WebSocket-Accept")).isNull();
        });
        assertThat(backend.accepted()).as("TCP connections the backend accepted").isEqualTo(backendConnectionsBefore);
        assertThat(backend.peers("/evil")).isEmpty();
    }

    @Test
    void aBareLfInAHeader_endsTheLine_andTheBackendGetsOnlyWellFormedCrLfLines() throws Exception {
        // RFC 9112 section 2.2 lets a recipient take a bare LF for a line end. Jetty does: the client sent two
        // header lines, and the backend must get both as proper lines, never a LF inside a value.
        try (RawWebSocketConnection raw = RawWebSocketConnection.open(proxy.port())) {
            assertThat(raw.upgrade("/bare-lf", "X-Evil: a\nX-Second: yes").status()).isEqualTo(101);
            harness.duringAbuse();
            assertThat(raw.closeNormally().closeStatus()).isEqualTo(1000);
        }

        String head = backend.peers("/bare-lf").get(0).head();
        assertThat(head).contains("\r\nX-Evil: a\r\nX-Second: yes\r\n");
        assertOnlyCrLfLineEndsAndNoControlCharacters(head);
    }

    /** Every CR is followed by LF, every LF preceded by CR, and no other control character but TAB appears. */
    private static void assertOnlyCrLfLineEndsAndNoControlCharacters(String head) {
        for (int i = 0; i < head.length(); i++) {
            char c = head.charAt(i);
            String where = "at " + i + " of " + head.replace("\r", "<CR>").replace("\n", "<LF>");
            if (c == '\r') {
                assertThat(i + 1 < head.length() && head.charAt(i + 1) == '\n').as("CR not followed by LF " + where).isTrue();
            } else if (c == '\n') {
                assertThat(i > 0 && head.charAt(i - 1) == '\r').as("LF not preceded by CR " + where).isTrue();
            } else {
                assertThat(c != '\t' && (c < 0x20 || c == 0x7F)).as("control character " + (int) c + " " + where).isFalse();
            }
        }
    }

    private HttpConfiguration httpConfiguration() {
        return proxy.connector().getConnectionFactory(HttpConnectionFactory.class).getHttpConfiguration();
    }

    @Test
    void encodedCrLfInTheQuery_reachesTheBackendStillEncoded_andInThePath_isRefusedByJettyOrForwardedEncoded() throws Exception {
        try (RawWebSocketConnection raw = RawWebSocketConnection.open(proxy.port())) {
            assertThat(raw.upgrade("/crlf-query?q=%0D%0AX-Injected:%20yes").status()).isEqualTo(101);
            assertThat(raw.closeNormally().closeStatus()).isEqualTo(1000);
        }
        RawHttpResponse refused;
        try (RawWebSocketConnection raw = RawWebSocketConnection.open(proxy.port())) {
            refused = raw.upgrade("/crlf%0d%0aX-Injected:%20yes");
        }
        // An application may relax Jetty's URI checks: the path then reaches the handler, which forwards it encoded.
        httpConfiguration().setUriCompliance(UriCompliance.UNSAFE);
        try (RawWebSocketConnection raw = RawWebSocketConnection.open(proxy.port())) {
            assertThat(raw.upgrade("/crlf%0d%0aX-Injected:%20yes").status()).isEqualTo(101);
            harness.duringAbuse();
            assertThat(raw.closeNormally().closeStatus()).isEqualTo(1000);
        }

        assertThat(refused.status()).as(refused.toString()).isEqualTo(400);
        assertThat(refused.bodyText()).contains("Suspicious Path Character");
        String queryHead = backend.peers("/crlf-query").get(0).head();
        assertThat(queryHead.lines().findFirst()).contains("GET /crlf-query?q=%0D%0AX-Injected:%20yes HTTP/1.1");
        String pathHead = backend.peers("/crlf%0d%0aX-Injected:%20yes").get(0).head();
        assertThat(pathHead.lines().findFirst()).contains("GET /crlf%0d%0aX-Injected:%20yes HTTP/1.1");
        for (String head : List.of(queryHead, pathHead)) {
            assertThat(head.lines()).noneMatch(line -> line.toLowerCase(java.util.Locale.ROOT).startsWith("x-injected"));
            assertOnlyCrLfLineEndsAndNoControlCharacters(head);
        }
    }

    @Test
    void encodedAndParameterisedDotSegments_sentEndToEnd_get400_andNeverReachTheBackend() throws Exception {
        long backendConnectionsBefore = backend.accepted();
        List<String> paths = List.of("/a/%2e%2e/admin", "/a/%2E%2E/admin", "/a/%2e./admin", "/a/.%2e/admin", "/a/..;x/admin",
            "/a/.;x/admin", "/a/%2e%2e");
        int rejectedBefore = events.rejected.size();
        Map<String, RawHttpResponse> byJetty = upgrades(paths);
        int rejectedByTheHandlerUnderJettysChecks = events.rejected.size() - rejectedBefore;
        // With Jetty's URI checks relaxed by the application, wslb's own path check must still refuse each one.
        httpConfiguration().setUriCompliance(UriCompliance.UNSAFE);
        rejectedBefore = events.rejected.size();
        Map<String, RawHttpResponse> byTheHandler = upgrades(paths);
        int rejectedByTheHandler = events.rejected.size() - rejectedBefore;
        // One that climbs above the root: Jetty refuses it even with its URI checks relaxed.
        RawHttpResponse aboveTheRoot = upgrades(List.of("/%2e%2e/admin")).get("/%2e%2e/admin");
        harness.duringAbuse();

        // Under Jetty's default URI compliance, Jetty refuses them itself, before any handler runs.
        assertThat(byJetty).allSatisfy((path, answer) -> assertThat(answer.status()).as(path + ": " + answer).isEqualTo(400));
        assertThat(rejectedByTheHandlerUnderJettysChecks).as("handshakes that reached wslb's handler").isZero();
        assertThat(aboveTheRoot.status()).as(aboveTheRoot.toString()).isEqualTo(400);
        assertThat(byTheHandler).allSatisfy((path, answer) -> {
            assertThat(answer.status()).as(path + ": " + answer).isEqualTo(400);
            assertThat(answer.bodyText()).as(path).isEqualTo("the request path cannot be forwarded\n");
        });
        assertThat(rejectedByTheHandler).as("rejections reported by the handler").isEqualTo(paths.size());
        assertThat(events.rejected.subList(rejectedBefore, events.rejected.size())).as("rejections reported by the handler")
            .hasSize(paths.size()).extracting(EventLog.Rejected::cause).containsOnly(RejectCause.BAD_HANDSHAKE);
        assertThat(backend.accepted()).as("TCP connections the backend accepted").isEqualTo(backendConnectionsBefore);
    }

    private Map<String, RawHttpResponse> upgrades(List<String> paths) throws Exception {
        Map<String, RawHttpResponse> answers = new java.util.LinkedHashMap<>();
        for (String path : paths) {
            try (RawWebSocketConnection raw = RawWebSocketConnection.open(proxy.port())) {
                answers.put(path, raw.upgrade(path));
            }
        }
        return answers;
    }

    @Test
    void aFrameInTheSameWriteAsTheUpgrade_getsA101ThenClose1002_andNothingIsForwarded() throws Exception {
        try (RawWebSocketConnection raw = RawWebSocketConnection.open(proxy.port())) {
            ByteArrayOutputStream both = new ByteArrayOutputStream();
            both.writeBytes(raw.upgradeRequest("/early", RawWebSocketConnection.newKey()).getBytes(StandardCharsets.ISO_8859_1));
            both.writeBytes(Frame.of(0x1, "too early".getBytes(StandardCharsets.UTF_8)).masked().encode());
            raw.write(both.toByteArray());

            RawHttpResponse answer = raw.readResponse();
            assertThat(answer.status()).as(answer.toString()).isEqualTo(101);
            Frame close = raw.awaitCloseFrame(Duration.ofSeconds(5));
            assertThat(close.closeStatus()).as(close.toString()).isEqualTo(1002);
            harness.duringAbuse();
            assertThat(raw.answerCloseAndAwaitEnd(close, Duration.ofSeconds(5))).as("the proxy closes the socket").isTrue();
        }

        ScriptedBackend.Peer seen = backend.peers("/early").get(0);
        await().atMost(Duration.ofSeconds(5)).until(() -> seen.ended().isDone());
        assertThat(seen.frames()).as("frames the backend received").extracting(ScriptedBackend.Frame::opcode).containsExactly(0x8);
        assertThat(seen.frames().get(0).closeCode()).isEqualTo(1001);
    }

    @Test
    void aFrameSentWhileTheBackendUpgradeIsPending_getsA400_andNothingIsForwarded() throws Exception {
        scripts.put("/pending", ScriptedBackend.SILENT);
        try (RawWebSocketConnection raw = RawWebSocketConnection.open(proxy.port())) {
            raw.write(raw.upgradeRequest("/pending", RawWebSocketConnection.newKey()));
            await().atMost(Duration.ofSeconds(5)).until(() -> !backend.peers("/pending").isEmpty());
            raw.send(Frame.text("too early"));

            RawHttpResponse answer = raw.readResponse();
            assertThat(answer.status()).as(answer.toString()).isEqualTo(400);
            assertThat(answer.header("Sec-WebSocket-Accept")).isNull();
            harness.duringAbuse();
        }

        ScriptedBackend.Peer seen = backend.peers("/pending").get(0);
        await("the proxy closes the backend socket").atMost(Duration.ofSeconds(5)).until(() -> seen.ended().isDone());
        assertThat(seen.ended().join()).isEqualTo("eof");
        assertThat(seen.bytesAfterHead()).as("bytes the backend received after the upgrade request").isZero();
    }
}
