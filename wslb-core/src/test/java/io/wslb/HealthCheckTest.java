package io.wslb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class HealthCheckTest {

    @Test
    void factories_giveTheDocumentedDefaults() {
        HealthCheck http = HealthCheck.http("/health");

        assertThat(http.kind()).isEqualTo(HealthCheck.Kind.HTTP);
        assertThat(http.interval()).isEqualTo(Duration.ofSeconds(5));
        assertThat(http.timeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(http.rise()).isEqualTo(2);
        assertThat(http.fall()).isEqualTo(3);
        assertThat(http.jitter()).isEqualTo(0.1);
        assertThat(HealthCheck.webSocket("/ws").withPing(true).ping()).isTrue();
    }

    @Test
    void aShorterInterval_shrinksTheTimeoutWithIt() {
        HealthCheck check = HealthCheck.http("/health").withInterval(Duration.ofMillis(500));

        assertThat(check.timeout()).isEqualTo(Duration.ofMillis(500));
    }

    @Test
    void nonsense_isRejectedWithAClearMessage() {
        HealthCheck http = HealthCheck.http("/health");
        assertThatThrownBy(() -> HealthCheck.http("health")).hasMessageContaining("must start with /");
        assertThatThrownBy(() -> HealthCheck.http("/a b")).hasMessageContaining("no spaces");
        assertThatThrownBy(() -> http.withInterval(Duration.ofMillis(50))).hasMessageContaining("at least 100ms");
        assertThatThrownBy(() -> http.withTimeout(Duration.ofSeconds(6))).hasMessageContaining("at most the interval");
        assertThatThrownBy(() -> http.withTimeout(Duration.ZERO)).hasMessageContaining("more than zero");
        assertThatThrownBy(() -> http.withThresholds(0, 1)).hasMessageContaining("rise and fall");
        assertThatThrownBy(() -> http.withJitter(0.6)).hasMessageContaining("jitter");
        assertThatThrownBy(() -> http.withPing(true)).hasMessageContaining("needs a WebSocket");
    }
}
