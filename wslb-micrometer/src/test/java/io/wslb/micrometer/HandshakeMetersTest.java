package io.wslb.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.ValueAtPercentile;
import io.wslb.Backend;
import io.wslb.jetty.testing.Closer;
import io.wslb.jetty.testing.EchoBackend;
import io.wslb.micrometer.testing.Lab;
import io.wslb.testing.RawHttpResponse;
import io.wslb.testing.RawWebSocketConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Handshakes by outcome, cause and status; retries; and the timers of a handshake and of its backend. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class HandshakeMetersTest {

    private final Closer closer = new Closer();

    @AfterEach
    void stop() throws Exception {
        closer.close();
    }

    /** @return a backend at a port that refuses connections (it was free a moment ago) */
    private static Backend unreachable(String id) throws Exception {
        try (ServerSocket socket = new ServerSocket(0)) {
            return Backend.of(id, URI.create("ws://127.0.0.1:" + socket.getLocalPort()));
        }
    }

    @Test
    void anUpgradedHandshake_isCounted_andTimedFromRequestTo101_withItsBackendsConnectAndUpgrade() throws Exception {
        EchoBackend a = closer.add(EchoBackend.start("a"));
        Lab lab = closer.add(Lab.start(builder -> builder.backend(a.backend())));

        lab.connect("/");
        lab.connect("/");

        assertThat(lab.count("wslb.handshakes", "outcome", "upgraded", "cause", "none", "status", "101")).isEqualTo(2);
        Timer handshake = lab.timer("wslb.handshake.duration");
        assertThat(handshake.count()).isEqualTo(2);
        assertThat(handshake.totalTime(TimeUnit.NANOSECONDS)).isPositive();
        assertThat(handshake.takeSnapshot().percentileValues()).extracting(ValueAtPercentile::percentile)
            .containsExactly(0.5, 0.95, 0.99);
        Timer connect = lab.timer("wslb.backend.connect.duration", "backend", "a");
        Timer upgrade = lab.timer("wslb.backend.upgrade.duration", "backend", "a");
        assertThat(connect.count()).isEqualTo(2);
        assertThat(connect.totalTime(TimeUnit.NANOSECONDS)).isPositive();
        assertThat(upgrade.count()).isEqualTo(2);
        assertThat(upgrade.totalTime(TimeUnit.NANOSECONDS)).isPositive();
        assertThat(upgrade.max(TimeUnit.NANOSECONDS)).isLessThanOrEqualTo(handshake.max(TimeUnit.NANOSECONDS));
    }

    @Test
    void aHandshakeTheBackendRefuses_isCountedRefused_withItsCauseAndTheBackendsStatus() throws Exception {
        EchoBackend a = closer.add(EchoBackend.start("a"));
        a.refuseUpgrades(403, "refused");
        Lab lab = closer.add(Lab.start(builder -> builder.backend(a.backend())));

        assertThat(lab.handshake("/").status()).isEqualTo(403);

        assertThat(lab.count("wslb.handshakes", "outcome", "refused", "cause", "backend_refused", "status", "403")).isEqualTo(1);
        assertThat(lab.count("wslb.handshakes", "outcome", "upgraded")).isZero();
        assertThat(lab.gauge("wslb.handshakes.pending")).isZero();
        assertThat(lab.gauge("wslb.connections.open")).isZero();
    }

    @Test
    void aPlainRequestOnTheBalancersPath_isCountedRefused_asNotAnUpgrade() throws Exception {
        EchoBackend a = closer.add(EchoBackend.start("a"));
        Lab lab = closer.add(Lab.start(builder -> builder.backend(a.backend())));
        RawWebSocketConnection client = lab.add(RawWebSocketConnection.open(lab.port()));

        client.write("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
        RawHttpResponse answer = client.readResponse();

        assertThat(answer.status()).isEqualTo(426);
        assertThat(lab.count("wslb.handshakes", "outcome", "refused", "cause", "not_an_upgrade", "status", "426")).isEqualTo(1);
    }

    @Test
    void aHandshakeNoBackendCanTake_isCountedFailed_withTheCauseAndThe502() throws Exception {
        Backend dead = unreachable("dead");
        Lab lab = closer.add(Lab.start(builder -> builder.backend(dead).maxAttempts(1)));

        assertThat(lab.handshake("/").status()).isEqualTo(502);

        assertThat(lab.count("wslb.handshakes", "outcome", "failed", "cause", "backend_unreachable", "status", "502")).isEqualTo(1);
        assertThat(lab.count("wslb.backend.retries")).as("one attempt allowed: nothing retried").isZero();
        assertThat(lab.count("wslb.backend.attempts.failed", "backend", "dead")).isEqualTo(1);
        assertThat(lab.gauge("wslb.handshakes.pending")).isZero();
    }

    @Test
    void anAttemptOnADeadBackend_isCountedAsARetryOfThatBackend_andTheHandshakeStillUpgrades() throws Exception {
        Backend dead = unreachable("dead");
        EchoBackend live = closer.add(EchoBackend.start("live"));
        Lab lab = closer.add(Lab.start(builder -> builder.backend(dead).backend(live.backend())));

        lab.connect("/");
        lab.connect("/");

        assertThat(lab.count("wslb.backend.retries", "backend", "dead", "cause", "backend_unreachable")).isEqualTo(1);
        assertThat(lab.count("wslb.backend.retries", "backend", "live")).isZero();
        assertThat(lab.count("wslb.handshakes", "outcome", "upgraded")).isEqualTo(2);
        assertThat(lab.count("wslb.handshakes", "outcome", "failed")).isZero();
        assertThat(lab.gauge("wslb.backend.connections.open", "backend", "live")).isEqualTo(2);
        assertThat(lab.gauge("wslb.handshakes.pending")).isZero();
    }
}
