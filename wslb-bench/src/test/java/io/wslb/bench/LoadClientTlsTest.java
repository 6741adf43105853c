package io.wslb.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The load client over {@code wss://}: every mode against a Jetty echo server with the run's openssl certificate. */
class LoadClientTlsTest {
    @TempDir
    static Path dir;
    private static EchoServer echo;
    private static URI url;

    @BeforeAll
    static void start() throws Exception {
        BenchCertificate cert = BenchCertificate.generate(dir.resolve("tls"));
        SslContextFactory.Server tls = new SslContextFactory.Server();
        tls.setKeyStorePath(cert.pkcs12().toString());
        tls.setKeyStoreType("PKCS12");
        tls.setKeyStorePassword(cert.password());
        echo = new EchoServer("127.0.0.1", 0, 8, Duration.ofMinutes(1), tls).start();
        url = URI.create("wss://127.0.0.1:" + echo.port() + "/");
    }

    @AfterAll
    static void stop() throws Exception {
        echo.stop();
    }

    @Test
    void echo_overTls_getsEveryMessageBackWhole() throws Exception {
        ClientTls tls = ClientTls.fullHandshakes();
        try (LoadClient client = new LoadClient(List.of(url), 2, tls)) {
            assertThat(client.connect(20, 20, Duration.ofSeconds(20))).isEqualTo(20);
            LoadClient.EchoWindow small = client.echo(4, 64, Duration.ofMillis(100), Duration.ofMillis(300),
                LoadClient.WindowListener.NONE);
            assertThat(small.roundTrips()).isPositive();
            assertThat(small.lengthErrors()).isZero();
            // 64 KiB messages span several TLS records and socket writes: the partial-write path is taken.
            LoadClient.EchoWindow large = client.echo(2, 65536, Duration.ofMillis(100), Duration.ofMillis(300),
                LoadClient.WindowListener.NONE);
            assertThat(large.roundTrips()).isPositive();
            assertThat(large.lengthErrors()).isZero();
            client.closeAll(Duration.ofSeconds(5));
            assertThat(client.openConnections()).isZero();
            assertThat(client.closedByPeer.get()).isZero();
        }
        assertThat(tls.negotiated()).startsWith("TLSv1.3 TLS_AES_");
    }

    @Test
    void theJdkClient_echoesAndCountsItsFullHandshakes() throws Exception {
        ClientTls tls = ClientTls.jdk(false);
        try (LoadClient client = new LoadClient(List.of(url), 1, tls)) {
            assertThat(client.connect(5, 5, Duration.ofSeconds(20))).isEqualTo(5);
            LoadClient.EchoWindow w = client.echo(2, 1000, Duration.ofMillis(100), Duration.ofMillis(200),
                LoadClient.WindowListener.NONE);
            assertThat(w.roundTrips()).isPositive();
            assertThat(w.lengthErrors()).isZero();
            client.closeAll(Duration.ofSeconds(5));
        }
        assertThat(tls.fullHandshakesSeen()).isEqualTo(5);
        assertThat(tls.negotiated()).isEqualTo("TLSv1.3 TLS_AES_256_GCM_SHA384");
    }

    @Test
    void rate_overTls_losesNothing() throws Exception {
        try (LoadClient client = new LoadClient(List.of(url), 1, ClientTls.fullHandshakes())) {
            assertThat(client.connect(10, 10, Duration.ofSeconds(20))).isEqualTo(10);
            LoadClient.RateWindow w = client.rate(2000, 64, Duration.ofMillis(200), Duration.ofMillis(500),
                LoadClient.WindowListener.NONE);
            assertThat(w.sent()).isEqualTo(w.scheduled());
            assertThat(w.received()).isEqualTo(w.sent());
            assertThat(w.lost()).isZero();
            assertThat(w.sendErrors()).isZero();
            client.closeAll(Duration.ofSeconds(5));
        }
    }

    @Test
    void connectCycles_withoutResumption_areEachAFullHandshake() throws Exception {
        ClientTls tls = ClientTls.fullHandshakes();
        try (LoadClient client = new LoadClient(List.of(url), 1, tls)) {
            LoadClient.CycleRun run = client.cycles(100, 10, 64, Duration.ofSeconds(60), LoadClient.WindowListener.NONE);
            assertThat(run.ok()).isEqualTo(100);
            assertThat(run.errors()).isZero();
        }
        assertThat(tls.fullHandshakesSeen()).isEqualTo(100);
    }

    @Test
    void connectCycles_withResumption_resumeAfterTheFirst() throws Exception {
        ClientTls tls = ClientTls.resuming();
        try (LoadClient client = new LoadClient(List.of(url), 1, tls)) {
            LoadClient.CycleRun run = client.cycles(100, 1, 64, Duration.ofSeconds(60), LoadClient.WindowListener.NONE);
            assertThat(run.ok()).isEqualTo(100);
        }
        // The JDK server issues a ticket after each full handshake; one at a time, each later cycle resumes.
        assertThat(tls.fullHandshakesSeen()).isBetween(1L, 10L);
    }
}
