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
}
