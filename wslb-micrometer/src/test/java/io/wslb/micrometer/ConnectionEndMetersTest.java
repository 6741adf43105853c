package io.wslb.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.Timer;
import io.wslb.jetty.testing.Closer;
import io.wslb.jetty.testing.EchoBackend;
import io.wslb.micrometer.testing.Lab;
import io.wslb.testing.Frame;
import io.wslb.testing.RawWebSocketConnection;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** What a connection's end records: its cause and close code class, its messages and bytes each way, its lifetime. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ConnectionEndMetersTest {

    private final Closer closer = new Closer();

    @AfterEach
    void stop() throws Exception {
        closer.close();
    }

    @Test
    void aClientsClose_countsItsCauseAndCodeClass_theMessagesAndBytesEachWay_andTheLifetime() throws Exception {
        EchoBackend a = closer.add(EchoBackend.start("a"));
        Lab lab = closer.add(Lab.start(builder -> builder.backend(a.backend())));
        RawWebSocketConnection client = lab.connect("/");
        for (String text : new String[] {"one", "two", "three"}) {
            client.send(Frame.text(text));
            assertThat(new String(client.readMessage().payload(), StandardCharsets.UTF_8)).isEqualTo(text);
        }
        assertThat(lab.count("wslb.backend.messages", "backend", "a")).as("counted when the connection closes").isZero();

        client.send(Frame.close(1000, "done"));
        client.awaitCloseFrame(Duration.ofSeconds(5));

        await().atMost(Duration.ofSeconds(5))
            .until(() -> lab.count("wslb.connections.closed", "backend", "a", "cause", "client_closed", "code_class", "1000") == 1);
        assertThat(lab.count("wslb.backend.messages", "backend", "a", "direction", "client_to_backend")).isEqualTo(3);
        assertThat(lab.count("wslb.backend.messages", "backend", "a", "direction", "backend_to_client")).isEqualTo(3);
        // Each masked client frame carries a 6-byte header and each server frame a 2-byte one; the close frames count too.
        assertThat(lab.count("wslb.backend.bytes", "backend", "a", "direction", "client_to_backend"))
            .isGreaterThanOrEqualTo(3 * 6 + 11);
        assertThat(lab.count("wslb.backend.bytes", "backend", "a", "direction", "backend_to_client"))
            .isGreaterThanOrEqualTo(3 * 2 + 11);
        assertThat(lab.registry().get("wslb.backend.bytes").tag("direction", "client_to_backend").counter().getId().getBaseUnit())
            .isEqualTo("bytes");
        Timer lifetime = lab.timer("wslb.connection.lifetime", "backend", "a");
        assertThat(lifetime.count()).isEqualTo(1);
        assertThat(lifetime.totalTime(TimeUnit.NANOSECONDS)).isPositive();
        assertThat(lab.gauge("wslb.connections.open")).isZero();
    }

    @Test
    void aBackendThatCloses_countsBackendClosedWithItsCodeClass() throws Exception {
        EchoBackend a = closer.add(EchoBackend.start("a"));
        Lab lab = closer.add(Lab.start(builder -> builder.backend(a.backend())));
        RawWebSocketConnection client = lab.connect("/");
        client.send(Frame.text("hello"));
        client.readMessage();

        a.connections().get(0).close(4100, "go away");
        Frame close = client.awaitCloseFrame(Duration.ofSeconds(5));
        assertThat(close.closeCode().getAsInt()).isEqualTo(4100);
        client.send(Frame.close(4100, ""));

        await().atMost(Duration.ofSeconds(5))
            .until(() -> lab.count("wslb.connections.closed", "backend", "a", "cause", "backend_closed", "code_class", "4xxx") == 1);
        assertThat(lab.count("wslb.backend.messages", "backend", "a", "direction", "client_to_backend")).isEqualTo(1);
    }

    @Test
    void aBackendThatDies_countsBackendGone_withTheBalancers1011() throws Exception {
        EchoBackend a = closer.add(EchoBackend.start("a"));
        Lab lab = closer.add(Lab.start(builder -> builder.backend(a.backend())));
        RawWebSocketConnection client = lab.connect("/");
        client.send(Frame.text("hello"));
        client.readMessage();

        a.kill();

        assertThat(client.awaitCloseFrame(Duration.ofSeconds(5)).closeCode().getAsInt()).isEqualTo(1011);
        client.send(Frame.close(1011, ""));
        await().atMost(Duration.ofSeconds(5))
            .until(() -> lab.count("wslb.connections.closed", "backend", "a", "cause", "backend_gone", "code_class", "1xxx") == 1);
        assertThat(lab.count("wslb.backend.messages", "backend", "a", "direction", "backend_to_client")).isEqualTo(1);
        assertThat(lab.gauge("wslb.backend.connections.open", "backend", "a")).isZero();
    }
}
