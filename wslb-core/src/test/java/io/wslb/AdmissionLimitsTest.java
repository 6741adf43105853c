package io.wslb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class AdmissionLimitsTest {

    @Test
    void aBalancer_isUnlimitedUnlessToldOtherwise() {
        AdmissionLimits limits = WebSocketLoadBalancer.builder().strategy(WebSocketLoadBalancerBuilderTest.FIRST).build()
            .admissionLimits();

        assertThat(limits).isEqualTo(AdmissionLimits.unlimited());
        assertThat(limits.maxConnections()).isEmpty();
        assertThat(limits.maxConnectionsPerClient()).isEmpty();
        assertThat(limits.maxPendingHandshakes()).isEmpty();
        assertThat(limits.maxPendingHandshakesPerClient()).isEmpty();
        assertThat(limits.maxHandshakesPerClientPerSecond()).isEmpty();
    }

    @Test
    void aWither_setsItsLimitOnly() {
        AdmissionLimits limits = AdmissionLimits.unlimited().withMaxConnections(50_000).withMaxHandshakesPerClientPerSecond(20);

        assertThat(limits).isEqualTo(new AdmissionLimits(OptionalInt.of(50_000), OptionalInt.empty(), OptionalInt.empty(),
            OptionalInt.empty(), OptionalInt.of(20)));
    }

    @Test
    void aLimitOfZero_isRefused_pointingToUnlimited() {
        assertThatThrownBy(() -> AdmissionLimits.unlimited().withMaxConnections(0))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessage("maxConnections must be 1 or more (AdmissionLimits.unlimited() has no cap), got 0");
        assertThatThrownBy(() -> AdmissionLimits.unlimited().withMaxHandshakesPerClientPerSecond(0))
            .hasMessageContaining("maxHandshakesPerClientPerSecond must be 1 or more");
        assertThatThrownBy(() -> new AdmissionLimits(null, OptionalInt.empty(), OptionalInt.empty(), OptionalInt.empty(),
            OptionalInt.empty())).isInstanceOf(NullPointerException.class).hasMessage("maxConnections");
        assertThatThrownBy(() -> WebSocketLoadBalancer.builder().admissionLimits(null)).hasMessage("admissionLimits");
    }
}
