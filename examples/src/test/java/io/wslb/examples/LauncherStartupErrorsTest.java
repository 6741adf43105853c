package io.wslb.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.wslb.WebSocketLoadBalancer;
import io.wslb.jetty.WebSocketLoadBalancerHandler;
import io.wslb.strategies.BalancingStrategies;
import io.wslb.testing.TestCertificate;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.eclipse.jetty.server.Server;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a user who mistypes a flag sees: every bad value is a usage error (exit status 2 in {@code run}) whose one
 * line names the flag, never a library exception naming a builder field.
 */
@Timeout(60)
class LauncherStartupErrorsTest {

    private static final String BACKEND = "ws://127.0.0.1:1";

    /** One bad command line per flag: the flag it is about, the arguments, and what the line must also say. */
    private record Case(String flag, List<String> args, String alsoSays) {}

    private static Case bad(String flag, String alsoSays, String... args) {
        return new Case(flag, List.of(args), alsoSays);
    }

    private static List<Case> everyFlagWithABadValue(Path dir) throws Exception {
        Path notPem = Files.writeString(dir.resolve("not.pem"), "hello\n");
        TestCertificate certificate = TestCertificate.selfSigned("localhost");
        Path cert = certificate.writeCertificatePem(dir.resolve("cert.pem"));
        Path key = certificate.writeKeyPem(dir.resolve("cert.key"));
        Path store = certificate.writePkcs12(dir.resolve("store.p12"), "secret".toCharArray());
        String missing = dir.resolve("missing").toString();
        List<Case> cases = new ArrayList<>();
        cases.add(bad("listen", "not a port", "--listen", "127.0.0.1:notaport"));
        cases.add(bad("backend", "ws://127.0.0.1:9101", "--backend", "127.0.0.1:9101"));
        cases.add(bad("strategy", "fastest", "--strategy", "fastest"));
        cases.add(bad("hash-balance-factor", "0.5", "--strategy", "consistent-hash", "--hash-balance-factor", "0.5"));
        cases.add(bad("path", "ws", "--path", "ws"));
        cases.add(bad("affinity", "telepathy", "--affinity", "telepathy"));
        cases.add(bad("affinity-fallback", "maybe", "--affinity", "ip", "--affinity-fallback", "maybe"));
        cases.add(bad("cookie-secret-file", "no such file", "--affinity", "cookie", "--cookie-secret-file", missing));
        cases.add(bad("jwt-secret-file", "no such file", "--affinity", "jwt-claim:Authorization:sub",
            "--jwt-secret-file", missing));
        cases.add(bad("jwt-unverified", "jwt-claim", "--jwt-unverified"));
        cases.add(bad("trusted-proxy", "not-an-address", "--trusted-proxy", "not-an-address"));
        cases.add(bad("session-ttl", "positive", "--affinity", "ip", "--session-ttl", "0"));
        cases.add(bad("connect-timeout", "positive", "--connect-timeout", "0"));
        cases.add(bad("upgrade-timeout", "positive", "--upgrade-timeout", "0"));
        cases.add(bad("idle-timeout", "positive", "--idle-timeout", "0"));
        cases.add(bad("close-timeout", "positive", "--close-timeout", "0"));
        cases.add(bad("max-frame-size", "125", "--max-frame-size", "100"));
        cases.add(bad("max-message-size", "125", "--max-message-size", "100"));
        cases.add(bad("max-attempts", "11", "--max-attempts", "11"));
        cases.add(bad("max-connections", "-1", "--max-connections", "-1"));
        cases.add(bad("accept-queue", "between 1 and 65535", "--accept-queue", "0"));
        cases.add(bad("max-connections-per-backend", "-1", "--max-connections-per-backend", "-1"));
        cases.add(bad("slow-start", "soon", "--slow-start", "soon"));
        cases.add(bad("eject-after", "-1", "--eject-after", "-1"));
        cases.add(bad("ejection-time", "0", "--ejection-time", "0"));
        cases.add(bad("health-check", "tcp:/x", "--health-check", "tcp:/x"));
        cases.add(bad("health-interval", "100ms", "--health-check", "http:/h", "--health-interval", "50ms"));
        cases.add(bad("health-timeout", "interval", "--health-check", "http:/h", "--health-timeout", "0"));
        cases.add(bad("admin", "not a port", "--admin", "127.0.0.1:notaport"));
        cases.add(bad("admin-token-file", "no such file", "--admin", "127.0.0.1:0", "--admin-token-file", missing));
        cases.add(bad("ping-interval", "100ms", "--ping-interval", "10ms"));
        cases.add(bad("allowed-origin", "notanorigin", "--allowed-origin", "notanorigin"));
        cases.add(bad("shutdown-window", "soon", "--shutdown-window", "soon"));
        cases.add(bad("max-handshakes-per-ip-per-second", "-1", "--max-handshakes-per-ip-per-second", "-1"));
        cases.add(bad("handshake-timeout", "soon", "--handshake-timeout", "soon"));
        cases.add(bad("max-connections-per-ip", "-1", "--max-connections-per-ip", "-1"));
        cases.add(bad("max-pending-handshakes", "-1", "--max-pending-handshakes", "-1"));
        cases.add(bad("max-pending-handshakes-per-ip", "-1", "--max-pending-handshakes-per-ip", "-1"));
        cases.add(bad("tls-cert", "no such file", "--tls-cert", missing, "--tls-key", key.toString()));
        cases.add(bad("tls-key", "no such file", "--tls-cert", cert.toString(), "--tls-key", missing));
        cases.add(bad("keystore", "no such file", "--keystore", missing));
        cases.add(bad("keystore-password-file", "no such file", "--keystore", store.toString(),
            "--keystore-password-file", missing));
        cases.add(bad("tls-reload-interval", "soon", "--tls-self-signed", "--tls-reload-interval", "soon"));
        cases.add(bad("tls-self-signed", "choose one", "--tls-self-signed", "--keystore", store.toString()));
        cases.add(bad("tls-engine", "auto, openssl or jdk", "--tls-self-signed", "--tls-engine", "boring"));
        cases.add(bad("tls-resumption", "on or off", "--tls-self-signed", "--tls-resumption", "maybe"));
        Path shortKey = Files.writeString(dir.resolve("short.keys"), "c2hvcnQ=\n");
        cases.add(bad("tls-ticket-keys", "line 1: 5 bytes, expected 48", "--tls-self-signed", "--tls-ticket-keys",
            shortKey.toString()));
        cases.add(bad("backend-ca", "no PEM certificate", "--backend-ca", notPem.toString()));
        cases.add(bad("backend-client-cert", "no such file", "--backend-client-cert", missing,
            "--backend-client-key", key.toString()));
        cases.add(bad("backend-client-key", "no such file", "--backend-client-cert", cert.toString(),
            "--backend-client-key", missing));
        cases.add(bad("selectors", "0", "--selectors", "0"));
        cases.add(bad("redis", "redis://127.0.0.1:6379", "--redis", "127.0.0.1:6379"));
        cases.add(bad("redis-password-file", "no such file", "--redis", "redis://127.0.0.1", "--redis-password-file", missing));
        cases.add(bad("instance-id", "letters, digits", "--redis", "redis://127.0.0.1", "--instance-id", "two words"));
        cases.add(bad("redis-timeout", "at most 10s", "--redis", "redis://127.0.0.1", "--redis-timeout", "1m"));
        cases.add(bad("metrics", "goes with --admin", "--metrics"));
        cases.add(bad("access-log", "cannot open", "--access-log", dir.resolve("no-such-dir").resolve("access.log").toString()));
        return cases;
    }

