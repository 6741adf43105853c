package io.wslb.jetty.conformance;


import io.wslb.jetty.testing.Balancers;
import io.wslb.jetty.testing.Closer;
import io.wslb.jetty.testing.EventLog;
import io.wslb.jetty.testing.LoadBalancerProxy;
import io.wslb.testing.RawWebSocketConnection;
import java.net.InetSocketAddress;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;

/**
 * Position A of the Autobahn port: a raw client plays Autobahn's fuzzing client through the proxy to a real Jetty
 * WebSocket echo server ({@link EchoBackend}), case by case; the outcome must be what Autobahn expects of a strict
 * server, and the proxy must let go of every connection afterwards.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RawClientToEchoBackendTest {

    private final Closer closer = new Closer();
    private LoadBalancerProxy proxy;

    @BeforeAll
    void start() throws Exception {
        StrictEchoServer backend = closer.add(StrictEchoServer.start());
        proxy = closer.add(LoadBalancerProxy.handler("/", Balancers.roundRobin(new EventLog(), backend.backend()).build()));
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
        try (RawWebSocketConnection ws = RawWebSocketConnection.connect(new InetSocketAddress("127.0.0.1", proxy.port()), "/")) {
            new Tester(ws).runAndVerify(c);
        }
        proxy.awaitNothingOpen();
    }
}
