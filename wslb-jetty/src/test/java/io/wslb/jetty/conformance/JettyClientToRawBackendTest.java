package io.wslb.jetty.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import io.wslb.Backend;
import io.wslb.jetty.testing.Balancers;
import io.wslb.jetty.testing.CloseStatus;
import io.wslb.jetty.testing.Closer;
import io.wslb.jetty.testing.EventLog;
import io.wslb.jetty.testing.LoadBalancerProxy;
import io.wslb.jetty.testing.WsClient;
import io.wslb.testing.RawWebSocketConnection;
import io.wslb.testing.RawWebSocketServer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.eclipse.jetty.websocket.api.Session;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;

/**
 * Position B of the Autobahn port: a real Jetty {@code WebSocketClient} (an echo client, as Autobahn's fuzzing
 * server expects of a client under test) connects through the proxy to a raw backend that plays Autobahn's fuzzing
 * server, case by case, unmasked as a server sends, hostile where the case is. The raw backend must receive what
 * Autobahn expects back from a strict client (echoes, pongs, the close), the client must report the close it took
 * part in, and the proxy must let go of every connection afterwards.
 *
 * <p>Where a case breaks a rule the proxy enforces from frame headers (the {@code proxyRefusesAFrame} cases), the
 * proxy, not the client, fails the connection: the raw backend gets the 1002 a strict client would send, and the
 * client, which did nothing wrong, gets 1011 from the proxy (its server, from where it stands, failed).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class JettyClientToRawBackendTest {

    /** What the proxy tells a client whose backend broke a frame rule (CloseCause.BACKEND_PROTOCOL_ERROR). */
    private static final int BACKEND_BROKE_A_RULE = 1011;

    private final Closer closer = new Closer();
    private RawWebSocketServer backend;
    private LoadBalancerProxy proxy;
    private WsClient client;

    @BeforeAll
    void start() throws Exception {
        backend = closer.add(RawWebSocketServer.start());
        proxy = closer.add(LoadBalancerProxy.handler("/", Balancers.roundRobin(new EventLog(), Backend.of("raw", backend.uri())).build()));
        client = closer.add(WsClient.start());
    }

    @AfterAll
    void stop() throws Exception {
        closer.close();
    }

    @TestFactory
    Stream<DynamicNode> autobahn() {
        return AutobahnCases.asTests(this::run);
    }

    private void run(AutobahnCase c) throws Exception {
        StrictEcho echo = new StrictEcho();
        CompletableFuture<Session> connecting = client.jetty().connect(echo, proxy.uri("/"));
        Tester.Outcome outcome;
        try (RawWebSocketConnection ws = backend.accept(Tester.WAIT)) {
            connecting.get(Tester.WAIT.toMillis(), TimeUnit.MILLISECONDS);
            outcome = new Tester(ws).runAndVerify(c);
        }

        CloseStatus seen = echo.closed().get(Tester.WAIT.toMillis(), TimeUnit.MILLISECONDS);
        int clientSent = outcome.close().closeCode().orElse(AutobahnCase.NO_CODE);
        assertThat(seen.code()).as("%s: the close code the client reports (%s)", c.id(), seen)
            .isEqualTo(c.closing().proxyRefusesAFrame() ? BACKEND_BROKE_A_RULE : clientSent);
        proxy.awaitNothingOpen();
    }
}
