package io.wslb.jetty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** One duration grammar for the launcher and the admin API: short forms, ISO-8601 and zero; never negative. */
class DurationsTest {

    @ParameterizedTest
    @CsvSource({"0, PT0S", "500ms, PT0.5S", "30s, PT30S", "30S, PT30S", "' 5m ', PT5M", "2h, PT2H", "1d, PT24H",
        "PT30S, PT30S", "pt1m30s, PT1M30S", "P1D, PT24H"})
    void shortFormsIsoAndZero_areRead(String text, String iso) {
        assertThat(Durations.parse(text)).isEqualTo(Duration.parse(iso));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "soon", "30", "30 s", "1.5s", "s", "PT", "1ms2", "5w"})
    void anythingElse_isRefused_withTheAcceptedForms(String text) {
        assertThatThrownBy(() -> Durations.parse(text)).isInstanceOf(IllegalArgumentException.class)
            .hasMessage("'" + text + "' is not a duration (e.g. 500ms, 30s, 5m, 2h, 1d, PT30S)");
    }

    @ParameterizedTest
    @ValueSource(strings = {"-PT1S", "PT-1S", "-1s", "-500ms"})
    void negativeDurations_areRefused(String text) {
        assertThatThrownBy(() -> Durations.parse(text)).isInstanceOf(IllegalArgumentException.class)
            .hasMessage("'" + text + "' must not be negative");
    }
}
