package io.wslb.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import org.junit.jupiter.api.Test;

class RateScheduleTest {
    @Test
    void slotsAreEvenlySpacedAtTheAggregateRate() {
        RateSchedule s = new RateSchedule(1_000_000L, 5000, 100);
        assertThat(s.slotTime(0)).isEqualTo(1_000_000L);
        assertThat(s.slotTime(1)).isEqualTo(1_000_000L + 200_000);
        assertThat(s.slotTime(5000)).isEqualTo(1_000_000L + 1_000_000_000L);
    }

    @Test
    void slotsGoRoundRobinOverTheConnections() {
        RateSchedule s = new RateSchedule(0, 5000, 100);
        assertThat(s.connectionOf(0)).isZero();
        assertThat(s.connectionOf(99)).isEqualTo(99);
        assertThat(s.connectionOf(100)).isZero();
        assertThat(s.connectionOf(250)).isEqualTo(50);
        // so each connection sends every C / rate seconds
        assertThat(s.slotTime(100) - s.slotTime(0)).isEqualTo(20_000_000L);
    }

    @Test
    void fractionalPeriodsDoNotDrift() {
        RateSchedule s = new RateSchedule(0, 3, 1); // 333,333,333.33 ns apart
        assertThat(s.slotTime(1)).isEqualTo(333_333_333L);
        assertThat(s.slotTime(3)).isEqualTo(1_000_000_000L);
        assertThat(s.slotTime(3_000_000)).isEqualTo(1_000_000_000_000_000L);
    }

    @Test
    void slotsBeforeAgreesExactlyWithSlotTime() {
        Random r = new Random(42);
        for (double rate : new double[] {1, 3, 7.5, 5000, 12_345.678, 1e6}) {
            RateSchedule s = new RateSchedule(123_456_789L, rate, 17);
            for (int i = 0; i < 2000; i++) {
                long t = 123_456_789L + (long) (r.nextDouble() * 5e9);
                long n = s.slotsBefore(t);
                assertThat(s.slotTime(n)).isGreaterThanOrEqualTo(t);
                if (n > 0) {
                    assertThat(s.slotTime(n - 1)).isLessThan(t);
                }
            }
            // on a slot boundary: that slot is not "before"
            assertThat(s.slotsBefore(s.slotTime(10))).isEqualTo(10);
            assertThat(s.slotsBefore(s.slotTime(10) + 1)).isEqualTo(11);
        }
    }

    @Test
    void windowCountIsRateTimesDuration() {
        RateSchedule s = new RateSchedule(5_000, 5000, 100);
        long from = s.startNanos() + 5_000_000_000L;
        assertThat(s.slotsBetween(from, from + 10_000_000_000L)).isEqualTo(50_000);
        assertThat(s.slotsBetween(from, from)).isZero();
        assertThat(s.slotsBefore(0)).isZero();
        assertThat(s.slotsBefore(s.startNanos())).isZero();
        assertThat(s.slotsBefore(s.startNanos() + 1)).isEqualTo(1);
    }

    @Test
    void rejectsNonsense() {
        assertThatThrownBy(() -> new RateSchedule(0, 0, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RateSchedule(0, Double.NaN, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RateSchedule(0, 10, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void pacerEstimateFallsFastAndRisesSlowly() {
        long e = 60_000;
        long down = RateSchedule.Pacer.nextEstimate(e, 20_000);
        assertThat(down).isEqualTo(50_000); // a quarter of the way down
        long up = RateSchedule.Pacer.nextEstimate(e, 124_000);
        assertThat(up).isEqualTo(61_000); // a 64th of the way up
        // one very late wake-up (a busy machine) barely moves it
        assertThat(RateSchedule.Pacer.nextEstimate(e, 50_000_000)).isLessThan(e + 3_000);
        assertThat(RateSchedule.Pacer.nextEstimate(e, -5)).isEqualTo(45_000);
    }

    @Test
    void pacerEstimateSettlesNearALowQuantile() {
        long e = 0;
        Random r = new Random(7);
        for (int i = 0; i < 20_000; i++) {
            // overshoot 60..80 us, 5 % of the time 2 ms late
            long o = r.nextInt(100) < 5 ? 2_000_000 : 60_000 + r.nextInt(20_000);
            e = RateSchedule.Pacer.nextEstimate(e, o);
        }
        assertThat(e).isBetween(55_000L, 80_000L);
    }

    @Test
    void parkAheadIsClamped() {
        assertThat(RateSchedule.Pacer.parkAhead(0)).isEqualTo(RateSchedule.Pacer.MARGIN_NANOS);
        assertThat(RateSchedule.Pacer.parkAhead(60_000)).isEqualTo(70_000);
        assertThat(RateSchedule.Pacer.parkAhead(10_000_000)).isEqualTo(RateSchedule.Pacer.MAX_AHEAD_NANOS);
    }

    @Test
    void pacerDoesNotReturnEarly() {
        RateSchedule.Pacer p = new RateSchedule.Pacer();
        for (int i = 0; i < 50; i++) {
            long deadline = System.nanoTime() + 150_000;
            p.awaitUntil(deadline);
            assertThat(System.nanoTime()).isGreaterThanOrEqualTo(deadline);
        }
        long past = System.nanoTime() - 1_000_000;
        p.awaitUntil(past); // returns at once
    }
}
