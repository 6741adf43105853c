package io.wslb.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CompareArgsTest {
    @Test
    void connectionsByInflight() {
        assertThat(Compare.parseCxW("100x4")).containsExactly(100, 4);
        assertThat(Compare.parseCxW("10X2")).containsExactly(10, 2);
        assertThatThrownBy(() -> Compare.parseCxW("100")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void sizeNames() {
        assertThat(Compare.sizeName(64)).isEqualTo("64 B");
        assertThat(Compare.sizeName(65536)).isEqualTo("64 KiB");
        assertThat(Compare.sizeName(2 * 1024 * 1024)).isEqualTo("2 MiB");
        assertThat(Compare.sizeName(1000)).isEqualTo("1000 B");
    }

    @Test
    void commandTemplatesExpand() {
        List<String> cmd = Lab.expand("{java} {jvm} -jar {wslb-jar} proxy --listen 127.0.0.1:{port} {backends}",
            Map.of("{java}", List.of("java"), "{jvm}", List.of("-Xmx1g", "-XX:+UseParallelGC"), "{wslb-jar}",
                List.of("w.jar"), "{port}", List.of("9000"), "{backends}",
                List.of("--backend", "ws://127.0.0.1:1", "--backend", "ws://127.0.0.1:2")));
        assertThat(cmd).containsExactly("java", "-Xmx1g", "-XX:+UseParallelGC", "-jar", "w.jar", "proxy", "--listen",
            "127.0.0.1:9000", "--backend", "ws://127.0.0.1:1", "--backend", "ws://127.0.0.1:2");
    }

    @Test
    void unknownBuiltInTargetFails() {
        Lab lab = new Lab(List.of(), java.nio.file.Path.of("x.jar"), null, java.nio.file.Path.of("."),
            java.time.Duration.ofSeconds(1), null, null);
        assertThatThrownBy(() -> lab.targets("direct,ngnix", List.of())).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("ngnix");
        assertThat(lab.targets("", List.of("mine={java} -version")).get(0).name()).isEqualTo("direct");
    }

    @Test
    void keyModesMakeOneConnectScenarioEach() {
        assertThat(Compare.parseKeyModes("unique,100,unique")).containsExactly(ConnectKeys.UNIQUE, ConnectKeys.parse("100"));
        assertThat(Compare.parseKeyModes("none")).containsExactly(ConnectKeys.NONE);
        assertThatThrownBy(() -> Compare.parseKeyModes(" , ")).isInstanceOf(IllegalArgumentException.class);
        assertThat(Compare.connectScenarioName(ConnectKeys.NONE)).isEqualTo("connect"); // the chart's and older runs' name
        assertThat(Compare.connectScenarioName(ConnectKeys.UNIQUE)).isEqualTo("connect-unique");
        assertThat(Compare.connectScenarioName(ConnectKeys.parse("100"))).isEqualTo("connect-100keys");
    }

    @Test
    void theStoreTargetsDifferOnlyInTheStore() {
        assertThat(Lab.WSLB_MEMORY_TEMPLATE).startsWith(Lab.WSLB_TEMPLATE)
            .endsWith(" --affinity query:room --strategy least-connections");
        assertThat(Lab.WSLB_REDIS_TEMPLATE).isEqualTo(Lab.WSLB_MEMORY_TEMPLATE + " --redis {redis} --instance-id bench");
        assertThat(new Lab.Target("wslb-redis", Lab.Kind.COMMAND, Lab.WSLB_REDIS_TEMPLATE).usesRedis()).isTrue();
        assertThat(new Lab.Target("wslb-memory", Lab.Kind.COMMAND, Lab.WSLB_MEMORY_TEMPLATE).usesRedis()).isFalse();
        assertThat(new Lab.Target("direct", Lab.Kind.DIRECT, null).usesRedis()).isFalse();
        List<String> cmd = Lab.expand(Lab.WSLB_REDIS_TEMPLATE, Map.of("{java}", List.of("java"), "{jvm}", List.of(),
            "{wslb-jar}", List.of("w.jar"), "{port}", List.of("9000"), "{backends}", List.of("--backend", "ws://127.0.0.1:1"),
            "{redis}", List.of("redis://127.0.0.1:6400")));
        assertThat(String.join(" ", cmd)).isEqualTo("java -jar w.jar proxy --listen 127.0.0.1:9000 --backend ws://127.0.0.1:1"
            + " --affinity query:room --strategy least-connections --redis redis://127.0.0.1:6400 --instance-id bench");
    }

    @Test
    void storeTargetsWithoutALauncherAreSkipped() {
        Lab lab = new Lab(List.of(), java.nio.file.Path.of("x.jar"), java.nio.file.Path.of("no-such-launcher.jar"),
            java.nio.file.Path.of("."), java.time.Duration.ofSeconds(1), null, null);
        assertThat(lab.targets("direct,wslb-memory,wslb-redis", List.of())).extracting(Lab.Target::name)
            .containsExactly("direct");
    }

    @Test
    void theRedisServerRunsWithoutPersistence() {
        assertThat(Lab.redisCommand(java.nio.file.Path.of("/usr/bin/redis-server"), 6400, java.nio.file.Path.of("/tmp/r")))
            .containsExactly("/usr/bin/redis-server", "--port", "6400", "--bind", "127.0.0.1", "--save", "", "--appendonly",
                "no", "--dir", "/tmp/r", "--daemonize", "no");
    }
}
