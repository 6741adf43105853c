package io.wslb.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class HandshakeRateLimiterTest {

    private final AtomicLong now = new AtomicLong(5_000_000_000L);
    private final HandshakeRateLimiter limiter = new HandshakeRateLimiter(5, now::get);

    private static InetAddress ip(String literal) throws Exception {
        return InetAddress.getByName(literal);
    }

    @Test
    void aClient_getsABurstOfItsRate_thenOneHandshakePerFifthOfASecond() throws Exception {
        InetAddress client = ip("10.0.0.1");
        int allowed = 0;
        for (int i = 0; i < 10; i++) {
            if (limiter.tryAcquire(client)) {
                allowed++;
            }
        }
        assertThat(allowed).isEqualTo(5);

        now.addAndGet(Duration.ofMillis(199).toNanos());
        assertThat(limiter.tryAcquire(client)).isFalse();
        now.addAndGet(Duration.ofMillis(2).toNanos());
        assertThat(limiter.tryAcquire(client)).isTrue();
        assertThat(limiter.tryAcquire(client)).isFalse();
    }

    @Test
    void clients_haveTheirOwnBuckets() throws Exception {
        for (int i = 0; i < 5; i++) {
            limiter.tryAcquire(ip("10.0.0.1"));
        }

        assertThat(limiter.tryAcquire(ip("10.0.0.1"))).isFalse();
        assertThat(limiter.tryAcquire(ip("10.0.0.2"))).isTrue();
    }

    @Test
    void quietClients_areForgotten() throws Exception {
        limiter.tryAcquire(ip("10.0.0.1"));
        now.addAndGet(Duration.ofSeconds(11).toNanos());

        for (int i = 0; i < 1100; i++) {
            limiter.tryAcquire(ip("10.0.1." + (i % 200)));
            now.addAndGet(Duration.ofMillis(1).toNanos());
        }

        assertThat(limiter.trackedClients()).isEqualTo(200);
    }

    @Test
    void aRateBelowOne_isRefused() {
        assertThatThrownBy(() -> new HandshakeRateLimiter(0, System::nanoTime)).hasMessageContaining("1 or more");
    }
}
