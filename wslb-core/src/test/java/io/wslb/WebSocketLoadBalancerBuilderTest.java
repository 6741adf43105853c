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
        WebSocketLoadBalancer.Builder builder = WebSocketLoadBalancer.builder();
        assertThatThrownBy(() -> builder.connectTimeout(Duration.ZERO)).hasMessageContaining("connectTimeout must be positive");
        assertThatThrownBy(() -> builder.idleTimeout(Duration.ofSeconds(-1))).hasMessageContaining("idleTimeout");
        assertThatThrownBy(() -> builder.maxFrameSize(10)).hasMessageContaining("maxFrameSize");
        assertThatThrownBy(() -> builder.maxAttempts(0)).hasMessageContaining("maxAttempts");
        assertThatThrownBy(() -> WebSocketLoadBalancer.builder().strategy(FIRST).maxFrameSize(1000).maxMessageSize(500).build())
            .hasMessageContaining("below maxFrameSize");
    }

    @Test
    void aMessageLimitAloneBelowTheDefaultFrameLimit_bringsTheFrameLimitDownWithIt() {
        WebSocketLoadBalancer lb = WebSocketLoadBalancer.builder().strategy(FIRST).maxMessageSize(1L << 20).build();

        assertThat(lb.maxMessageSize()).isEqualTo(1L << 20);
        assertThat(lb.maxFrameSize()).isEqualTo(1L << 20);
    }

    @Test
    void aMessageLimitAloneAboveTheDefaultFrameLimit_leavesTheFrameLimitAtItsDefault() {
        WebSocketLoadBalancer lb = WebSocketLoadBalancer.builder().strategy(FIRST).maxMessageSize(32L << 20).build();

        assertThat(lb.maxMessageSize()).isEqualTo(32L << 20);
        assertThat(lb.maxFrameSize()).isEqualTo(WebSocketLoadBalancer.DEFAULT_MAX_FRAME_SIZE);
    }

    @Test
    void aFrameLimitAloneAboveTheDefaultMessageLimit_raisesTheMessageLimitWithIt() {
        WebSocketLoadBalancer lb = WebSocketLoadBalancer.builder().strategy(FIRST).maxFrameSize(128L << 20).build();

        assertThat(lb.maxFrameSize()).isEqualTo(128L << 20);
        assertThat(lb.maxMessageSize()).isEqualTo(128L << 20);
    }

    @Test
    void bothLimitsSet_withTheFrameAboveTheMessage_isRefusedNamingBothSettings() {
        assertThatThrownBy(() -> WebSocketLoadBalancer.builder().strategy(FIRST)
            .maxMessageSize(1L << 20).maxFrameSize(2L << 20).build())
            .isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("maxMessageSize (1048576)").hasMessageContaining("maxFrameSize (2097152)");
        WebSocketLoadBalancer equal = WebSocketLoadBalancer.builder().strategy(FIRST)
            .maxMessageSize(1L << 20).maxFrameSize(1L << 20).build();
        assertThat(equal.maxFrameSize()).isEqualTo(equal.maxMessageSize()).isEqualTo(1L << 20);
    }

    @Test
    void defaults_areDocumentedValues() {
        WebSocketLoadBalancer lb = WebSocketLoadBalancer.builder().strategy(FIRST).build();
        assertThat(lb.connectTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(lb.upgradeTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(lb.idleTimeout()).isEqualTo(Duration.ofMinutes(5));
        assertThat(lb.maxFrameSize()).isEqualTo(16L << 20);
        assertThat(lb.maxMessageSize()).isEqualTo(64L << 20);
        assertThat(lb.maxAttempts()).isEqualTo(3);
        assertThat(lb.affinity()).isSameAs(AffinityResolver.none());
        assertThat(lb.sessionStore()).isNull();
    }

    @Test
    void closeTimeout_defaultsTo5s_isSettable_andMustBePositive() {
        assertThat(WebSocketLoadBalancer.builder().strategy(FIRST).build().closeTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(WebSocketLoadBalancer.builder().strategy(FIRST).closeTimeout(Duration.ofMillis(1500)).build().closeTimeout())
            .isEqualTo(Duration.ofMillis(1500));
        assertThatThrownBy(() -> WebSocketLoadBalancer.builder().closeTimeout(Duration.ZERO))
            .hasMessage("closeTimeout must be positive, got PT0S");
        assertThatThrownBy(() -> WebSocketLoadBalancer.builder().closeTimeout(null)).hasMessageContaining("closeTimeout");
    }

    @Test
    void httpHeader_rejectsInjection() {
        assertThatThrownBy(() -> new ResponseHeader("Set-Cookie", "a=b\r\nX-Evil: 1")).hasMessageContaining("control character");
        assertThatThrownBy(() -> new ResponseHeader("Bad Name", "v")).hasMessageContaining("not a token");
        assertThat(new ResponseHeader("X-Ok", "tab\tis fine").value()).contains("\t");
    }
}
