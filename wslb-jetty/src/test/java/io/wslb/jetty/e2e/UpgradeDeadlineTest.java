package io.wslb.jetty.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.wslb.Backend;
import io.wslb.RejectCause;
import io.wslb.WebSocketLoadBalancer;
import io.wslb.jetty.testing.Balancers;
import io.wslb.jetty.testing.Closer;
import io.wslb.jetty.testing.EventLog;
import io.wslb.jetty.testing.LoadBalancerProxy;
import io.wslb.jetty.testing.RawBackend;
import io.wslb.jetty.testing.ScriptedBackend;
import io.wslb.testing.Frame;
import io.wslb.testing.RawHttpResponse;
import io.wslb.testing.RawWebSocketConnection;
import java.io.EOFException;
import java.io.IOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The upgrade timeout is a deadline for the whole backend handshake (from the connect to the complete response
 * head), not an idle timeout that every byte restarts; and a response head over the size limit is refused at once.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class UpgradeDeadlineTest {

    /** The pace of a dripping backend: well under the upgrade timeouts below, so no idle timer ever fires. */
    private static final Duration DRIP = Duration.ofMillis(200);

    private final Closer closer = new Closer();
    private final EventLog events = new EventLog();

    @AfterEach
    void stop() throws Exception {
        closer.close();
    }

    private LoadBalancerProxy proxy(WebSocketLoadBalancer lb) throws Exception {
        return closer.add(LoadBalancerProxy.handler("/", lb));
    }

    /**
     * Sends a valid 101 one byte at a time, {@link #DRIP} apart (about 25 s for the whole head), then echoes. Between
     * bytes it waits by reading, so that it sees the proxy close the connection (recorded as "eof").
     */
    private static void drip101(ScriptedBackend.Peer peer) throws IOException {
        String head = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: "
            + RawWebSocketConnection.acceptFor(RawBackend.keyOf(peer.head())) + "\r\n\r\n";
        for (byte b : head.getBytes(StandardCharsets.ISO_8859_1)) {
            peer.write(new byte[] {b});
            waitForTheProxy(peer.socket(), DRIP);
        }
        peer.readToEnd();
    }

    /** Waits {@code pace} for anything from the proxy; end of stream means it closed the connection. */
    private static void waitForTheProxy(Socket socket, Duration pace) throws IOException {
        socket.setSoTimeout((int) pace.toMillis());
        try {
            if (socket.getInputStream().read() < 0) {
                throw new EOFException("the proxy closed the connection");
            }
            throw new IOException("the proxy sent data before the backend's 101");
        } catch (SocketTimeoutException paceElapsed) {
            // nothing from the proxy: go on dripping
        } finally {
            if (!socket.isClosed()) {
                socket.setSoTimeout(0);
            }
        }
    }

    @Test
    void aBackendThatDripsIts101_isCutAtTheUpgradeTimeoutWith504AndItsSocketClosed() throws Exception {
        ScriptedBackend dripping = closer.add(ScriptedBackend.start(path -> UpgradeDeadlineTest::drip101));
        LoadBalancerProxy proxy = proxy(Balancers.roundRobin(events, Backend.of("drip", dripping.uri()))
            .timeouts(Balancers.TIMEOUTS.withUpgrade(Duration.ofSeconds(1))).maxAttempts(1).build());

        try (RawWebSocketConnection raw = RawWebSocketConnection.open(proxy.port())) {
            long start = System.nanoTime();
            RawHttpResponse answer = raw.upgrade("/");
            long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

            assertThat(answer.status()).as(answer.toString()).isEqualTo(504);
            assertThat(elapsedMillis).as("ms to the answer, with a 1 s upgrade timeout").isBetween(800L, 4000L);
            assertThat(raw.discardUntilEndOfStream(Duration.ofSeconds(3))).as("the client's socket closed after the 504").isTrue();
        }
        ScriptedBackend.Peer peer = dripping.peers().get(0);
        assertThat(peer.ended().get(3, TimeUnit.SECONDS)).as("how the backend connection ended").isEqualTo("eof");
        assertThat(events.rejected).singleElement().isEqualTo(new EventLog.Rejected("/", RejectCause.BACKEND_TIMEOUT, 504));
        proxy.awaitNothingOpen();
    }

    @Test
    void aBackendThatDripsIts101_isCutAndTheNextBackendServesWhileAttemptsRemain() throws Exception {
        ScriptedBackend dripping = closer.add(ScriptedBackend.start(path -> UpgradeDeadlineTest::drip101));
        ScriptedBackend prompt = closer.add(ScriptedBackend.start(path -> ScriptedBackend.ECHO));
        LoadBalancerProxy proxy = proxy(Balancers.roundRobin(events, Backend.of("drip", dripping.uri()), Backend.of("prompt", prompt.uri()))
            .timeouts(Balancers.TIMEOUTS.withUpgrade(Duration.ofSeconds(1))).maxAttempts(2).build());

        // Two clients in turn: round robin offers the dripping backend first to at least one of them.
        for (int i = 0; i < 2; i++) {
            try (RawWebSocketConnection raw = RawWebSocketConnection.open(proxy.port())) {
                long start = System.nanoTime();
                RawHttpResponse answer = raw.upgrade("/");
                long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

                assertThat(answer.status()).as(answer.toString()).isEqualTo(101);
                assertThat(elapsedMillis).as("ms to the 101, with a 1 s upgrade timeout").isLessThan(4000L);
                raw.send(Frame.text("hello " + i));
                assertThat(raw.read().text()).isEqualTo("hello " + i);
                raw.closeNormally();
            }
        }

        assertThat(dripping.peers()).as("connections the dripping backend got").isNotEmpty();
        for (ScriptedBackend.Peer peer : dripping.peers()) {
            assertThat(peer.ended().get(3, TimeUnit.SECONDS)).as("how %s ended", peer).isEqualTo("eof");
        }
        assertThat(prompt.peers()).hasSize(2);
        assertThat(events.retried).isNotEmpty().containsOnly(new EventLog.Retried("drip", RejectCause.BACKEND_TIMEOUT));
        assertThat(events.opened).containsExactly("prompt", "prompt");
        proxy.awaitNothingOpen();
    }

    /** A response head of over 20 KiB with {@code statusLine}, left unfinished: the proxy must decide by its size alone. */
    private static ScriptedBackend.Script bloatedHead(String statusLine) {
        return peer -> {
            StringBuilder head = new StringBuilder(statusLine).append("\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n");
            head.append("Sec-WebSocket-Accept: ").append(RawWebSocketConnection.acceptFor(RawBackend.keyOf(peer.head()))).append("\r\n");
            String pad = "x".repeat(1000);
            for (int i = 0; i < 20; i++) {
                head.append("X-Pad-").append(i).append(": ").append(pad).append("\r\n");
            }
            peer.write(head.toString());
            peer.readToEnd();
        };
    }

    private void assertRefusedAtOnceWith502(ScriptedBackend bloated) throws Exception {
        LoadBalancerProxy proxy = proxy(Balancers.roundRobin(events, Backend.of("bloated", bloated.uri()))
            .timeouts(Balancers.TIMEOUTS.withUpgrade(Duration.ofSeconds(10))).maxAttempts(1).build());

        try (RawWebSocketConnection raw = RawWebSocketConnection.open(proxy.port())) {
            long start = System.nanoTime();
            RawHttpResponse answer = raw.upgrade("/");
            long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

            assertThat(answer.status()).as(answer.toString()).isEqualTo(502);
            assertThat(elapsedMillis).as("ms to the answer, well before the 10 s upgrade timeout").isLessThan(3000L);
        }
        assertThat(bloated.peers().get(0).ended().get(3, TimeUnit.SECONDS)).as("how the backend connection ended").isEqualTo("eof");
        assertThat(events.rejected).singleElement().isEqualTo(new EventLog.Rejected("/", RejectCause.BACKEND_INVALID_RESPONSE, 502));
        proxy.awaitNothingOpen();
    }

    @Test
    void aBackendAnsweringA101HeadOver16KiB_gets502AtOnceNotA504Later() throws Exception {
        assertRefusedAtOnceWith502(closer.add(ScriptedBackend.start(path -> bloatedHead("HTTP/1.1 101 Switching Protocols"))));
    }

    @Test
    void aBackendAnsweringARefusalHeadOver16KiB_gets502AtOnceNotA504Later() throws Exception {
        assertRefusedAtOnceWith502(closer.add(ScriptedBackend.start(path -> bloatedHead("HTTP/1.1 403 Forbidden"))));
    }

    @Test
    void aClientConnectionIdleTimeoutShorterThanTheUpgradeTimeout_getsThe504NotAJetty500() throws Exception {
        ScriptedBackend silent = closer.add(ScriptedBackend.start(path -> ScriptedBackend.SILENT));
        LoadBalancerProxy proxy = proxy(Balancers.roundRobin(events, Backend.of("silent", silent.uri()))
            .timeouts(Balancers.TIMEOUTS.withUpgrade(Duration.ofMillis(2500))).maxAttempts(1).build());
        // The connector's idle timeout (Jetty's default is 30 s) runs out while the backend is being waited for.
        proxy.connector().setIdleTimeout(1000);

        try (RawWebSocketConnection raw = RawWebSocketConnection.open(proxy.port())) {
            long start = System.nanoTime();
            RawHttpResponse answer = raw.upgrade("/");
            long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

            assertThat(answer.status()).as(answer.toString()).isEqualTo(504);
            assertThat(answer.header("Connection")).as(answer.toString()).isEqualToIgnoringCase("close");
            assertThat(elapsedMillis).as("ms to the answer, with a 2.5 s upgrade timeout").isBetween(2000L, 5000L);
            long answered = System.nanoTime();
            assertThat(raw.discardUntilEndOfStream(Duration.ofSeconds(3))).as("the client's socket closed after the 504").isTrue();
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - answered))
                .as("ms from the 504 to the end of the client's socket, below the 1 s idle timeout").isLessThan(900L);
        }
        assertThat(silent.peers().get(0).ended().get(3, TimeUnit.SECONDS)).as("how the backend connection ended").isEqualTo("eof");
        assertThat(events.rejected).singleElement().isEqualTo(new EventLog.Rejected("/", RejectCause.BACKEND_TIMEOUT, 504));
        proxy.awaitNothingOpen();
    }
}
