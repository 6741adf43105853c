package io.wslb.jetty.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.wslb.CloseCause;
import io.wslb.jetty.testing.BackendConnection;
import io.wslb.jetty.testing.Balancers;
import io.wslb.jetty.testing.ClientSocket;
import io.wslb.jetty.testing.CloseStatus;
import io.wslb.jetty.testing.Closer;
import io.wslb.jetty.testing.EchoBackend;
import io.wslb.jetty.testing.EchoBackends;
import io.wslb.jetty.testing.EventLog;
import io.wslb.jetty.testing.LoadBalancerProxy;
import io.wslb.jetty.testing.WsClient;
import io.wslb.testing.Frame;
import io.wslb.testing.RawWebSocketConnection;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Close codes and reasons pass through both ways; the proxy's own closes carry the documented codes. */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class CloseCodesTest {

    private final Closer closer = new Closer();
    private final EventLog events = new EventLog();
    private EchoBackend backend;
    private WsClient client;

    @BeforeEach
    void start() throws Exception {
        backend = closer.add(EchoBackends.start(1)).get(0);
        client = closer.add(WsClient.start());
    }

    @AfterEach
    void stop() throws Exception {
        closer.close();
    }

    private LoadBalancerProxy proxy(Duration idleTimeout) throws Exception {
        return closer.add(LoadBalancerProxy.handler("/",
            Balancers.roundRobin(events, backend.backend()).timeouts(Balancers.TIMEOUTS.withIdle(idleTimeout)).build()));
    }

    @Test
    void clientCloseCodeAndReason_reachTheBackend() throws Exception {
        LoadBalancerProxy proxy = proxy(Duration.ofMinutes(1));
        ClientSocket socket = client.connect(proxy.uri("/"));
        assertThat(socket.echo("before close")).isEqualTo("before close");

        CloseStatus clientSaw = socket.close(4001, "client says bye");

        BackendConnection seen = backend.connections().get(0);
        assertThat(seen.closed().get(5, TimeUnit.SECONDS)).isEqualTo(new CloseStatus(4001, "client says bye"));
        assertThat(clientSaw.code()).as("the backend's echo of the close").isEqualTo(4001);
        proxy.awaitNothingOpen();
        assertThat(events.closed).singleElement().extracting(EventLog.Closed::cause).isEqualTo(CloseCause.CLIENT_CLOSED);
    }

    @Test
    void backendCloseCodeAndReason_reachTheClient() throws Exception {
        LoadBalancerProxy proxy = proxy(Duration.ofMinutes(1));
        ClientSocket socket = client.connect(proxy.uri("/"));
        assertThat(socket.echo("before close")).isEqualTo("before close");

        backend.connections().get(0).close(4002, "backend says bye");

        assertThat(socket.closed().get(5, TimeUnit.SECONDS)).isEqualTo(new CloseStatus(4002, "backend says bye"));
        proxy.awaitNothingOpen();
        assertThat(events.closed).singleElement().extracting(EventLog.Closed::cause).isEqualTo(CloseCause.BACKEND_CLOSED);
    }

    @Test
    void idleConnection_isClosedWith1001OnBothSides() throws Exception {
        LoadBalancerProxy proxy = proxy(Duration.ofMillis(500));
        ClientSocket socket = client.connect(proxy.uri("/"));
        assertThat(socket.echo("one message")).isEqualTo("one message");

        CloseStatus clientSaw = socket.closed().get(5, TimeUnit.SECONDS);
        CloseStatus backendSaw = backend.connections().get(0).closed().get(5, TimeUnit.SECONDS);

        assertThat(clientSaw.code()).isEqualTo(1001);
        assertThat(backendSaw.code()).isEqualTo(1001);
        proxy.awaitNothingOpen();
        assertThat(events.closed).singleElement().extracting(EventLog.Closed::cause).isEqualTo(CloseCause.IDLE_TIMEOUT);
    }

    @Test
    void clientVanishingWithoutCloseFrame_givesTheBackendA1001Close() throws Exception {
        LoadBalancerProxy proxy = proxy(Duration.ofMinutes(1));
        RawWebSocketConnection raw = RawWebSocketConnection.open(proxy.port());
        assertThat(raw.upgrade("/").status()).isEqualTo(101);
        raw.send(Frame.text("hi"));
        assertThat(raw.read().text()).isEqualTo("hi");

        raw.abort();

        CloseStatus backendSaw = backend.connections().get(0).closed().get(5, TimeUnit.SECONDS);
        assertThat(backendSaw.code()).isEqualTo(1001);
        proxy.awaitNothingOpen();
        assertThat(events.closed).singleElement().extracting(EventLog.Closed::cause).isEqualTo(CloseCause.CLIENT_GONE);
    }

    @Test
    void stoppingTheProxy_closesClientsAndBackendsWith1001() throws Exception {
        LoadBalancerProxy proxy = proxy(Duration.ofMinutes(1));
        ClientSocket socket = client.connect(proxy.uri("/"));
        assertThat(socket.echo("before stop")).isEqualTo("before stop");

        proxy.stop();

        CloseStatus clientSaw = socket.closed().get(5, TimeUnit.SECONDS);
        CloseStatus backendSaw = backend.connections().get(0).closed().get(5, TimeUnit.SECONDS);
        SoftAssertions.assertSoftly(soft -> {
            soft.assertThat(clientSaw.code()).as("client's close code (1006: no close frame came)").isEqualTo(1001);
            soft.assertThat(backendSaw.code()).as("backend's close code (1006: no close frame came)").isEqualTo(1001);
        });
        proxy.awaitNothingOpen();
    }
}
