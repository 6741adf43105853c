package io.wslb.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.wslb.jetty.testing.Closer;
import io.wslb.jetty.testing.EchoBackend;
import io.wslb.micrometer.testing.Lab;
import io.wslb.strategies.AffinityResolvers;
import io.wslb.strategies.SessionStores;
import io.wslb.testing.Frame;
import io.wslb.testing.RawWebSocketConnection;
import java.time.Duration;
import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** What a Prometheus scrape shows: the names in Prometheus's conventions, and tags that say nothing about a client. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class PrometheusExpositionTest {

    private final Closer closer = new Closer();

    @AfterEach
    void stop() throws Exception {
        closer.close();
    }

    @Test
    void aScrape_namesTheMetersInPrometheusConventions_withBoundedTagsOnly() throws Exception {
        EchoBackend a = closer.add(EchoBackend.start("a"));
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        WslbMetrics metrics = WslbMetrics.builder().tag("instance", "lb-1").build();
        Lab lab = closer.add(Lab.start(metrics, registry, builder -> builder.backend(a.backend())
            .affinity(AffinityResolvers.queryParameter("room"))
            .sessionStore(SessionStores.inMemory(Duration.ofHours(1)))));

        RawWebSocketConnection client = lab.connect("/chat/lobby?room=secret-room-42");
        client.send(Frame.text("hello"));
        client.readMessage();
        client.send(Frame.close(1000, ""));
        client.awaitCloseFrame(Duration.ofSeconds(5));
        await().atMost(Duration.ofSeconds(5)).until(() -> lab.timed("wslb.connection.lifetime") == 1);
        a.refuseUpgrades(503, "refused");
        assertThat(lab.handshake("/chat/lobby?room=other-room").status()).isEqualTo(503);

        String scrape = registry.scrape();

        assertThat(scrape).contains(
            "wslb_connections_open{instance=\"lb-1\"} 0",
            "wslb_handshakes_pending{instance=\"lb-1\"} 0",
            "wslb_panic{instance=\"lb-1\"} 0",
            "wslb_handshakes_total{cause=\"none\",instance=\"lb-1\",outcome=\"upgraded\",status=\"101\"} 1",
            "wslb_handshakes_total{cause=\"backend_refused\",instance=\"lb-1\",outcome=\"refused\",status=\"503\"} 1",
            "wslb_backend_state{backend=\"a\",instance=\"lb-1\",state=\"healthy\"} 1",
            "wslb_backend_messages_total{backend=\"a\",direction=\"client_to_backend\",instance=\"lb-1\"} 1",
            "wslb_backend_bytes_total{backend=\"a\",direction=\"backend_to_client\",instance=\"lb-1\"}",
            "wslb_connections_closed_total{backend=\"a\",cause=\"client_closed\",code_class=\"1000\",instance=\"lb-1\"} 1",
            "wslb_handshake_duration_seconds{instance=\"lb-1\",quantile=\"0.99\"}",
            "wslb_backend_connect_duration_seconds_count{backend=\"a\",instance=\"lb-1\"} 2",
            "wslb_backend_upgrade_duration_seconds_count{backend=\"a\",instance=\"lb-1\"} 1",
            "wslb_connection_lifetime_seconds_count{backend=\"a\",instance=\"lb-1\"} 1",
            "wslb_affinity_lookups_total{instance=\"lb-1\",outcome=\"miss\"} 2",
            "wslb_session_store_duration_seconds_count{instance=\"lb-1\",operation=\"get\",outcome=\"miss\"} 2",
            "wslb_backend_attempts_failed_total{backend=\"a\",instance=\"lb-1\"} 0",
            "wslb_backend_weight_effective{backend=\"a\",instance=\"lb-1\"} 1");
        assertThat(scrape).as("no client address, path or affinity key in a tag")
            .doesNotContain("127.0.0.1", "/chat", "lobby", "secret-room-42", "other-room");

        Set<String> keys = new TreeSet<>();
        for (Meter meter : registry.getMeters()) {
            if (meter.getId().getName().startsWith("wslb.")) {
                meter.getId().getTags().stream().map(Tag::getKey).forEach(keys::add);
            }
        }
        assertThat(keys).isSubsetOf(Arrays.asList("backend", "state", "outcome", "cause", "status", "code_class", "direction",
            "operation", "instance"));
    }

    @Test
    void withPercentileHistograms_aScrapeHasTheBuckets_thatPrometheusAggregatesAcrossInstances() throws Exception {
        EchoBackend a = closer.add(EchoBackend.start("a"));
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        WslbMetrics metrics = WslbMetrics.builder().percentileHistograms(true).build();
        Lab lab = closer.add(Lab.start(metrics, registry, builder -> builder.backend(a.backend())));

        lab.connect("/").close();
        await().atMost(Duration.ofSeconds(5)).until(() -> lab.timed("wslb.connection.lifetime") == 1);

        String scrape = registry.scrape();
        assertThat(scrape).contains("# TYPE wslb_handshake_duration_seconds histogram",
            "wslb_handshake_duration_seconds_bucket{le=\"+Inf\"} 1",
            "wslb_backend_connect_duration_seconds_bucket{backend=\"a\",le=",
            "wslb_connection_lifetime_seconds_bucket{backend=\"a\",le=\"86400.0\"} 1");
    }
}