    @Test
    void everyFlagWithABadValue_isAOneLineUsageErrorNamingTheFlag(@TempDir Path dir) throws Exception {
        List<Case> cases = everyFlagWithABadValue(dir);
        Set<String> covered = new HashSet<>();
        cases.forEach(c -> covered.add(c.flag()));
        Set<String> all = new HashSet<>(LauncherFlags.VALUED);
        all.addAll(LauncherFlags.FLAGS);
        all.remove("help");
        assertThat(covered).as("a bad-value case for every flag (add one for a new flag)").containsAll(all);

        for (Case c : cases) {
            List<String> args = new ArrayList<>(c.flag().equals("listen") ? List.of() : List.of("--listen", "127.0.0.1:0"));
            if (!c.flag().equals("backend")) {
                args.addAll(List.of("--backend", BACKEND));
            }
            args.addAll(c.args());
            Throwable failure = catchThrowable(() -> ProxyLauncher.startForTest(args.toArray(String[]::new)).stop());
            assertThat(failure).as("%s", args).isInstanceOf(Options.UsageException.class);
            assertThat(failure.getMessage()).as("%s", args)
                .contains("--" + c.flag())
                .contains(c.alsoSays())
                .doesNotContain("\n")
                .doesNotContainPattern("(?<![-\\w])(maxFrameSize|maxMessageSize|idleTimeout|connectTimeout|upgradeTimeout|maxAttempts"
                    + "|maxConnections|pingInterval|baseEjectionTime|consecutiveFailures|ttl)\\b")
                .doesNotContainPattern("got PT[0-9]");
        }
    }

