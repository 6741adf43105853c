package io.wslb.jetty.e2e.abuse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.wslb.Backend;
import io.wslb.RejectCause;
import io.wslb.WebSocketLoadBalancerBuilder;
import io.wslb.jetty.testing.Balancers;
import io.wslb.jetty.testing.EventLog;
import io.wslb.jetty.testing.ScriptedBackend;
import io.wslb.testing.Fault;
import io.wslb.testing.FaultProxy;
import io.wslb.testing.RawHttpResponse;
import io.wslb.testing.RawWebSocketConnection;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Backends that refuse, hang, or answer the upgrade with something other than a valid 101, while bystanders echo
 * through the proxy (to the same backend, through a {@link FaultProxy}).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BackendFaultTest extends AbuseTestBase {

    private FaultProxy network;

    @Override
    WebSocketLoadBalancerBuilder balancer(Backend scripted) {
        network = closer.add(FaultProxy.to(new InetSocketAddress("127.0.0.1", scripted.port())));
        return super.balancer(Backend.of("scripted", URI.create("ws://127.0.0.1:" + network.port())))
            .timeouts(Balancers.TIMEOUTS.withUpgrade(Duration.ofMillis(500))).maxAttempts(1);
    }

    @Test
    void aBackendRefusingConnections_gives502_whileItsOpenConnectionsAreServed() throws Exception {
        int rejectedBefore = events.rejected.size();
        network.set(Fault.REFUSE);
        Map<Integer, RawHttpResponse> answers = new LinkedHashMap<>();
        for (int i = 0; i < 20; i++) {
            try (RawWebSocketConnection raw = RawWebSocketConnection.open(proxy.port())) {
                answers.put(i, raw.upgrade("/refused"));
            }
        }
        harness.duringAbuse();
        network.set(Fault.PASS);

        assertThat(answers).allSatisfy((i, answer) -> assertThat(answer.status()).as(answer.toString()).isEqualTo(502));
        assertThat(events.rejected.subList(rejectedBefore, events.rejected.size())).hasSize(20)
            .extracting(EventLog.Rejected::cause).containsOnly(RejectCause.BACKEND_UNREACHABLE);
        try (RawWebSocketConnection raw = RawWebSocketConnection.open(proxy.port())) {
            assertThat(raw.upgrade("/back").status()).as("once the backend listens again").isEqualTo(101);
            assertThat(raw.closeNormally().closeStatus()).isEqualTo(1000);
        }
    }

    @Test
    void aBackendThatAcceptsButNeverAnswers_gives504_andTheProxyClosesItsSocket() throws Exception {
        scripts.put("/hang", ScriptedBackend.SILENT);
        Map<Integer, RawHttpResponse> answers = new LinkedHashMap<>();
        for (int i = 0; i < 10; i++) {
            try (RawWebSocketConnection raw = RawWebSocketConnection.open(proxy.port())) {
                answers.put(i, raw.upgrade("/hang"));
            }
        }
        harness.duringAbuse();

        assertThat(answers).allSatisfy((i, answer) -> assertThat(answer.status()).as(answer.toString()).isEqualTo(504));
        assertThat(backend.peers("/hang")).hasSize(10).allSatisfy(peer -> {
            await("the proxy closes the hung attempt").atMost(Duration.ofSeconds(10)).until(() -> peer.ended().isDone());
            assertThat(peer.ended().join()).as("how the backend saw its connection end").isEqualTo("eof");
        });
    }

    /** Answers other than 101 where a 101 was due: each must give the client a 502. */
    private static Map<String, ScriptedBackend.Script> notA101() {
        Map<String, ScriptedBackend.Script> answers = new LinkedHashMap<>();
        answers.put("/302", peer -> {
            peer.write("HTTP/1.1 302 Found\r\nLocation: http://elsewhere.example/\r\nContent-Length: 0\r\n\r\n");
            peer.readToEnd();
        });
        answers.put("/301-without-length", peer -> {
            peer.write("HTTP/1.1 301 Moved Permanently\r\nLocation: /elsewhere\r\n\r\n");
            peer.readToEnd();
        });
        answers.put("/307-with-body", peer -> {
            peer.write("HTTP/1.1 307 Temporary Redirect\r\nLocation: /elsewhere\r\nContent-Length: 4\r\n\r\nmove");
            peer.readToEnd();
        });
        answers.put("/100", peer -> {
            peer.write("HTTP/1.1 100 Continue\r\n\r\n");
            peer.readToEnd();
        });
        answers.put("/103", peer -> {
            peer.write("HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n");
            peer.readToEnd();
        });
        answers.put("/102-then-101", peer -> {
            peer.write("HTTP/1.1 102 Processing\r\n\r\n");
            peer.answer101();
            peer.readToEnd();
        });
        return answers;
    }

    /** 101 answers that fail the proxy's check (not offered, wrong accept value): each must give the client a 502. */
    private static Map<String, ScriptedBackend.Script> invalid101() {
        Map<String, ScriptedBackend.Script> answers = new LinkedHashMap<>();
        answers.put("/extension-not-offered", peer -> {
            peer.answer101("Sec-WebSocket-Extensions: x-evil-compress");
            peer.readToEnd();
        });
        answers.put("/permessage-deflate-not-offered", peer -> {
            peer.answer101("Sec-WebSocket-Extensions: permessage-deflate");
            peer.readToEnd();
        });
        answers.put("/another-extension-than-offered", peer -> {
            peer.answer101("Sec-WebSocket-Extensions: x-webkit-deflate-frame");
            peer.readToEnd();
        });
        answers.put("/subprotocol-not-offered", peer -> {
            peer.answer101("Sec-WebSocket-Protocol: admin");
            peer.readToEnd();
        });
        answers.put("/wrong-accept", peer -> {
            peer.write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: "
                + RawWebSocketConnection.acceptFor(RawWebSocketConnection.newKey()) + "\r\n\r\n");
            peer.readToEnd();
        });
        return answers;
    }

    @Test
    void a3xxOrAnother1xxInsteadOf101_gets502_andTheBackendSocketIsClosed() throws Exception {
        assertEachGets502AndTheBackendReadsEof(notA101());
    }

    @Test
    void a101SelectingAnExtensionTheClientDidNotOffer_orFailingAnotherCheck_gets502_andTheBackendSocketIsClosed() throws Exception {
        assertEachGets502AndTheBackendReadsEof(invalid101());
    }

    private void assertEachGets502AndTheBackendReadsEof(Map<String, ScriptedBackend.Script> invalid) throws Exception {
        scripts.putAll(invalid);
        Map<String, RawHttpResponse> answers = new LinkedHashMap<>();
        for (String path : invalid.keySet()) {
            try (RawWebSocketConnection raw = RawWebSocketConnection.open(proxy.port())) {
                answers.put(path, path.equals("/another-extension-than-offered")
                    ? raw.upgrade(path, "Sec-WebSocket-Extensions: permessage-deflate") : raw.upgrade(path));
            }
        }
        harness.duringAbuse();

        assertThat(answers).allSatisfy((path, answer) -> {
            assertThat(answer.status()).as(path + ": " + answer).isEqualTo(502);
            assertThat(answer.header("Sec-WebSocket-Accept")).as(path).isNull();
        });
        for (String path : invalid.keySet()) {
            ScriptedBackend.Peer peer = backend.peers(path).get(0);
            await(path + ": the proxy closes the backend socket").atMost(Duration.ofSeconds(10)).until(() -> peer.ended().isDone());
            assertThat(peer.ended().join()).as(path + ": the backend's read returned end of stream").isEqualTo("eof");
            assertThat(peer.bytesAfterHead()).as(path + ": bytes the backend received after the upgrade request").isZero();
        }
    }
}
