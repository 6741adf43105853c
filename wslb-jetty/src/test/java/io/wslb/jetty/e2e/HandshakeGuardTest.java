package io.wslb.jetty.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.wslb.HandshakeGuard;
import io.wslb.RejectCause;
import io.wslb.jetty.testing.Balancers;
import io.wslb.jetty.testing.Closer;
import io.wslb.jetty.testing.EchoBackend;
import io.wslb.jetty.testing.EventLog;
import io.wslb.jetty.testing.LoadBalancerProxy;
import io.wslb.testing.Frame;
import io.wslb.testing.RawHttpResponse;
import io.wslb.testing.RawWebSocketConnection;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A guard refuses handshakes (401/403) before any backend is contacted; what it lets through is proxied. */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class HandshakeGuardTest {

    private final Closer closer = new Closer();
    private final EventLog events = new EventLog();

    @AfterEach
    void stop() throws Exception {
        closer.close();
    }

    @Test
    void aBearerTokenGuard_answers401WithoutTouchingABackend_andLetsTheRightTokenThrough() throws Exception {
        EchoBackend backend = closer.add(EchoBackend.start("a"));
        HandshakeGuard bearer = request -> "Bearer s3cret".equals(request.header("Authorization"))
            ? HandshakeGuard.allow() : HandshakeGuard.refuse(401, "a valid bearer token is required");
        LoadBalancerProxy proxy = closer.add(LoadBalancerProxy.handler("/",
            Balancers.roundRobin(events, backend.backend()).guard(bearer).build()));

        RawHttpResponse refused;
        try (RawWebSocketConnection raw = RawWebSocketConnection.open(proxy.port())) {
            refused = raw.upgrade("/chat", "Authorization: Bearer wrong");
        }
        assertThat(refused.status()).isEqualTo(401);
        assertThat(refused.bodyText()).contains("a valid bearer token is required");
        assertThat(backend.tcpConnections()).as("no backend contacted").isZero();
        assertThat(events.rejected).extracting(EventLog.Rejected::cause).containsExactly(RejectCause.UNAUTHORIZED);

        try (RawWebSocketConnection raw = RawWebSocketConnection.open(proxy.port())) {
            assertThat(raw.upgrade("/chat", "Authorization: Bearer s3cret").status()).isEqualTo(101);
            raw.send(Frame.text("hello"));
            assertThat(raw.readMessage().text()).isEqualTo("hello");
        }
    }

    @Test
    void anOriginAllowList_answers403ToOtherOrigins_andPassesTheListedOne() throws Exception {
        EchoBackend backend = closer.add(EchoBackend.start("a"));
        LoadBalancerProxy proxy = closer.add(LoadBalancerProxy.handler("/", Balancers.roundRobin(events, backend.backend())
            .guard(HandshakeGuard.originIn(List.of("https://chat.example.com"))).build()));

        try (RawWebSocketConnection raw = RawWebSocketConnection.open(proxy.port())) {
            assertThat(raw.upgrade("/chat", "Origin: https://evil.example").status()).isEqualTo(403);
        }
        assertThat(backend.tcpConnections()).isZero();
        try (RawWebSocketConnection raw = RawWebSocketConnection.open(proxy.port())) {
            assertThat(raw.upgrade("/chat", "Origin: https://chat.example.com").status()).isEqualTo(101);
        }
        assertThat(backend.upgrades()).singleElement()
            .satisfies(u -> assertThat(u.header("Origin")).isEqualTo("https://chat.example.com"));
    }
}
