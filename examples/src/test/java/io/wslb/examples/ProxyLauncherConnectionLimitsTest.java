package io.wslb.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wslb.jetty.WebSocketLoadBalancerHandler;
import java.nio.file.Files;
import java.nio.file.Path;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.Test;

/** The launcher's defaults for how many connections it takes at once and how many the kernel queues for it. */
class ProxyLauncherConnectionLimitsTest {

    @Test
    void withoutMaxConnections_theCapIsWhatTheOpenFilesLimitFits_andMaxConnectionsStillWins() throws Exception {
        // The test machines run Linux, where the JVM reads its open-files limit.
        long limit = ((com.sun.management.UnixOperatingSystemMXBean)
            java.lang.management.ManagementFactory.getOperatingSystemMXBean()).getMaxFileDescriptorCount();
        Server server = ProxyLauncher.startForTest("--listen", "127.0.0.1:0", "--backend", "ws://127.0.0.1:1");
        try {
            assertThat(balancerCap(server)).as("two descriptors per connection, a tenth (at least 64) spare, of %d", limit)
                .isEqualTo((int) ((limit - Math.max(64, limit / 10)) / 2));
        } finally {
            server.stop();
        }
        for (String explicit : new String[] {"0", "50000"}) {
            server = ProxyLauncher.startForTest("--listen", "127.0.0.1:0", "--backend", "ws://127.0.0.1:1",
                "--max-connections", explicit);
            try {
                assertThat(balancerCap(server)).isEqualTo(Integer.parseInt(explicit));
            } finally {
                server.stop();
            }
        }
    }

    @Test
    void theAcceptQueue_defaultsToTheKernelsCap_isSetByAcceptQueue_onTheAdminApiToo_andIsChecked() throws Exception {
        int somaxconn = Integer.parseInt(Files.readAllLines(Path.of("/proc/sys/net/core/somaxconn")).get(0).strip());
        Server server = ProxyLauncher.startForTest("--listen", "127.0.0.1:0", "--backend", "ws://127.0.0.1:1",
            "--admin", "127.0.0.1:0");
        try {
            assertThat(((ServerConnector) server.getConnectors()[0]).getAcceptQueueSize()).isEqualTo(somaxconn);
            assertThat(adminConnector(server).getAcceptQueueSize()).isEqualTo(somaxconn);
        } finally {
            server.stop();
        }
        server = ProxyLauncher.startForTest("--listen", "127.0.0.1:0", "--backend", "ws://127.0.0.1:1",
            "--admin", "127.0.0.1:0", "--accept-queue", "1000");
        try {
            assertThat(((ServerConnector) server.getConnectors()[0]).getAcceptQueueSize()).isEqualTo(1000);
            assertThat(adminConnector(server).getAcceptQueueSize()).isEqualTo(1000);
        } finally {
            server.stop();
        }
        for (String bad : new String[] {"0", "65536"}) {
            assertThatThrownBy(() -> ProxyLauncher.startForTest("--backend", "ws://127.0.0.1:1", "--accept-queue", bad))
                .isInstanceOf(Options.UsageException.class)
                .hasMessage("--accept-queue: " + bad + " is not between 1 and 65535");
        }
        assertThatThrownBy(() -> ProxyLauncher.startForTest("--backend", "ws://127.0.0.1:1", "--accept-queue", "lots"))
            .isInstanceOf(Options.UsageException.class).hasMessage("--accept-queue: 'lots' is not a whole number");
        assertThat(LauncherFlags.help()).contains("--accept-queue N");
    }

    private static int balancerCap(Server server) {
        return ((WebSocketLoadBalancerHandler) server.getHandler()).balancer().admissionLimits().maxConnections().orElse(0);
    }

    private static ServerConnector adminConnector(Server server) {
        return (ServerConnector) server.getBean(Server.class).getConnectors()[0];
    }
}
