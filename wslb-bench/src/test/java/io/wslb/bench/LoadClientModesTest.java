package io.wslb.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The rate and connect modes of the load client against an in-process echo server. */
class LoadClientModesTest {
    private static EchoServer echo;
    private static URI url;

    @BeforeAll
    static void start() throws Exception {
        echo = new EchoServer("127.0.0.1", 0, 8, Duration.ofMinutes(1)).start();
        url = URI.create("ws://127.0.0.1:" + echo.port() + "/");
    }

    @AfterAll
    static void stop() throws Exception {
        echo.stop();
    }

    @Test
    void rate_sendsTheScheduleAndGetsEveryEchoBack() throws Exception {
        try (LoadClient client = new LoadClient(List.of(url), 1)) {
            assertThat(client.connect(10, 10, Duration.ofSeconds(20))).isEqualTo(10);
            LoadClient.RateWindow w = client.rate(2000, 64, Duration.ofMillis(200), Duration.ofMillis(500),
                LoadClient.WindowListener.NONE);
            assertThat(w.connections()).isEqualTo(10);
            assertThat(w.scheduled()).isEqualTo(1000); // 2000/s x 0.5 s
            assertThat(w.sent()).isEqualTo(w.scheduled());
            assertThat(w.received()).isEqualTo(w.sent());
            assertThat(w.lost()).isZero();
            assertThat(w.lengthErrors()).isZero();
            assertThat(w.sendErrors()).isZero();
            assertThat(w.latency().getTotalCount()).isEqualTo(w.received());
            assertThat(w.sendLag().getTotalCount()).isEqualTo(w.sent());
            assertThat(w.achievedRate()).isEqualTo(2000.0);
            client.closeAll(Duration.ofSeconds(5));
            assertThat(client.openConnections()).isZero();
            assertThat(client.closedByPeer.get()).isZero();
        }
    }

    @Test
    void rate_thenEchoOnTheSameConnections() throws Exception {
        try (LoadClient client = new LoadClient(List.of(url), 2)) {
            assertThat(client.connect(4, 4, Duration.ofSeconds(20))).isEqualTo(4);
            LoadClient.RateWindow w = client.rate(500, 100, Duration.ZERO, Duration.ofMillis(200),
                LoadClient.WindowListener.NONE);
            assertThat(w.received()).isEqualTo(100);
            LoadClient.EchoWindow e = client.echo(2, 1000, Duration.ofMillis(100), Duration.ofMillis(200),
                LoadClient.WindowListener.NONE);
            assertThat(e.roundTrips()).isPositive();
            assertThat(e.lengthErrors()).isZero();
            client.closeAll(Duration.ofSeconds(5));
        }
    }

    @Test
    void connect_cyclesCleanlyWithoutErrors() throws Exception {
        try (LoadClient client = new LoadClient(List.of(url), 1)) {
            int[] windows = new int[2];
            LoadClient.CycleRun run = client.cycles(200, 20, 64, Duration.ofSeconds(60), new LoadClient.WindowListener() {
                @Override
                public void windowStart() {
                    windows[0]++;
                }

                @Override
                public void windowEnd() {
                    windows[1]++;
                }
            });
            assertThat(windows).containsExactly(1, 1);
            assertThat(run.completed()).isEqualTo(200);
            assertThat(run.ok()).isEqualTo(200);
            assertThat(run.errors()).isZero();
            assertThat(run.firstError()).isNull();
            assertThat(run.handshake().getTotalCount()).isEqualTo(200);
            assertThat(run.cycle().getTotalCount()).isEqualTo(200);
            assertThat(run.upgradesPerSecond()).isPositive();
            assertThat(client.openConnections()).isZero();
            // a second run on the same client starts from zero
            LoadClient.CycleRun again = client.cycles(30, 50, 10, Duration.ofSeconds(60), LoadClient.WindowListener.NONE);
            assertThat(again.ok()).isEqualTo(30);
            assertThat(again.handshake().getTotalCount()).isEqualTo(30);
        }
    }

    @Test
    void connect_countsRefusedConnectionsAsHandshakeErrors() throws Exception {
        int dead;
        try (ServerSocket s = new ServerSocket(0)) {
            dead = s.getLocalPort();
        }
        try (LoadClient client = new LoadClient(List.of(URI.create("ws://127.0.0.1:" + dead + "/")), 1)) {
            LoadClient.CycleRun run = client.cycles(25, 5, 64, Duration.ofSeconds(30), LoadClient.WindowListener.NONE);
            assertThat(run.completed()).isEqualTo(25);
            assertThat(run.ok()).isZero();
            assertThat(run.handshakeErrors()).isEqualTo(25);
            assertThat(run.errors()).isEqualTo(25);
            assertThat(run.firstError()).startsWith("handshake");
        }
    }

    @Test
    void connect_emptyEchoCountsToo() throws Exception {
        try (LoadClient client = new LoadClient(List.of(url), 1)) {
            LoadClient.CycleRun run = client.cycles(5, 1, 0, Duration.ofSeconds(30), LoadClient.WindowListener.NONE);
            assertThat(run.ok()).isEqualTo(5); // an empty echo is still an echo
        }
    }
}
