package io.wslb.jetty.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.wslb.Backend;
import io.wslb.OutlierDetection;
import io.wslb.jetty.testing.Balancers;
import io.wslb.jetty.testing.ClientSocket;
import io.wslb.jetty.testing.Closer;
import io.wslb.jetty.testing.EchoBackend;
import io.wslb.jetty.testing.EventLog;
import io.wslb.jetty.testing.LoadBalancerProxy;
import io.wslb.jetty.testing.WsClient;
import io.wslb.testing.Fault;
import io.wslb.testing.FaultProxy;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * After every kind of backend fault, the proxy is back where it started: no tunnel, no buffer taken from its pool
 * and not given back, no extra pool thread, no extra open file. Each test breaks 40 live connections one way.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FaultCleanupTest {

    private static final int CONNECTIONS = 40;

    private final Closer closer = new Closer();
    private final EventLog events = new EventLog();
    private EchoBackend healthy;
    private EchoBackend behind;
    private FaultProxy network;
    private LoadBalancerProxy proxy;
    private WsClient client;
    private long filesBefore;
    private int threadsBefore;

    @BeforeEach
    void start() throws Exception {
        healthy = closer.add(EchoBackend.start("healthy"));
        behind = closer.add(EchoBackend.start("faulty"));
        network = closer.add(FaultProxy.to(new InetSocketAddress("127.0.0.1", behind.port())));
        Backend faulty = Backend.of("faulty", URI.create("ws://127.0.0.1:" + network.port()));
        proxy = closer.add(LoadBalancerProxy.handlerTracked("/", Balancers.roundRobin(events, faulty, healthy.backend())
            .timeouts(Balancers.TIMEOUTS.withUpgrade(Duration.ofMillis(500)).withPingInterval(Duration.ofMillis(300)))
            .outlierDetection(OutlierDetection.disabled())
            .build()));
        client = closer.add(WsClient.start());
        // Warm up every code path once, then take the baseline.
        for (int i = 0; i < 4; i++) {
            ClientSocket socket = client.connect(proxy.uri("/warm-up"));
            socket.echo("warm");
            socket.close(1000, "done");
        }
        proxy.awaitNothingOpen();
        await().atMost(Duration.ofSeconds(10)).until(() -> proxy.unreleasedBuffers() == 0);
        filesBefore = openFiles();
        threadsBefore = proxy.poolThreads();
    }

    @AfterEach
    void stop() throws Exception {
        closer.close();
    }

    private List<ClientSocket> openOnBoth() throws Exception {
        List<ClientSocket> sockets = new ArrayList<>();
        for (int i = 0; i < CONNECTIONS; i++) {
            ClientSocket socket = client.connect(proxy.uri("/chat"));
            assertThat(socket.echo("m" + i)).isEqualTo("m" + i);
            sockets.add(socket);
        }
        assertThat(proxy.activeConnections()).containsEntry("faulty", CONNECTIONS / 2);
        return sockets;
    }

    private void assertBackToBaseline(List<ClientSocket> sockets) throws Exception {
        for (ClientSocket socket : sockets) {
            socket.closeQuietly();
        }
        proxy.awaitNothingOpen(Duration.ofSeconds(10));
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
            assertThat(proxy.unreleasedBuffers()).as("buffers not given back to the pool").isZero();
            assertThat(proxy.poolThreads()).as("proxy pool threads, %d before", threadsBefore).isLessThanOrEqualTo(threadsBefore);
            assertThat(openFiles()).as("open files of this JVM, %d before", filesBefore).isLessThanOrEqualTo(filesBefore);
        });
    }

    private static long openFiles() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        }
    }

    @Test
    void aBackendThatCrashes_resettingItsConnections_leavesNothingBehind() throws Exception {
        List<ClientSocket> sockets = openOnBoth();

        network.set(Fault.REFUSE);
        network.resetAll();

        await().atMost(Duration.ofSeconds(5)).until(() -> sockets.stream().filter(s -> s.closed().isDone()).count() == CONNECTIONS / 2);
        assertThat(sockets.stream().filter(s -> s.closed().isDone()).map(s -> s.closed().join().code()).distinct()).containsExactly(1011);
        assertBackToBaseline(sockets);
    }

    @Test
    void aBackendThatGoesSilent_halfOpen_leavesNothingBehind() throws Exception {
        List<ClientSocket> sockets = openOnBoth();

        network.set(Fault.HALF_OPEN);

        await().atMost(Duration.ofSeconds(5)).until(() -> sockets.stream().filter(s -> s.closed().isDone()).count() == CONNECTIONS / 2);
        network.set(Fault.REFUSE);
        network.resetAll();
        assertBackToBaseline(sockets);
    }

    @Test
    void aBackendThatAcceptsButNeverAnswersUpgrades_leavesNothingBehind() throws Exception {
        network.set(Fault.BLACKHOLE);
        List<ClientSocket> sockets = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            ClientSocket socket = client.connect(proxy.uri("/chat"));
            assertThat(socket.echo("m" + i)).isEqualTo("m" + i);
            sockets.add(socket);
        }
        // Round robin offers the silent backend first to every other client (a retry does not move the rotation):
        // 5 timeouts, 5 retries.
        assertThat(events.retried).hasSize(5).allSatisfy(r -> assertThat(r.backendId()).isEqualTo("faulty"));
        assertThat(proxy.activeConnections()).containsEntry("healthy", 10);
        network.resetAll();
        assertBackToBaseline(sockets);
    }

    @Test
    void aDrainedBackend_leavesNothingBehind() throws Exception {
        List<ClientSocket> sockets = openOnBoth();

        proxy.balancer().pool().drain("faulty", Duration.ofMillis(500));

        await().atMost(Duration.ofSeconds(5)).until(() -> sockets.stream().filter(s -> s.closed().isDone()).count() == CONNECTIONS / 2);
        assertBackToBaseline(sockets);
    }
}
