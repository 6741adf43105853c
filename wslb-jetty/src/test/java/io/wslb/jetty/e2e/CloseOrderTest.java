package io.wslb.jetty.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.wslb.CloseCause;
import io.wslb.jetty.testing.BackendConnection;
import io.wslb.jetty.testing.Balancers;
import io.wslb.jetty.testing.Closer;
import io.wslb.jetty.testing.EchoBackends;
import io.wslb.jetty.testing.EventLog;
import io.wslb.jetty.testing.LoadBalancerProxy;
import io.wslb.testing.Frame;
import io.wslb.testing.RawWebSocketConnection;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Who closes the TCP connection once a close handshake is over: the proxy closes both sockets as soon as both
 * close frames have passed and one side has ended its stream, as a WebSocket server should (RFC 6455 section
 * 7.1.1: the server closes first). It does not wait for the client's FIN, which a client that follows the RFC
 * only sends after the server's.
 *
 * <p>Each client here keeps its socket open after reading the proxy's end of stream; the connection must still
 * be reported closed. Were the proxy waiting for the client, that would happen only when its 5 s linger ran out,
 * so the reports are awaited for 2 s at most.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class CloseOrderTest {

    private static final Duration BEFORE_THE_LINGER = Duration.ofSeconds(2);

    private final Closer closer = new Closer();
    private final EventLog events = new EventLog();
    private EchoBackends backends;
    private LoadBalancerProxy proxy;

    @BeforeEach
    void start() throws Exception {
        backends = closer.add(EchoBackends.start(1));
        proxy = closer.add(LoadBalancerProxy.handler("/", Balancers.roundRobin(events, backends.members()).build()));
    }

    @AfterEach
    void stop() throws Exception {
        closer.close();
    }

    @Test
    void aClosingHandshakeStartedByTheClient_endsTheConnection_withoutWaitingForTheClientsFin() throws Exception {
        RawWebSocketConnection client = closer.add(RawWebSocketConnection.open(proxy.port()));
        assertThat(client.upgrade("/").status()).isEqualTo(101);

        client.send(Frame.close(1000, "bye"));
        assertThat(client.awaitCloseFrame(Duration.ofSeconds(3)).closeStatus()).isEqualTo(1000);
        assertThat(client.discardUntilEndOfStream(Duration.ofSeconds(3))).as("the proxy closed the TCP connection").isTrue();

        await().atMost(BEFORE_THE_LINGER).until(() -> events.closed.size() == 1);
        assertThat(events.closed.get(0).cause()).isEqualTo(CloseCause.CLIENT_CLOSED);
        proxy.awaitNothingOpen();
    }

    @Test
    void aClosingHandshakeStartedByTheBackend_endsTheConnection_withoutWaitingForTheClientsFin() throws Exception {
        RawWebSocketConnection client = closer.add(RawWebSocketConnection.open(proxy.port()));
        assertThat(client.upgrade("/", "X-Test-Id: backend-closes").status()).isEqualTo(101);

        BackendConnection backend = backends.connectionWith("X-Test-Id", "backend-closes");
        backend.close(1000, "done");
        Frame close = client.awaitCloseFrame(Duration.ofSeconds(3));
        assertThat(close.closeStatus()).isEqualTo(1000);
        client.send(Frame.close(1000, ""));
        assertThat(client.discardUntilEndOfStream(Duration.ofSeconds(3))).as("the proxy closed the TCP connection").isTrue();

        await().atMost(BEFORE_THE_LINGER).until(() -> events.closed.size() == 1);
        assertThat(events.closed.get(0).cause()).isEqualTo(CloseCause.BACKEND_CLOSED);
        assertThat(backend.closed().get(3, TimeUnit.SECONDS).code()).as("the client's answer reached the backend").isEqualTo(1000);
        proxy.awaitNothingOpen();
    }
}
