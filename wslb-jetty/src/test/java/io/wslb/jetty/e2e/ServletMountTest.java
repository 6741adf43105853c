package io.wslb.jetty.e2e;

import static org.assertj.core.api.Assertions.assertThat;

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
import io.wslb.testing.RawHttpResponse;
import io.wslb.testing.RawWebSocketConnection;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The ee10 servlet mount proxies like the core handler. */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class ServletMountTest {

    private final Closer closer = new Closer();
    private final EventLog events = new EventLog();
    private EchoBackend backend;
    private LoadBalancerProxy proxy;

    @BeforeEach
    void start() throws Exception {
        backend = closer.add(EchoBackends.start(1)).get(0);
        proxy = closer.add(LoadBalancerProxy.servlet("/ws/*", Balancers.roundRobin(events, backend.backend("/base")).build()));
    }

    @AfterEach
    void stop() throws Exception {
        closer.close();
    }

    @Test
    void servletMount_proxiesAnEchoAndForwardsThePathInfoAndQuery() throws Exception {
        WsClient client = closer.add(WsClient.start());

        ClientSocket socket = client.connect(proxy.uri("/ws/chat/7?x=1"));

        assertThat(socket.echo("through the servlet")).isEqualTo("through the servlet");
        BackendConnection seen = backend.connections().get(0);
        assertThat(seen.upgrade().path()).isEqualTo("/base/chat/7");
        assertThat(seen.upgrade().query()).isEqualTo("x=1");
        assertThat(seen.upgrade().headers("X-Forwarded-For")).containsExactly("127.0.0.1");
        byte[] bytes = {0, 1, 2, (byte) 0xFF};
        socket.sendBinary(bytes);
        assertThat(socket.nextBinary()).isEqualTo(bytes);

        CloseStatus closed = socket.close(4001, "servlet bye");
        assertThat(closed.code()).isEqualTo(4001);
        assertThat(seen.closed().get(5, TimeUnit.SECONDS)).isEqualTo(new CloseStatus(4001, "servlet bye"));
        proxy.awaitNothingOpen();
    }

    @Test
    void servletMount_rejectsAPlainGetWith426WithoutContactingTheBackend() throws Exception {
        try (RawWebSocketConnection raw = RawWebSocketConnection.open(proxy.port())) {
            raw.write("GET /ws/chat HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
            RawHttpResponse answer = raw.readResponse();

            assertThat(answer.status()).as(answer.toString()).isEqualTo(426);
        }
        assertThat(backend.tcpConnections()).isZero();
    }

    @Test
    void servletMount_relaysABackendRefusal() throws Exception {
        backend.refuseUpgrades(401, "who are you?");
        try (RawWebSocketConnection raw = RawWebSocketConnection.open(proxy.port())) {
            RawHttpResponse answer = raw.upgrade("/ws/chat");

            assertThat(answer.status()).as(answer.toString()).isEqualTo(401);
            assertThat(answer.bodyText()).contains("who are you?");
        }
        proxy.awaitNothingOpen();
    }
}
