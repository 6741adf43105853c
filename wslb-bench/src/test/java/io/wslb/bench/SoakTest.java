package io.wslb.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SoakTest {
    private static List<Soak.Sample> samples(int n, long rssGrowthKbPerSample, long threadsAtEnd, double rateAtEnd) {
        List<Soak.Sample> s = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            boolean late = i >= n - n / 3;
            s.add(new Soak.Sample(i * 10.0, late ? rateAtEnd : 100_000, 5, 100_000 + i * rssGrowthKbPerSample,
                20_000, late ? threadsAtEnd : 30, 214, 0.6, 100));
        }
        return s;
    }

    private static Soak.Check check(List<Soak.Check> checks, String name) {
        return checks.stream().filter(c -> c.name().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void flatFiguresAreStable() {
        List<Soak.Check> checks = Soak.checks(samples(60, 0, 30, 98_000), true);
        assertThat(checks).allMatch(Soak.Check::stable);
        assertThat(check(checks, "heap after GC").trend().first()).isCloseTo(19.53, org.assertj.core.data.Offset.offset(0.01));
    }

    @Test
    void growingRssIsNotStable() {
        // 1 MiB per sample over 60 samples: last third ~40 MiB above the first
        List<Soak.Check> checks = Soak.checks(samples(60, 1024, 30, 100_000), true);
        assertThat(check(checks, "RSS").stable()).isFalse();
        assertThat(check(checks, "threads").stable()).isTrue();
    }

    @Test
    void moreThreadsOrLessThroughputIsNotStable() {
        List<Soak.Check> checks = Soak.checks(samples(30, 0, 40, 70_000), true);
        assertThat(check(checks, "threads").stable()).isFalse();
        assertThat(check(checks, "throughput").stable()).isFalse();
        assertThat(check(checks, "throughput").limit()).isEqualTo("drop <= 20%");
        assertThat(check(checks, "threads").limit()).isEqualTo("growth <= 4");
    }

    @Test
    void noHeapOutsideJvmsIsNotAVerdict() {
        List<Soak.Sample> s = new ArrayList<>();
        for (int i = 0; i < 9; i++) {
            s.add(new Soak.Sample(i, 1000, 1, 10_000, -1, 3, 20, 0.5, 10));
        }
        Soak.Check heap = check(Soak.checks(s, false), "heap used");
        assertThat(heap.trend().first()).isNaN();
        assertThat(heap.stable()).isTrue();
    }
}
