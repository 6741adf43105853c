package io.wslb.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import io.wslb.BackendPool;
import io.wslb.OutlierDetection;
import io.wslb.RejectCause;
import io.wslb.Ticker;
import io.wslb.internal.PoolControl;
import io.wslb.internal.PooledBackend;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The pick on its own: the count it takes and gives back, the caps, the retry's end and the slow-start ramp. */
class BackendPickerTest {

    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final BackendPool pool = BackendPool.of(List.of(RouterTest.backend("a"), RouterTest.backend("b")));
    private final PoolControl control = new PoolControl() {
        @Override
        public void refresh() {
        }

        @Override
        public Ticker ticker() {
            return now::get;
        }

        @Override
        public boolean eject(PooledBackend member, Duration time, OutlierDetection policy) {
            return false;
        }
    };

    private BackendPicker picker(int maxConnections, Duration slowStart) {
        return new BackendPicker(pool, control, RouterTest.FIRST, maxConnections, slowStart);
    }

    private PooledBackend member(String id) {
        return (PooledBackend) pool.get(id);
    }

    @Test
    void aPick_takesOneConnectionOnTheChosenBackend_andReleaseGivesItBack() {
        BackendPicker picker = picker(0, Duration.ZERO);

        PooledBackend chosen = picker.pick(RouterTest.REQUEST, null, 1, List.of(), null);

        assertThat(chosen.id()).isEqualTo("a");
        assertThat(chosen.activeConnections()).isEqualTo(1);
        assertThat(picker.open()).isEqualTo(1);
        picker.release(chosen);
        assertThat(chosen.activeConnections()).isZero();
        assertThat(picker.open()).isZero();
    }

    @Test
    void aRetry_skipsTheBackendsTried_andThrowsThePreviousFailureWhenNoneIsLeft() {
        BackendPicker picker = picker(0, Duration.ZERO);
        RouteException last = new RouteException(RejectCause.BACKEND_UNREACHABLE, "b refused");

        assertThat(picker.pick(RouterTest.REQUEST, null, 2, List.of("a"), last).id()).isEqualTo("b");
        assertThatThrownBy(() -> picker.pick(RouterTest.REQUEST, null, 3, List.of("a", "b"), last)).isSameAs(last);
        assertThat(picker.open()).isEqualTo(1);
    }

    @Test
    void theBalancerCap_refusesTheBackendAnAffinityNamedToo() {
        BackendPicker picker = picker(1, Duration.ZERO);
        picker.pick(RouterTest.REQUEST, null, 1, List.of(), null);

        assertThatThrownBy(() -> picker.takeNamed(member("b")))
            .isInstanceOfSatisfying(RouteException.class, e -> assertThat(e.rejectCause()).isEqualTo(RejectCause.AT_CAPACITY));
        assertThat(member("b").activeConnections()).isZero();
    }

    @Test
    void aNamedBackendThatIsGoneOrDrains_isNotTaken() {
        BackendPicker picker = picker(0, Duration.ZERO);
        member("b").draining(true);

        assertThat(picker.takeNamed(null)).isNull();
        assertThat(picker.takeNamed(member("b"))).isNull();
        assertThat(picker.takeNamed(member("a"))).isSameAs(member("a"));
        assertThat(picker.open()).isEqualTo(1);
    }

    @Test
    void aReturningBackend_rampsFromATenthToItsFullShareOverTheSlowStart() {
        BackendPicker picker = picker(0, Duration.ofSeconds(100));
        PooledBackend returning = member("a");

        assertThat(picker.rampShare(returning)).isEqualTo(1.0);
        returning.eligibleSince(now.get());
        assertThat(picker.rampShare(returning)).isEqualTo(0.1);
        now.addAndGet(Duration.ofSeconds(50).toNanos());
        assertThat(picker.rampShare(returning)).isCloseTo(0.55, offset(1e-9));
        now.addAndGet(Duration.ofSeconds(50).toNanos());
        assertThat(picker.rampShare(returning)).isEqualTo(1.0);
    }
}
