package io.wslb.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

class StatsTest {
    @Test
    void median() {
        assertThat(Stats.median(new double[] {3, 1, 2})).isEqualTo(2);
        assertThat(Stats.median(new double[] {4, 1, 3, 2})).isEqualTo(2.5);
        assertThat(Stats.median(new double[] {5, Double.NaN, 1})).isEqualTo(3);
        assertThat(Stats.median(new double[0])).isNaN();
    }

    @Test
    void ratio() {
        assertThat(Stats.ratio(80, 100)).isEqualTo(0.8);
        assertThat(Stats.ratio(80, 0)).isNaN();
        assertThat(Stats.ratio(Double.NaN, 100)).isNaN();
        assertThat(Stats.ratio(80, Double.NaN)).isNaN();
    }

    @Test
    void percentilesInMillisecondsAndAddedLatency() {
        Histogram direct = new Histogram(60_000_000_000L, 3);
        Histogram proxy = new Histogram(60_000_000_000L, 3);
        for (int i = 1; i <= 1000; i++) {
            direct.recordValue(i * 1_000L); // 1 us .. 1 ms
            proxy.recordValue(i * 1_000L + 150_000); // +0.15 ms each
        }
        assertThat(Stats.ms(direct, 50)).isCloseTo(0.5, within(0.001));
        assertThat(Stats.us(direct, 99)).isCloseTo(990, within(1.0));
        assertThat(Stats.addedMs(proxy, direct, 50)).isCloseTo(0.15, within(0.001));
        assertThat(Stats.addedMs(proxy, direct, 99)).isCloseTo(0.15, within(0.002));
        assertThat(Stats.ms(new Histogram(3), 50)).isNaN();
        assertThat(Stats.ms(null, 50)).isNaN();
    }

    @Test
    void trendComparesFirstAndLastThird() {
        Stats.Trend t = Stats.trend(new double[] {10, 10, 10, 50, 50, 50, 12, 12, 12});
        assertThat(t.first()).isEqualTo(10);
        assertThat(t.last()).isEqualTo(12);
        assertThat(t.growth()).isEqualTo(2);
        assertThat(t.relativeGrowth()).isCloseTo(0.2, within(1e-9));
        assertThat(t.stable(1, 0.1)).isFalse();
        assertThat(t.stable(2, 0.1)).isTrue();
        assertThat(t.stable(0, 0.25)).isTrue();
        // 10 samples: thirds of 3, the middle 4 ignored
        Stats.Trend u = Stats.trend(new double[] {1, 2, 3, 100, 100, 100, 100, 4, 5, 6});
        assertThat(u.first()).isEqualTo(2);
        assertThat(u.last()).isEqualTo(5);
        assertThat(Stats.trend(new double[] {1, 2}).first()).isNaN();
    }

    @Test
    void shrinkingIsStable() {
        Stats.Trend t = new Stats.Trend(100, 80);
        assertThat(t.stable(0, 0)).isTrue();
        assertThat(new Stats.Trend(0, 0).relativeGrowth()).isZero();
    }
}
