package io.wslb.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.Meter;
import io.wslb.OutlierDetection;
import io.wslb.jetty.testing.Closer;
import io.wslb.jetty.testing.EchoBackend;
import io.wslb.micrometer.testing.Lab;
import io.wslb.testing.Frame;
import io.wslb.testing.RawWebSocketConnection;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The gauges of a backend's state and weight, of panic mode, and the meters of backends joining and leaving. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class BackendStateTest {

    private final Closer closer = new Closer();

    @AfterEach
    void stop() throws Exception {
        closer.close();
    }

    private static double state(Lab lab, String backend, String state) {
        return lab.gauge("wslb.backend.state", "backend", backend, "state", state);
    }

    @Test
    void aKilledBackend_movesFromHealthyToEjected_countsItsFailure_andThePoolPanics() throws Exception {
        EchoBackend a = closer.add(EchoBackend.start("a"));
        Lab lab = closer.add(Lab.start(builder -> builder.backend(a.backend())
            .outlierDetection(OutlierDetection.of(1, Duration.ofMinutes(1), Duration.ofMinutes(5), 1.0))));
        lab.connect("/").close();
        assertThat(state(lab, "a", "healthy")).isEqualTo(1);
        assertThat(state(lab, "a", "ejected")).isZero();
        assertThat(lab.gauge("wslb.backend.weight.effective", "backend", "a")).isEqualTo(1);
        assertThat(lab.gauge("wslb.panic")).isZero();

        a.kill();
        assertThat(lab.handshake("/").status()).isEqualTo(502);

        assertThat(state(lab, "a", "ejected")).isEqualTo(1);
        assertThat(state(lab, "a", "healthy")).isZero();
        assertThat(state(lab, "a", "unhealthy")).isZero();
        assertThat(state(lab, "a", "draining")).isZero();
        assertThat(lab.count("wslb.backend.attempts.failed", "backend", "a")).isEqualTo(1);
        assertThat(lab.gauge("wslb.panic")).as("no backend is healthy").isEqualTo(1);
    }

    @Test
    void aBackendMarkedUnhealthy_isShownUnhealthy_withNoEffectiveWeight() throws Exception {
        EchoBackend a = closer.add(EchoBackend.start("a"));
        EchoBackend b = closer.add(EchoBackend.start("b"));
        Lab lab = closer.add(Lab.start(builder -> builder.backend(a.backend()).backend(b.backend())));

        lab.balancer().pool().markUnhealthy("a");
        lab.connect("/").close();
        lab.connect("/").close();

        assertThat(state(lab, "a", "unhealthy")).isEqualTo(1);
        assertThat(state(lab, "a", "healthy")).isZero();
        assertThat(lab.gauge("wslb.backend.weight.effective", "backend", "a")).isZero();
        assertThat(lab.gauge("wslb.backend.weight.effective", "backend", "b")).isEqualTo(1);
        assertThat(lab.count("wslb.handshakes", "outcome", "upgraded")).isEqualTo(2);
        assertThat(lab.gauge("wslb.panic")).as("b is healthy").isZero();
    }

    @Test
    void aDrainingBackend_isShownDraining_withNoEffectiveWeight_andItsConnectionsCloseAsDrained() throws Exception {
        EchoBackend a = closer.add(EchoBackend.start("a"));
        Lab lab = closer.add(Lab.start(builder -> builder.backend(a.backend())));
        RawWebSocketConnection client = lab.connect("/");
        client.send(Frame.text("relayed both ways"));
        client.readMessage();

        lab.balancer().pool().drain("a", Duration.ZERO);

        assertThat(state(lab, "a", "draining")).isEqualTo(1);
        assertThat(state(lab, "a", "healthy")).isZero();
        assertThat(lab.gauge("wslb.backend.weight.effective", "backend", "a")).isZero();
        Frame close = client.awaitCloseFrame(Duration.ofSeconds(5));
        assertThat(close.closeCode().getAsInt()).isEqualTo(1012);
        client.send(Frame.close(1012, ""));
        await().atMost(Duration.ofSeconds(5))
            .until(() -> lab.count("wslb.connections.closed", "backend", "a", "cause", "drained", "code_class", "1xxx") == 1);
        assertThat(lab.gauge("wslb.backend.connections.open", "backend", "a")).isZero();
    }

    @Test
    void aBackendAddedUnderSlowStart_getsItsMeters_andRampsUpItsEffectiveWeight() throws Exception {
        EchoBackend a = closer.add(EchoBackend.start("a"));
        EchoBackend b = closer.add(EchoBackend.start("b"));
        Lab lab = closer.add(Lab.start(builder -> builder.backend(a.backend()).slowStart(Duration.ofMinutes(10))));
        assertThat(lab.metersOf("b")).isEmpty();

        lab.balancer().pool().add(b.backend().withWeight(10));
        lab.connect("/").close();

        assertThat(lab.gauge("wslb.backend.weight", "backend", "b")).isEqualTo(10);
        double ramping = lab.gauge("wslb.backend.weight.effective", "backend", "b");
        assertThat(ramping).as("10 % to 100 % of its weight while it ramps up over 10 minutes").isBetween(1.0, 2.0);
        assertThat(state(lab, "b", "healthy")).isEqualTo(1);
        await().atMost(Duration.ofSeconds(5)).until(() -> lab.gauge("wslb.connections.open") == 0);
        assertThat(lab.gauge("wslb.backend.connections.open", "backend", "b")).isZero();
    }

    @Test
    void aRemovedBackend_losesItsGaugesAtOnce_andItsOtherMetersWhenItsLastConnectionCloses() throws Exception {
        EchoBackend a = closer.add(EchoBackend.start("a"));
        EchoBackend b = closer.add(EchoBackend.start("b"));
        Lab lab = closer.add(Lab.start(builder -> builder.backend(a.backend())));
        RawWebSocketConnection onA = lab.connect("/");
        lab.connect("/").close();
        await().atMost(Duration.ofSeconds(5)).until(() -> lab.gauge("wslb.backend.connections.open", "backend", "a") == 1);
        lab.balancer().pool().add(b.backend());
        assertThat(lab.metersOf("a")).extracting(m -> m.getId().getName()).contains("wslb.backend.state", "wslb.backend.weight.effective",
            "wslb.backend.connections.open", "wslb.backend.connect.duration", "wslb.connection.lifetime");

        lab.balancer().pool().remove("a");

        assertThat(lab.metersOf("a")).extracting(m -> m.getId().getName())
            .doesNotContain("wslb.backend.state", "wslb.backend.weight.effective", "wslb.backend.weight", "wslb.backend.attempts.failed")
            .contains("wslb.backend.connections.open");
        assertThat(lab.gauge("wslb.backend.connections.open", "backend", "a")).as("its connection stays open").isEqualTo(1);

        onA.send(Frame.close(1000, "bye"));
        onA.awaitCloseFrame(Duration.ofSeconds(5));
        await().atMost(Duration.ofSeconds(5)).until(() -> lab.metersOf("a").isEmpty());
        assertThat(lab.gauge("wslb.connections.open")).isZero();
        assertThat(lab.metersOf("b")).extracting(Meter::getId).isNotEmpty();
    }
}
