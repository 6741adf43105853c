package io.wslb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wslb.spi.RouterTest;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class WebSocketLoadBalancerBuilderTest {

    static final BalancingStrategy FIRST = (candidates, context) -> candidates.get(0);

    @Test
    void build_withoutAStrategy_failsNamingTheSetting() {
        assertThatThrownBy(() -> WebSocketLoadBalancer.builder().build())
            .isInstanceOf(IllegalStateException.class).hasMessageContaining("strategy is required");
    }

    @Test
    void affinity_withoutAStore_andAStoreWithoutAffinity_areRejected() {
        assertThatThrownBy(() -> WebSocketLoadBalancer.builder().strategy(FIRST).affinity(r -> "k").build())
            .hasMessageContaining("needs a sessionStore");
        assertThatThrownBy(() -> WebSocketLoadBalancer.builder().strategy(FIRST).sessionStore(new RouterTest.MapStore()).build())
            .hasMessageContaining("stores no keys");
    }

    @Test
    void aKeyResolver_needsNoStore_whenTheStrategyHashesTheKey() {
        BalancingStrategy hashing = new BalancingStrategy() {
            @Override
            public LiveBackend pick(java.util.List<LiveBackend> candidates, RoutingContext context) {
                return candidates.get(Math.floorMod(String.valueOf(context.affinityKey()).hashCode(), candidates.size()));
            }

            @Override
            public boolean usesAffinityKey() {
                return true;
            }
        };
        WebSocketLoadBalancer lb = WebSocketLoadBalancer.builder().strategy(hashing).affinity(r -> r.header("X-User")).build();
        assertThat(lb.sessionStore()).isNull();
        assertThatThrownBy(() -> WebSocketLoadBalancer.builder().strategy(FIRST).affinity(r -> "k").build())
            .hasMessageContaining("or a strategy that hashes the key");
    }

    @Test
    void poolAndBackends_together_areRejected() {
        assertThatThrownBy(() -> WebSocketLoadBalancer.builder().strategy(FIRST)
            .pool(BackendPool.of()).backend(Backend.of("a", URI.create("ws://h:1"))).build())
            .hasMessageContaining("either pool(...) or backend(...)");
    }

    @Test
    void invalidLimitsAndTimeouts_failWhenSet() {
        WebSocketLoadBalancerBuilder builder = WebSocketLoadBalancer.builder();
        Timeouts timeouts = Timeouts.defaults();
        assertThatThrownBy(() -> timeouts.withConnect(Duration.ZERO)).hasMessageContaining("connectTimeout must be positive");
        assertThatThrownBy(() -> timeouts.withIdle(Duration.ofSeconds(-1))).hasMessageContaining("idleTimeout");
        assertThatThrownBy(() -> FrameLimits.ofMaxFrameSize(10)).hasMessageContaining("maxFrameSize");
        assertThatThrownBy(() -> builder.maxAttempts(0)).hasMessageContaining("maxAttempts");
        assertThatThrownBy(() -> FrameLimits.of(1000, 500))
            .hasMessageContaining("below maxFrameSize");
    }

    @Test
    void aMessageLimitAloneBelowTheDefaultFrameLimit_bringsTheFrameLimitDownWithIt() {
        WebSocketLoadBalancer lb = WebSocketLoadBalancer.builder().strategy(FIRST).frameLimits(FrameLimits.ofMaxMessageSize(1L << 20)).build();

        assertThat(lb.frameLimits().maxMessageSize()).isEqualTo(1L << 20);
        assertThat(lb.frameLimits().maxFrameSize()).isEqualTo(1L << 20);
    }

    @Test
    void aMessageLimitAloneAboveTheDefaultFrameLimit_leavesTheFrameLimitAtItsDefault() {
        WebSocketLoadBalancer lb = WebSocketLoadBalancer.builder().strategy(FIRST).frameLimits(FrameLimits.ofMaxMessageSize(32L << 20)).build();

        assertThat(lb.frameLimits().maxMessageSize()).isEqualTo(32L << 20);
        assertThat(lb.frameLimits().maxFrameSize()).isEqualTo(FrameLimits.defaults().maxFrameSize());
    }

    @Test
    void aFrameLimitAloneAboveTheDefaultMessageLimit_raisesTheMessageLimitWithIt() {
        WebSocketLoadBalancer lb = WebSocketLoadBalancer.builder().strategy(FIRST).frameLimits(FrameLimits.ofMaxFrameSize(128L << 20)).build();

        assertThat(lb.frameLimits().maxFrameSize()).isEqualTo(128L << 20);
        assertThat(lb.frameLimits().maxMessageSize()).isEqualTo(128L << 20);
    }

    @Test
    void bothLimitsSet_withTheFrameAboveTheMessage_isRefusedNamingBothSettings() {
        assertThatThrownBy(() -> FrameLimits.of(2L << 20, 1L << 20))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("maxMessageSize (1048576)").hasMessageContaining("maxFrameSize (2097152)");
        WebSocketLoadBalancer equal = WebSocketLoadBalancer.builder().strategy(FIRST)
            .frameLimits(FrameLimits.of(1L << 20, 1L << 20)).build();
        assertThat(equal.frameLimits().maxFrameSize()).isEqualTo(equal.frameLimits().maxMessageSize()).isEqualTo(1L << 20);
    }

    @Test
    void defaults_areDocumentedValues() {
        WebSocketLoadBalancer lb = WebSocketLoadBalancer.builder().strategy(FIRST).build();
        assertThat(lb.timeouts().connect()).isEqualTo(Duration.ofSeconds(5));
        assertThat(lb.timeouts().upgrade()).isEqualTo(Duration.ofSeconds(10));
        assertThat(lb.timeouts().idle()).isEqualTo(Duration.ofMinutes(5));
        assertThat(lb.frameLimits().maxFrameSize()).isEqualTo(16L << 20);
        assertThat(lb.frameLimits().maxMessageSize()).isEqualTo(64L << 20);
        assertThat(lb.maxAttempts()).isEqualTo(3);
        assertThat(lb.affinity()).isSameAs(AffinityResolver.none());
        assertThat(lb.sessionStore()).isNull();
    }

    @Test
    void closeTimeout_defaultsTo5s_isSettable_andMustBePositive() {
        assertThat(WebSocketLoadBalancer.builder().strategy(FIRST).build().timeouts().close()).isEqualTo(Duration.ofSeconds(5));
        assertThat(WebSocketLoadBalancer.builder().strategy(FIRST)
            .timeouts(Timeouts.defaults().withClose(Duration.ofMillis(1500))).build().timeouts().close())
            .isEqualTo(Duration.ofMillis(1500));
        assertThatThrownBy(() -> Timeouts.defaults().withClose(Duration.ZERO))
            .hasMessage("closeTimeout must be positive, got PT0S");
        assertThatThrownBy(() -> Timeouts.defaults().withClose(null)).hasMessageContaining("closeTimeout");
    }

    @Test
    void responseHeader_rejectsInjection() {
        assertThatThrownBy(() -> new ResponseHeader("Set-Cookie", "a=b\r\nX-Evil: 1")).hasMessageContaining("control character");
        assertThatThrownBy(() -> new ResponseHeader("Bad Name", "v")).hasMessageContaining("not a token");
        assertThat(new ResponseHeader("X-Ok", "tab\tis fine").value()).contains("\t");
    }
}
