package io.wslb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class TimeoutsTest {

    @Test
    void defaults_areTheDocumentedValues_withNoPings() {
        Timeouts defaults = Timeouts.defaults();

        assertThat(defaults.connect()).isEqualTo(Duration.ofSeconds(5));
        assertThat(defaults.upgrade()).isEqualTo(Duration.ofSeconds(10));
        assertThat(defaults.idle()).isEqualTo(Duration.ofMinutes(5));
        assertThat(defaults.close()).isEqualTo(Duration.ofSeconds(5));
        assertThat(defaults.pingInterval()).isZero();
    }

    @Test
    void aWither_changesItsTimeoutOnly() {
        Timeouts changed = Timeouts.defaults().withIdle(Duration.ofMinutes(10)).withPingInterval(Duration.ofSeconds(30));

        assertThat(changed).isEqualTo(new Timeouts(Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofMinutes(10),
            Duration.ofSeconds(5), Duration.ofSeconds(30)));
        assertThat(Timeouts.defaults().withConnect(Duration.ofSeconds(1)).connect()).isEqualTo(Duration.ofSeconds(1));
        assertThat(Timeouts.defaults().withUpgrade(Duration.ofSeconds(2)).upgrade()).isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void invalidTimeouts_failNamingTheSetting() {
        Timeouts defaults = Timeouts.defaults();

        assertThatThrownBy(() -> defaults.withUpgrade(Duration.ZERO)).hasMessage("upgradeTimeout must be positive, got PT0S");
        assertThatThrownBy(() -> defaults.withConnect(null)).isInstanceOf(NullPointerException.class).hasMessage("connectTimeout");
        assertThatThrownBy(() -> defaults.withPingInterval(Duration.ofMillis(99)))
            .hasMessage("pingInterval must be zero (off) or at least 100ms, got PT0.099S");
        assertThat(defaults.withPingInterval(Duration.ofMillis(100)).pingInterval()).isEqualTo(Duration.ofMillis(100));
    }

    @Test
    void theBuilder_takesTheGroup_andRefusesNone() {
        Timeouts timeouts = Timeouts.defaults().withClose(Duration.ofSeconds(1));

        WebSocketLoadBalancer lb = WebSocketLoadBalancer.builder().strategy(WebSocketLoadBalancerBuilderTest.FIRST)
            .timeouts(timeouts).build();

        assertThat(lb.timeouts()).isSameAs(timeouts);
        assertThatThrownBy(() -> WebSocketLoadBalancer.builder().timeouts(null)).hasMessage("timeouts");
    }
}
