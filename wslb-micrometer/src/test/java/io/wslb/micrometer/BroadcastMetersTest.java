package io.wslb.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.wslb.ChannelMessage;
import io.wslb.jetty.testing.Closer;
import io.wslb.jetty.testing.EchoBackend;
import io.wslb.micrometer.testing.Lab;
import io.wslb.testing.RawWebSocketConnection;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** What broadcast records: messages published, queued for each connection reached, and dropped for a slow client. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class BroadcastMetersTest {

    private final Closer closer = new Closer();

    @AfterEach
    void stop() throws Exception {
        closer.close();
    }

    @Test
    void aPublishCountsOnce_itsQueuedCopiesPerConnection_andAClientThatNeverReadsCountsDrops() throws Exception {
        EchoBackend a = closer.add(EchoBackend.start("a"));
        Lab lab = closer.add(Lab.start(builder -> builder.backend(a.backend())));
        RawWebSocketConnection reader = lab.connect("/");
        lab.connect("/"); // a client that never reads
        await().atMost(Duration.ofSeconds(5)).until(() -> lab.gauge("wslb.connections.open") == 2);

        lab.balancer().channels().publishToAll(ChannelMessage.text("to everyone"));

        assertThat(new String(reader.readMessage().payload(), StandardCharsets.UTF_8)).isEqualTo("to everyone");
        assertThat(lab.count("wslb.broadcast.published")).isEqualTo(1);
        assertThat(lab.count("wslb.broadcast.queued")).isEqualTo(2);
        assertThat(lab.count("wslb.broadcast.dropped")).isZero();
        await().atMost(Duration.ofSeconds(5)).until(() -> lab.count("wslb.broadcast.delivered") == 2);

        byte[] large = new byte[64 * 1024];
        for (int i = 0; i < 2_000; i++) {
            lab.balancer().channels().publishToBackend("a", ChannelMessage.binary(large));
        }

        assertThat(lab.count("wslb.broadcast.published")).isEqualTo(2_001);
        assertThat(lab.count("wslb.broadcast.dropped")).as("the clients did not read 128 MB").isPositive();
    }
}
