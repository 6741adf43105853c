package io.wslb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class FrameLimitsTest {

    @Test
    void defaults_are16MiBFrames_and64MiBMessages() {
        assertThat(FrameLimits.defaults()).isEqualTo(FrameLimits.of(16L << 20, 64L << 20));
        assertThat(WebSocketLoadBalancer.builder().strategy(WebSocketLoadBalancerBuilderTest.FIRST).build().frameLimits())
            .isEqualTo(FrameLimits.defaults());
    }

    @Test
    void aFrameLimitAloneBelowTheDefaultMessageLimit_leavesTheMessageLimitAtItsDefault() {
        assertThat(FrameLimits.ofMaxFrameSize(1L << 20)).isEqualTo(FrameLimits.of(1L << 20, 64L << 20));
    }

    @Test
    void everyLimit_isAtLeastAControlFramesPayload_namingTheSetting() {
        assertThatThrownBy(() -> FrameLimits.ofMaxMessageSize(124)).hasMessage("maxMessageSize must be at least 125 bytes, got 124");
        assertThatThrownBy(() -> FrameLimits.of(124, 1000)).hasMessage("maxFrameSize must be at least 125 bytes, got 124");
        assertThat(FrameLimits.ofMaxMessageSize(125)).isEqualTo(FrameLimits.of(125, 125));
    }

    @Test
    void theBuilder_refusesNoLimits() {
        assertThatThrownBy(() -> WebSocketLoadBalancer.builder().frameLimits(null)).hasMessage("frameLimits");
    }
}
