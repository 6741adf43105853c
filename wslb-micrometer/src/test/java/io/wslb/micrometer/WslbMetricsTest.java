package io.wslb.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.wslb.WebSocketLoadBalancer;
import io.wslb.jetty.testing.Closer;
import io.wslb.jetty.testing.EchoBackend;
import io.wslb.micrometer.testing.Lab;
import io.wslb.strategies.BalancingStrategies;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The settings of WslbMetrics, and how it binds: per balancer, to one registry or several. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class WslbMetricsTest {

    private final Closer closer = new Closer();

    @AfterEach
    void stop() throws Exception {
        closer.close();
    }

    @Test
    void theBuilder_refusesATagKeyTheMetersSetThemselves_andPercentilesOutsideZeroToOne_namingThem() {
        assertThatThrownBy(() -> WslbMetrics.builder().tag("backend", "x"))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("tag key 'backend'").hasMessageContaining("reserved");
        assertThatThrownBy(() -> WslbMetrics.builder().tag(" ", "x"))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("tag key must not be blank");
        assertThatThrownBy(() -> WslbMetrics.builder().percentiles(0.5, 99))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("percentiles must be from 0 to 1").hasMessageContaining("99");
        assertThatThrownBy(() -> WslbMetrics.builder().percentiles(Double.NaN))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("percentiles");
    }

    @Test
    void oneInstance_measuresOneBalancer_andGivesItTheSameBinderEveryTime() throws Exception {
        EchoBackend a = closer.add(EchoBackend.start("a"));
        WslbMetrics metrics = WslbMetrics.create();
        WebSocketLoadBalancer first = WebSocketLoadBalancer.builder().backend(a.backend())
            .strategy(BalancingStrategies.roundRobin()).listener(metrics.listener()).build();
        WebSocketLoadBalancer second = WebSocketLoadBalancer.builder().backend(a.backend())
            .strategy(BalancingStrategies.roundRobin()).build();

        assertThat(metrics.binder(first)).isSameAs(metrics.binder(first));
        assertThat(metrics.listener()).isSameAs(metrics.listener());
        assertThatThrownBy(() -> metrics.binder(second))
            .isInstanceOf(IllegalStateException.class).hasMessageContaining("one WslbMetrics per balancer");
    }

    @Test
    void eventsAreRecordedOncePerRegistry_inEveryRegistryBound_evenWhenOneIsBoundTwice() throws Exception {
        EchoBackend a = closer.add(EchoBackend.start("a"));
        Lab lab = closer.add(Lab.start(builder -> builder.backend(a.backend())));
        SimpleMeterRegistry other = new SimpleMeterRegistry();
        lab.metrics().binder(lab.balancer()).bindTo(lab.registry());
        lab.metrics().binder(lab.balancer()).bindTo(other);

        lab.connect("/");

        assertThat(lab.count("wslb.handshakes", "outcome", "upgraded")).isEqualTo(1);
        assertThat(other.get("wslb.handshakes").tag("outcome", "upgraded").counter().count()).isEqualTo(1);
        assertThat(other.get("wslb.connections.open").gauge().value()).isEqualTo(1);
        assertThat(other.get("wslb.backend.connections.open").tag("backend", "a").gauge().value()).isEqualTo(1);
    }

    @Test
    void extraTags_areOnEveryMeter_andPercentilesFollowTheSetting() throws Exception {
        EchoBackend a = closer.add(EchoBackend.start("a"));
        WslbMetrics metrics = WslbMetrics.builder().tag("instance", "lb-7").percentiles(0.9).build();
        Lab lab = closer.add(Lab.start(metrics, new SimpleMeterRegistry(), builder -> builder.backend(a.backend())));

        lab.connect("/").close();

        assertThat(lab.registry().getMeters()).isNotEmpty()
            .allSatisfy(meter -> assertThat(meter.getId().getTag("instance")).as(meter.getId().getName()).isEqualTo("lb-7"));
        Timer handshake = lab.timer("wslb.handshake.duration");
        assertThat(handshake.takeSnapshot().percentileValues()).singleElement()
            .satisfies(p -> assertThat(p.percentile()).isEqualTo(0.9));
    }
}
