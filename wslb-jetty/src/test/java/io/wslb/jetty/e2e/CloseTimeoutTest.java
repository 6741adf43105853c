package io.wslb.jetty.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.wslb.Backend;
import io.wslb.CloseCause;
import io.wslb.jetty.testing.Balancers;
import io.wslb.jetty.testing.Closer;
import io.wslb.jetty.testing.EventLog;
import io.wslb.jetty.testing.LoadBalancerProxy;
import io.wslb.jetty.testing.ScriptedBackend;
import io.wslb.testing.Frame;
import io.wslb.testing.RawWebSocketConnection;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The close timeout: once a close frame has been relayed, a peer that never answers it does not hold both sockets
 * until the idle timeout; both are closed when the close timeout has passed. A closing handshake that completes is
 * not affected, nor is an open connection.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class CloseTimeoutTest {

    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(1);
    /** Generous: the close timeout plus scheduling, far below the 5 minute idle timeout that applied before. */
    private static final Duration WITHIN = Duration.ofSeconds(5);

    private final Closer closer = new Closer();
    private final EventLog events = new EventLog();

    @AfterEach
    void stop() throws Exception {
        closer.close();
    }

    private LoadBalancerProxy proxy(ScriptedBackend backend, Duration closeTimeout) throws Exception {
        return closer.add(LoadBalancerProxy.handler("/", Balancers.roundRobin(events, Backend.of("scripted", backend.uri()))
            .timeouts(Balancers.TIMEOUTS.withClose(closeTimeout)).build()));
    }

    /** Answers the upgrade, reads frames up to the client's close frame, then neither answers nor closes. */
    private static void neverAnswersClose(ScriptedBackend.Peer peer) throws IOException {
        peer.answer101();
        while (peer.readFrame().opcode() != 0x8) {
            // wait for the close frame
        }
        peer.readToEnd();
    }

    /** Answers the upgrade, sends a close frame, then waits for whatever comes, up to the end of stream. */
    private static void closesFirst(ScriptedBackend.Peer peer) throws IOException {
        peer.answer101();
        peer.sendFrame(true, 0x8, closePayload(1000));
        while (peer.readFrame().opcode() != 0x8) {
            // wait for the client's answer
        }
    }

    private static byte[] closePayload(int code) {
        return new byte[] {(byte) (code >> 8), (byte) code};
    }

    @Test
    void aClientCloseTheBackendNeverAnswers_bothSocketsAreClosedAfterTheCloseTimeout() throws Exception {
        ScriptedBackend backend = closer.add(ScriptedBackend.start(path -> CloseTimeoutTest::neverAnswersClose));
        LoadBalancerProxy proxy = proxy(backend, CLOSE_TIMEOUT);
        RawWebSocketConnection client = closer.add(RawWebSocketConnection.open(proxy.port()));
        assertThat(client.upgrade("/").status()).isEqualTo(101);

        long sent = System.nanoTime();
        client.send(Frame.close(1000, "bye"));
        await("the backend received the client's close frame").atMost(WITHIN)
            .until(() -> backend.peers().get(0).frames().stream().anyMatch(f -> f.opcode() == 0x8));

        assertThat(client.discardUntilEndOfStream(WITHIN)).as("the proxy closed the client's socket").isTrue();
        long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sent);
        assertThat(elapsedMillis).as("ms from the client's close frame to the end of its socket, with a 1 s close timeout")
            .isBetween(800L, WITHIN.toMillis());
        assertThat(backend.peers().get(0).ended().get(WITHIN.toMillis(), TimeUnit.MILLISECONDS))
            .as("how the backend connection ended").isEqualTo("eof");
        await().atMost(WITHIN).until(() -> events.closed.size() == 1);
        assertThat(events.closed.get(0).cause()).isEqualTo(CloseCause.CLIENT_CLOSED);
        proxy.awaitNothingOpen();
    }

    @Test
    void aBackendCloseTheClientNeverAnswers_bothSocketsAreClosedAfterTheCloseTimeout() throws Exception {
        ScriptedBackend backend = closer.add(ScriptedBackend.start(path -> CloseTimeoutTest::closesFirst));
        LoadBalancerProxy proxy = proxy(backend, CLOSE_TIMEOUT);
        RawWebSocketConnection client = closer.add(RawWebSocketConnection.open(proxy.port()));
        assertThat(client.upgrade("/").status()).isEqualTo(101);

        Frame close = client.awaitCloseFrame(WITHIN);
        long received = System.nanoTime();
        assertThat(close.closeStatus()).as("the backend's close frame, relayed").isEqualTo(1000);

        // The client never answers: the proxy gives up after the close timeout.
        assertThat(client.discardUntilEndOfStream(WITHIN)).as("the proxy closed the client's socket").isTrue();
        long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - received);
        assertThat(elapsedMillis).as("ms from the relayed close frame to the end of the client's socket, with a 1 s close timeout")
            .isBetween(500L, WITHIN.toMillis());
        assertThat(backend.peers().get(0).ended().get(WITHIN.toMillis(), TimeUnit.MILLISECONDS))
            .as("how the backend connection ended (%s): the proxy closed it, with no answer relayed", backend.peers().get(0)).isEqualTo("eof");
        await().atMost(WITHIN).until(() -> events.closed.size() == 1);
        assertThat(events.closed.get(0).cause()).isEqualTo(CloseCause.BACKEND_CLOSED);
        proxy.awaitNothingOpen();
    }

    @Test
    void aNormalClosingHandshakeStartedByTheClient_isNotDelayedByTheCloseTimeout() throws Exception {
        ScriptedBackend backend = closer.add(ScriptedBackend.start(path -> ScriptedBackend.ECHO));
        LoadBalancerProxy proxy = proxy(backend, Duration.ofSeconds(20));
        RawWebSocketConnection client = closer.add(RawWebSocketConnection.open(proxy.port()));
        assertThat(client.upgrade("/").status()).isEqualTo(101);
        client.send(Frame.text("before closing"));
        assertThat(client.read().text()).isEqualTo("before closing");

        long start = System.nanoTime();
        Frame answer = client.closeNormally();

        assertThat(answer.closeStatus()).isEqualTo(1000);
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start))
            .as("ms for the whole closing handshake, far below the 20 s close timeout").isLessThan(WITHIN.toMillis());
        await().atMost(WITHIN).until(() -> events.closed.size() == 1);
        assertThat(events.closed.get(0).cause()).isEqualTo(CloseCause.CLIENT_CLOSED);
        proxy.awaitNothingOpen();
    }

    @Test
    void aNormalClosingHandshakeStartedByTheBackend_isNotDelayedByTheCloseTimeout() throws Exception {
        ScriptedBackend backend = closer.add(ScriptedBackend.start(path -> CloseTimeoutTest::closesFirst));
        LoadBalancerProxy proxy = proxy(backend, Duration.ofSeconds(20));
        RawWebSocketConnection client = closer.add(RawWebSocketConnection.open(proxy.port()));
        assertThat(client.upgrade("/").status()).isEqualTo(101);

        Frame close = client.awaitCloseFrame(WITHIN);
        long start = System.nanoTime();
        assertThat(client.answerCloseAndAwaitEnd(close, WITHIN)).as("the proxy closed the client's socket").isTrue();

        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start))
            .as("ms from the answer to the end of the socket, far below the 20 s close timeout").isLessThan(WITHIN.toMillis());
        assertThat(backend.peers().get(0).ended().get(WITHIN.toMillis(), TimeUnit.MILLISECONDS))
            .as("the backend got the client's answer and closed").isEqualTo("closed");
        assertThat(backend.peers().get(0).frames()).extracting(ScriptedBackend.Frame::closeCode).containsExactly(1000);
        await().atMost(WITHIN).until(() -> events.closed.size() == 1);
        assertThat(events.closed.get(0).cause()).isEqualTo(CloseCause.BACKEND_CLOSED);
        proxy.awaitNothingOpen();
    }

    @Test
    void anOpenConnection_outlivesTheCloseTimeout() throws Exception {
        ScriptedBackend backend = closer.add(ScriptedBackend.start(path -> ScriptedBackend.ECHO));
        LoadBalancerProxy proxy = proxy(backend, CLOSE_TIMEOUT);
        RawWebSocketConnection client = closer.add(RawWebSocketConnection.open(proxy.port()));
        assertThat(client.upgrade("/").status()).isEqualTo(101);

        await("the backend connection staying open for longer than the close timeout")
            .during(CLOSE_TIMEOUT.multipliedBy(2)).atMost(CLOSE_TIMEOUT.multipliedBy(3))
            .until(() -> !backend.peers().get(0).ended().isDone());

        client.send(Frame.text("still here"));
        Frame echoed = client.read();
        assertThat(new String(echoed.payload(), StandardCharsets.UTF_8)).isEqualTo("still here");
        assertThat(client.closeNormally().closeStatus()).isEqualTo(1000);
        proxy.awaitNothingOpen();
    }
}
