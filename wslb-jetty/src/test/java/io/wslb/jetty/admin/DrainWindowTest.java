package io.wslb.jetty.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wslb.jetty.internal.admin.AdminApi;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The drain and remove window: short forms, ISO-8601, bounds. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class DrainWindowTest {

    @ParameterizedTest(name = "{0} = {1}")
    @CsvSource({"0, PT0S", "0s, PT0S", "500ms, PT0.5S", "30s, PT30S", "30S, PT30S", "5m, PT5M", "2h, PT2H", "24h, PT24H",
        "1d, PT24H", "PT30S, PT30S", "pt1m30s, PT1M30S", "P1D, PT24H", "PT0.25S, PT0.25S"})
    void readsShortFormsAndIso8601(String text, String iso) {
        assertThat(AdminApi.window(text)).isEqualTo(Duration.parse(iso));
    }

    @Test
    void noWindowMeansAtOnce() {
        assertThat(AdminApi.window(null)).isZero();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "soon", "30", "30 s", "1.5s", "s", "PT", "1ms2", "5w"})
    void refusesMalformedWindows(String text) {
        assertThatThrownBy(() -> AdminApi.window(text)).isInstanceOf(IllegalArgumentException.class)
            .hasMessage("\"window\": '" + text + "' is not a duration (e.g. 500ms, 30s, 5m, 2h, 1d, PT30S)");
    }

    @ParameterizedTest
    @ValueSource(strings = {"-PT1S", "PT-1S", "-1s"})
    void refusesNegativeWindows(String text) {
        assertThatThrownBy(() -> AdminApi.window(text)).isInstanceOf(IllegalArgumentException.class)
            .hasMessage("\"window\": '" + text + "' must not be negative");
    }

    @ParameterizedTest
    @ValueSource(strings = {"25h", "2d", "P2D", "999999999h"})
    void refusesOverlongWindows(String text) {
        assertThatThrownBy(() -> AdminApi.window(text)).isInstanceOf(IllegalArgumentException.class)
            .hasMessage("\"window\" must be from 0s to 24h, got \"" + text + "\"");
    }
}