    @Test
    void ticketKeysOrResumptionOff_withTheJdkEngine_areUsageErrorsSayingWhy(@TempDir Path dir) throws Exception {
        Path keys = Files.writeString(dir.resolve("ticket.keys"), java.util.Base64.getEncoder().encodeToString(new byte[48]));

        assertThatThrownBy(() -> ProxyLauncher.startForTest("--listen", "127.0.0.1:0", "--backend", BACKEND,
            "--tls-self-signed", "--tls-engine", "jdk", "--tls-ticket-keys", keys.toString()))
            .isInstanceOf(Options.UsageException.class)
            .hasMessage("--tls-ticket-keys needs --tls-engine openssl: the JDK's TLS makes its own ticket keys and"
                + " cannot share them (--tls-engine jdk was given)");
        assertThatThrownBy(() -> ProxyLauncher.startForTest("--listen", "127.0.0.1:0", "--backend", BACKEND,
            "--tls-self-signed", "--tls-engine", "jdk", "--tls-resumption", "off"))
            .isInstanceOf(Options.UsageException.class)
            .hasMessage("--tls-resumption off needs --tls-engine openssl: the JDK's TLS cannot turn it off"
                + " (--tls-engine jdk was given)");
    }

    @Test
    void aListenPortInUse_isAUsageErrorNamingListen_andSuggestingAnotherPort() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            assertThatThrownBy(() -> ProxyLauncher.startForTest("--listen", "127.0.0.1:" + taken.getLocalPort(),
                "--backend", BACKEND))
                .isInstanceOf(Options.UsageException.class)
                .hasMessageContaining("--listen 127.0.0.1:" + taken.getLocalPort())
                .hasMessageContaining("already in use")
                .hasMessageContaining("0 picks a free one");
        }
    }

    @Test
    void aListenAddressTheMachineDoesNotHave_isAUsageErrorNamingListen() {
        // 192.0.2.1 is TEST-NET-1: no machine has it, and binding fails locally without sending anything.
        assertThatThrownBy(() -> ProxyLauncher.startForTest("--listen", "192.0.2.1:0", "--backend", BACKEND))
            .isInstanceOf(Options.UsageException.class)
            .hasMessageContaining("--listen 192.0.2.1:0")
            .hasMessageContaining("no address 192.0.2.1");
    }

    @Test
    void anAdminPortInUse_isAUsageErrorNamingAdmin_andReleasesTheProxyPort() throws Exception {
        int proxyPort;
        try (ServerSocket probe = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            proxyPort = probe.getLocalPort();
        }
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            assertThatThrownBy(() -> ProxyLauncher.startForTest("--listen", "127.0.0.1:" + proxyPort, "--backend", BACKEND,
                "--admin", "127.0.0.1:" + taken.getLocalPort()))
                .isInstanceOf(Options.UsageException.class)
                .hasMessageContaining("--admin 127.0.0.1:" + taken.getLocalPort())
                .hasMessageContaining("already in use");
        }
        // The proxy's own socket, bound before the admin one failed, was released.
        try (ServerSocket again = new ServerSocket(proxyPort, 50, InetAddress.getLoopbackAddress())) {
            assertThat(again.getLocalPort()).isEqualTo(proxyPort);
        }
    }

    @Test
    void aBackendWithoutScheme_orWithABadPort_saysWhichPartIsWrong() {
        assertThatThrownBy(() -> FlagValues.backend("127.0.0.1:9101"))
            .hasMessageContaining("--backend 127.0.0.1:9101").hasMessageContaining("ws://127.0.0.1:9101");
        assertThatThrownBy(() -> FlagValues.backend("localhost:9101"))
            .hasMessageContaining("ws://localhost:9101");
        assertThatThrownBy(() -> FlagValues.backend("ws://h:notaport"))
            .hasMessageContaining("'notaport' is not a port").hasMessageNotContaining("has no host");
        assertThatThrownBy(() -> FlagValues.backend("ws://h:70000")).hasMessageContaining("'70000' is not a port");
        assertThatThrownBy(() -> FlagValues.backend("ws://bad_host:80")).hasMessageContaining("'bad_host' is not a host");
    }

    @Test
    void anUnreadableCaFile_saysWhy(@TempDir Path dir) throws Exception {
        Path notPem = Files.writeString(dir.resolve("notes.txt"), "not a certificate\n");
        assertThatThrownBy(() -> ProxyLauncher.startForTest("--backend", BACKEND, "--backend-ca", dir.resolve("absent.pem").toString()))
            .isInstanceOf(Options.UsageException.class).hasMessageContaining("--backend-ca").hasMessageContaining("no such file");
        assertThatThrownBy(() -> ProxyLauncher.startForTest("--backend", BACKEND, "--backend-ca", dir.toString()))
            .isInstanceOf(Options.UsageException.class).hasMessageContaining("--backend-ca").hasMessageContaining("is a directory");
        assertThatThrownBy(() -> ProxyLauncher.startForTest("--backend", BACKEND, "--backend-ca", notPem.toString()))
            .isInstanceOf(Options.UsageException.class).hasMessageContaining("--backend-ca " + notPem)
            .hasMessageContaining("holds no PEM certificate");
    }

    @Test
    void aMessageLimitAlone_bringsTheFrameLimitDownWithIt() throws Exception {
        Server server = ProxyLauncher.startForTest("--listen", "127.0.0.1:0", "--backend", BACKEND,
            "--max-message-size", "1048576");
        try {
            WebSocketLoadBalancer balancer = ((WebSocketLoadBalancerHandler) server.getHandler()).balancer();
            assertThat(balancer.frameLimits().maxMessageSize()).isEqualTo(1L << 20);
            assertThat(balancer.frameLimits().maxFrameSize()).isEqualTo(1L << 20);
        } finally {
            server.stop();
        }
    }

    @Test
    void aFrameLimitAboveTheMessageLimit_bothGiven_isRefusedNamingBothFlags() {
        assertThatThrownBy(() -> ProxyLauncher.startForTest("--backend", BACKEND,
            "--max-frame-size", "2MiB", "--max-message-size", "1MiB"))
            .isInstanceOf(Options.UsageException.class)
            .hasMessageContaining("--max-frame-size 2MiB").hasMessageContaining("--max-message-size 1MiB");
    }

    @Test
    void aDemoPortInUse_isAUsageErrorNamingThePort_andStopsItsBackends() throws Exception {
        Set<Thread> before = Set.copyOf(Thread.getAllStackTraces().keySet());
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            assertThatThrownBy(() -> Demo.start("127.0.0.1", taken.getLocalPort(), BalancingStrategies.roundRobin()))
                .isInstanceOf(Options.UsageException.class)
                .hasMessageContaining("--port " + taken.getLocalPort())
                .hasMessageContaining("already in use");
        }
        // The three echo backends it had started are stopped: none of their (non-daemon) threads is left.
        org.awaitility.Awaitility.await().pollInSameThread().atMost(java.time.Duration.ofSeconds(10)).untilAsserted(() ->
            assertThat(Thread.getAllStackTraces().keySet().stream()
                .filter(t -> !before.contains(t) && t.isAlive() && !t.isDaemon()).map(Thread::getName).toList())
                .isEmpty());
    }
}
