package io.wslb.jetty.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.wslb.AdmissionLimits;
import io.wslb.RejectCause;
import io.wslb.jetty.testing.Balancers;
import io.wslb.jetty.testing.Closer;
import io.wslb.jetty.testing.EchoBackend;
import io.wslb.jetty.testing.EventLog;
import io.wslb.jetty.testing.LoadBalancerProxy;
import io.wslb.testing.Frame;
import io.wslb.testing.RawHttpResponse;
import io.wslb.testing.RawWebSocketConnection;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A client over its handshake rate gets 429 with Retry-After; its open connections keep working. */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class HandshakeRateTest {

    private final Closer closer = new Closer();
    private final EventLog events = new EventLog();

    @AfterEach
    void stop() throws Exception {
        closer.close();
    }

    @Test
    void aBurstOverTheRate_gets429WithRetryAfter_andTheAcceptedConnectionsKeepWorking() throws Exception {
        EchoBackend backend = closer.add(EchoBackend.start("a"));
        LoadBalancerProxy proxy = closer.add(LoadBalancerProxy.handler("/",
            Balancers.roundRobin(events, backend.backend()).admissionLimits(AdmissionLimits.unlimited().withMaxHandshakesPerClientPerSecond(3))
                .ticker(() -> 42L) // time stands still: the bucket of 3 never refills during the test
                .build()));

        List<RawWebSocketConnection> accepted = new ArrayList<>();
        List<RawHttpResponse> refused = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            RawWebSocketConnection raw = closer.add(RawWebSocketConnection.open(proxy.port()));
            RawHttpResponse response = raw.upgrade("/chat");
            if (response.status() == 101) {
                accepted.add(raw);
            } else {
                refused.add(response);
            }
        }

        assertThat(accepted).hasSize(3);
        assertThat(refused).hasSize(3).allSatisfy(r -> {
            assertThat(r.status()).isEqualTo(429);
            assertThat(r.header("Retry-After")).isEqualTo("1");
        });
        assertThat(events.rejected).extracting(EventLog.Rejected::cause).containsOnly(RejectCause.TOO_MANY_HANDSHAKES);
        assertThat(backend.tcpConnections()).isEqualTo(accepted.size());
        for (RawWebSocketConnection raw : accepted) {
            raw.send(Frame.text("still fine"));
            assertThat(raw.readMessage().text()).isEqualTo("still fine");
        }
    }
}
