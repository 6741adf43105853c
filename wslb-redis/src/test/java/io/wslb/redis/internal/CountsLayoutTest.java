package io.wslb.redis.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** What a count and a server time read from Redis must look like to be taken, and the key layout. */
class CountsLayoutTest {

    @Test
    void aCount_isOneToTenDecimalDigits_upToIntegerMax() {
        assertThat(CountsLayout.parseCount("0")).isZero();
        assertThat(CountsLayout.parseCount("100")).isEqualTo(100);
        assertThat(CountsLayout.parseCount("007")).isEqualTo(7);
        assertThat(CountsLayout.parseCount("2147483647")).isEqualTo(Integer.MAX_VALUE);
        for (String garbage : new String[] {"", "-1", "+1", " 1", "1 ", "1.0", "1e3", "lots", "2147483648", "99999999999", "٣"}) {
            assertThat(CountsLayout.parseCount(garbage)).as("'" + garbage + "'").isEqualTo(-1);
        }
        assertThat(CountsLayout.parseCount(null)).isEqualTo(-1);
    }

    @Test
    void theServerTime_isSecondsAndMicroseconds_inMilliseconds() {
        assertThat(CountsLayout.serverMillis(List.of("1765100000", "123456"))).isEqualTo(1_765_100_000_123L);
        assertThat(CountsLayout.serverMillis(List.of("1765100000"))).isEqualTo(-1);
        assertThat(CountsLayout.serverMillis(List.of("x", "1"))).isEqualTo(-1);
        assertThat(CountsLayout.serverMillis(List.of("-5", "1"))).isEqualTo(-1);
        assertThat(CountsLayout.serverMillis(null)).isEqualTo(-1);
    }

    @Test
    void sumsSaturate_andKeysSitUnderThePrefix() {
        assertThat(CountsLayout.saturatedAdd(Integer.MAX_VALUE, 1)).isEqualTo(Integer.MAX_VALUE);
        assertThat(CountsLayout.saturatedAdd(2, 3)).isEqualTo(5);
        CountsLayout keys = CountsLayout.under("chat:");
        assertThat(keys.countsKey("lb-a:8080")).isEqualTo("chat:counts:lb-a:8080");
        assertThat(keys.instancesKey()).isEqualTo("chat:instances");
        assertThat(CountsLayout.abbreviate("x".repeat(50))).hasSize(43).endsWith("...");
    }
}
