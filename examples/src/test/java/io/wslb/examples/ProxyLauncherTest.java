package io.wslb.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wslb.Backend;
import io.wslb.HealthCheck;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ProxyLauncherTest {

    @Test
    void help_describesEveryOption() {
        String help = LauncherFlags.help();
        for (String option : LauncherFlags.VALUED) {
            assertThat(help).as("--%s is described", option).contains("--" + option);
        }
        for (String flag : LauncherFlags.FLAGS) {
            assertThat(help).contains("--" + flag);
        }
    }

    @Test
    void backendSpec_takesWeightAndIdAttributes() throws Exception {
        Backend plain = FlagValues.backend("ws://127.0.0.1:9101");
        assertThat(plain.id()).isEqualTo("127.0.0.1:9101");
        assertThat(plain.weight()).isEqualTo(1);
        Backend weighted = FlagValues.backend("ws://127.0.0.1:9102/chat;weight=3;id=chat-2");
        assertThat(weighted.id()).isEqualTo("chat-2");
        assertThat(weighted.weight()).isEqualTo(3);
        assertThat(weighted.uri().getPath()).isEqualTo("/chat");
    }

    @Test
    void backendSpec_takesMaxConnectionsAndBackup() throws Exception {
        Backend capped = FlagValues.backend("ws://127.0.0.1:9103;max-connections=500;backup");

        assertThat(capped.maxConnections()).isEqualTo(500);
        assertThat(capped.backup()).isTrue();
        assertThat(FlagValues.backend("ws://127.0.0.1:9103").backup()).isFalse();
        assertThatThrownBy(() -> FlagValues.backend("ws://127.0.0.1:1;max-connections=-1"))
            .hasMessageContaining("maxConnections must be 0 (no limit) or more");
    }

    @Test
    void healthFlags_needEachOther_andTheirValuesAreChecked() {
        assertThatThrownBy(() -> ProxyLauncher.start(Options.parse(new String[] {"--backend", "ws://127.0.0.1:1",
            "--health-interval", "1s"}, LauncherFlags.VALUED, LauncherFlags.FLAGS)))
            .hasMessageContaining("go with --health-check");
        assertThatThrownBy(() -> ProxyLauncher.start(Options.parse(new String[] {"--backend", "ws://127.0.0.1:1",
            "--health-check", "tcp:/x"}, LauncherFlags.VALUED, LauncherFlags.FLAGS)))
            .hasMessageContaining("http:/PATH or ws:/PATH");
        assertThatThrownBy(() -> ProxyLauncher.start(Options.parse(new String[] {"--backend", "ws://127.0.0.1:1",
            "--health-check", "http:/health", "--health-interval", "1s", "--health-timeout", "3s"},
            LauncherFlags.VALUED, LauncherFlags.FLAGS)))
            .hasMessageContaining("at most the interval");
    }

    @Test
    void theAdminApi_onAnAddressOtherThanLoopback_needsAToken(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
        throws Exception {
        assertThatThrownBy(() -> ProxyLauncher.start(Options.parse(new String[] {"--backend", "ws://127.0.0.1:1",
            "--admin", "0.0.0.0:0"}, LauncherFlags.VALUED, LauncherFlags.FLAGS)))
            .hasMessageContaining("not a loopback address");
        assertThatThrownBy(() -> ProxyLauncher.start(Options.parse(new String[] {"--backend", "ws://127.0.0.1:1",
            "--admin-token-file", "x"}, LauncherFlags.VALUED, LauncherFlags.FLAGS)))
            .hasMessageContaining("goes with --admin");
        java.nio.file.Path shortToken = java.nio.file.Files.writeString(dir.resolve("token"), "short\n");
        assertThatThrownBy(() -> ProxyLauncher.start(Options.parse(new String[] {"--backend", "ws://127.0.0.1:1",
            "--admin", "0.0.0.0:0", "--admin-token-file", shortToken.toString()}, LauncherFlags.VALUED, LauncherFlags.FLAGS)))
            .hasMessageContaining("at least 16");
    }

    @Test
    void healthCheckSpec_readsHttpAndWsForms_andTheWsFormPings() {
        assertThat(FlagValues.healthCheck("http:/health?deep=1")).isEqualTo(HealthCheck.http("/health?deep=1"));
        assertThat(FlagValues.healthCheck("ws:/ws")).isEqualTo(HealthCheck.webSocket("/ws").withPing(true));
        assertThatThrownBy(() -> FlagValues.healthCheck("tcp:/x")).hasMessageContaining("http:/PATH or ws:/PATH");
    }

    @Test
    void badBackendSpecs_getAClearMessage() {
        assertThatThrownBy(() -> FlagValues.backend("http://127.0.0.1:1")).hasMessageContaining("ws:// or wss://");
        assertThatThrownBy(() -> FlagValues.backend("ws://127.0.0.1:1;speed=3")).hasMessageContaining("unknown attribute 'speed'");
        assertThatThrownBy(() -> FlagValues.backend("ws://127.0.0.1:1;weight=x")).hasMessageContaining("not a whole number");
        assertThatThrownBy(() -> FlagValues.backend("ws://exa mple")).hasMessageContaining("not a URI");
        assertThatThrownBy(() -> FlagValues.backends(java.util.List.of())).hasMessageContaining("at least one --backend");
        assertThatThrownBy(() -> FlagValues.backends(java.util.List.of("ws://127.0.0.1:1", "ws://127.0.0.1:1")))
            .hasMessageContaining("used twice");
    }

    @Test
    void unknownStrategyAndAffinity_areRejected() throws Exception {
        Options none = Options.parse(new String[0], LauncherFlags.VALUED, LauncherFlags.FLAGS);
        assertThatThrownBy(() -> FlagValues.strategy("fastest", "")).hasMessageContaining("unknown strategy 'fastest'");
        assertThatThrownBy(() -> FlagValues.strategy("round-robin", "1.5")).hasMessageContaining("goes with --strategy consistent-hash");
        assertThatThrownBy(() -> FlagValues.strategy("consistent-hash", "0.5")).hasMessageContaining("at least 1");
        assertThatThrownBy(() -> FlagValues.affinity("jwt", none)).hasMessageContaining("unknown kind 'jwt'");
        assertThatThrownBy(() -> FlagValues.affinity("cookie:bad name", none)).hasMessageContaining("token");
        assertThatThrownBy(() -> FlagValues.affinity("header:", none)).hasMessageContaining("needs a NAME");
        assertThatThrownBy(() -> FlagValues.affinity("jwt-claim:Authorization:sub", none))
            .hasMessageContaining("exactly one of --jwt-secret-file or --jwt-unverified");
        assertThatThrownBy(() -> FlagValues.fallback("maybe")).hasMessageContaining("repick or reject");
    }

    @Test
    void everyStrategyAndAffinityKind_isAvailable() throws Exception {
        Options none = Options.parse(new String[0], LauncherFlags.VALUED, LauncherFlags.FLAGS);
        for (String name : new String[] {"round-robin", "weighted-round-robin", "random", "weighted-random", "least-connections",
            "weighted-least-connections", "power-of-two", "consistent-hash"}) {
            assertThat(FlagValues.strategy(name, "").toString()).startsWith(name);
        }
        assertThat(FlagValues.strategy("consistent-hash", "1.25").toString()).contains("1.25");
        for (String kind : new String[] {"none", "ip", "cookie", "cookie:SRV", "app-cookie:JSESSIONID", "header:X-User", "query:room"}) {
            assertThat(FlagValues.affinity(kind, none)).isNotNull();
        }
        Options unverified = Options.parse(new String[] {"--jwt-unverified"}, LauncherFlags.VALUED, LauncherFlags.FLAGS);
        assertThat(FlagValues.affinity("jwt-claim:Authorization:sub", unverified).toString()).isEqualTo("jwt-claim:Authorization:sub");
    }

    @Test
    void options_parseValuesFlagsAndRepeats_andRejectUnknowns() throws Exception {
        Options options = Options.parse(new String[] {"--backend", "a", "--backend=b", "--help"}, Set.of("backend"), Set.of("help"));
        assertThat(options.all("backend")).containsExactly("a", "b");
        assertThat(options.has("help")).isTrue();
        assertThatThrownBy(() -> Options.parse(new String[] {"--bogus", "1"}, Set.of("backend"), Set.of()))
            .hasMessageContaining("unknown option --bogus");
        assertThatThrownBy(() -> Options.parse(new String[] {"--backend"}, Set.of("backend"), Set.of()))
            .hasMessageContaining("needs a value");
        assertThatThrownBy(() -> Options.parse(new String[] {"stray"}, Set.of(), Set.of()))
            .hasMessageContaining("unexpected argument");
    }

    @Test
    void durationsAndSizes_acceptCommonForms() throws Exception {
        assertThat(Options.parseDuration("--x", "500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(Options.parseDuration("--x", "30s")).isEqualTo(Duration.ofSeconds(30));
        assertThat(Options.parseDuration("--x", "5m")).isEqualTo(Duration.ofMinutes(5));
        assertThat(Options.parseDuration("--x", "PT1H")).isEqualTo(Duration.ofHours(1));
        assertThatThrownBy(() -> Options.parseDuration("--idle-timeout", "soon")).hasMessageContaining("--idle-timeout: 'soon' is not a duration");
        // Zero is for the setting to judge ("off" for some); a zero timeout is still refused, by the builder.
        assertThat(Options.parseDuration("--x", "0")).isEqualTo(Duration.ZERO);
        assertThatThrownBy(() -> Options.parseDuration("--x", "-1s")).hasMessageContaining("must not be negative");
        assertThatThrownBy(() -> ProxyLauncher.start(Options.parse(new String[] {"--backend", "ws://127.0.0.1:1",
            "--connect-timeout", "0s"}, LauncherFlags.VALUED, LauncherFlags.FLAGS)))
            .isInstanceOf(Options.UsageException.class).hasMessageContaining("must be positive");
        assertThat(Options.parseBytes("--x", "64KiB")).isEqualTo(65536);
        assertThat(Options.parseBytes("--x", "16MiB")).isEqualTo(16L << 20);
        assertThat(Options.parseBytes("--x", "1000")).isEqualTo(1000);
        assertThatThrownBy(() -> Options.parseBytes("--x", "lots")).hasMessageContaining("not a size");
    }

    @Test
    void selectors_setTheConnectorsThreads_andAreChecked() throws Exception {
        org.eclipse.jetty.server.Server server = ProxyLauncher.startForTest("--listen", "127.0.0.1:0",
            "--backend", "ws://127.0.0.1:1", "--selectors", "3");
        try {
            org.eclipse.jetty.server.ServerConnector connector =
                (org.eclipse.jetty.server.ServerConnector) server.getConnectors()[0];
            assertThat(connector.getSelectorManager().getSelectorCount()).isEqualTo(3);
            // Backend sockets are opened on the selector of their client; the backend connector keeps one, idle.
            assertThat(server.getContainedBeans(org.eclipse.jetty.io.ClientConnector.class))
                .as("the backend connector").singleElement()
                .extracting(org.eclipse.jetty.io.ClientConnector::getSelectors).isEqualTo(1);
        } finally {
            server.stop();
        }
        for (String bad : new String[] {"0", "17"}) {
            assertThatThrownBy(() -> ProxyLauncher.startForTest("--backend", "ws://127.0.0.1:1", "--selectors", bad))
                .isInstanceOf(Options.UsageException.class)
                .hasMessage("--selectors: " + bad + " is not between 1 and 16");
        }
        assertThatThrownBy(() -> ProxyLauncher.startForTest("--backend", "ws://127.0.0.1:1", "--selectors", "two"))
            .isInstanceOf(Options.UsageException.class).hasMessage("--selectors: 'two' is not a whole number");
    }

    @Test
    void listenAddress_mustBeHostColonPort() throws Exception {
        assertThat(Options.parseAddress("--listen", "127.0.0.1:0").getPort()).isZero();
        assertThat(Options.parseAddress("--listen", "[::1]:9203").getAddress().isLoopbackAddress()).isTrue();
        assertThatThrownBy(() -> Options.parseAddress("--listen", "9203")).hasMessageContaining("not HOST:PORT");
        assertThatThrownBy(() -> Options.parseAddress("--listen", "h:99999")).hasMessageContaining("not a port");
    }

    @Test
    void closeTimeout_isSetByItsFlag_andAZeroIsRefusedNamingTheFlag() throws Exception {
        org.eclipse.jetty.server.Server server = ProxyLauncher.startForTest("--listen", "127.0.0.1:0",
            "--backend", "ws://127.0.0.1:1", "--close-timeout", "2s");
        try {
            assertThat(server.getContainedBeans(io.wslb.jetty.WebSocketLoadBalancerHandler.class)).singleElement()
                .extracting(h -> h.balancer().timeouts().close()).isEqualTo(Duration.ofSeconds(2));
        } finally {
            server.stop();
        }
        assertThatThrownBy(() -> ProxyLauncher.startForTest("--backend", "ws://127.0.0.1:1", "--close-timeout", "0"))
            .isInstanceOf(Options.UsageException.class).hasMessageStartingWith("--close-timeout ").hasMessageContaining("positive");
    }
}
