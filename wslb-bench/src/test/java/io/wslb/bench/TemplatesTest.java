package io.wslb.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TemplatesTest {
    @Test
    void rendersPlaceholdersAndLeavesNginxVariablesAlone() {
        String out = Templates.render("listen {{port}}; set $x $http_upgrade; ${ENV} {{a_1}}{{a_1}}",
            Map.of("port", "8080", "a_1", "$1\\"));
        assertThat(out).isEqualTo("listen 8080; set $x $http_upgrade; ${ENV} $1\\$1\\");
    }

    @Test
    void failsOnAPlaceholderWithoutValue() {
        assertThatThrownBy(() -> Templates.render("{{port}} {{nope}} {{other}}", Map.of("port", "1")))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("nope").hasMessageContaining("other");
    }

    @Test
    void nginxConfigHasTheFairSettings(@TempDir Path dir) throws Exception {
        String conf = Templates.nginx(Templates.load(Templates.NGINX_RESOURCE, null), 18080, List.of(40001, 40002), dir,
            dir.resolve("error.log"), 2);
        assertThat(conf).doesNotContain("{{");
        assertThat(conf).contains("listen 127.0.0.1:18080 reuseport")
            .contains("server 127.0.0.1:40001;").contains("server 127.0.0.1:40002;")
            .contains("worker_processes 2;")
            .contains("worker_connections 19000;")
            .contains("worker_rlimit_nofile 20000;")
            .contains("proxy_http_version 1.1;")
            .contains("proxy_set_header Upgrade $http_upgrade;")
            .contains("proxy_set_header Connection \"upgrade\";")
            .contains("proxy_read_timeout 1h;")
            .contains("access_log off;")
            .contains("tcp_nodelay on;")
            .contains("pid " + dir + "/nginx.pid;")
            .contains("error_log " + dir.resolve("error.log") + " warn;");
    }

    @Test
    void haproxyConfigHasTheFairSettings() throws Exception {
        String cfg = Templates.haproxy(Templates.load(Templates.HAPROXY_RESOURCE, null), 18081, List.of(40001, 40002), 2);
        assertThat(cfg).doesNotContain("{{");
        assertThat(cfg).contains("bind 127.0.0.1:18081").contains("server b1 127.0.0.1:40001")
            .contains("server b2 127.0.0.1:40002").contains("nbthread 2").contains("mode http")
            .contains("timeout tunnel 1h").doesNotContain("\n    log ");
        // two sockets per proxied connection must fit under the per-process open-files limit, with room for 8,000+
        assertThat(Templates.haproxyMaxconn() * 2).isLessThan(Templates.OPEN_FILES_LIMIT);
        assertThat(Templates.haproxyMaxconn()).isGreaterThan(8_200);
    }

    @Test
    void overrideFileReplacesTheShippedTemplate(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("my.conf");
        Files.writeString(f, "mine {{port}}");
        assertThat(Templates.load(Templates.NGINX_RESOURCE, f)).isEqualTo("mine {{port}}");
    }

    @Test
    void nginxAcceptsTheRenderedConfig(@TempDir Path dir) throws Exception {
        Path nginx = Lab.findExecutable("nginx");
        assertThat(nginx).as("nginx must be installed to check the shipped config (.ci/run installs it)").isNotNull();
        Path log = dir.resolve("error.log");
        String conf = Templates.nginx(Templates.load(Templates.NGINX_RESOURCE, null), 18080, List.of(40001, 40002), dir,
            log, 2);
        Path file = dir.resolve("nginx.conf");
        Files.writeString(file, conf);
        String out = ProcStats.run(List.of(nginx.toString(), "-t", "-p", dir.toString(), "-e", log.toString(), "-c",
            file.toString()), 30);
        assertThat(out).contains("test is successful");
    }

    @Test
    void haproxyAcceptsTheRenderedConfig(@TempDir Path dir) throws Exception {
        Path haproxy = Lab.findExecutable("haproxy");
        assertThat(haproxy).as("haproxy must be installed to check the shipped config (.ci/run installs it)").isNotNull();
        Path file = dir.resolve("haproxy.cfg");
        Files.writeString(file, Templates.haproxy(Templates.load(Templates.HAPROXY_RESOURCE, null), 18081,
            List.of(40001, 40002), 2));
        String out = ProcStats.run(List.of(haproxy.toString(), "-c", "-f", file.toString()), 30);
        assertThat(out).contains("Configuration file is valid").doesNotContainIgnoringCase("warning");
    }

    @ParameterizedTest(name = "resumption {0}")
    @ValueSource(booleans = {false, true})
    void nginxAcceptsTheRenderedTlsConfig(boolean resumption, @TempDir Path dir) throws Exception {
        Path nginx = Lab.findExecutable("nginx");
        assertThat(nginx).as("nginx must be installed to check the shipped config (.ci/run installs it)").isNotNull();
        Path log = dir.resolve("error.log");
        BenchCertificate cert = BenchCertificate.generate(dir.resolve("tls"));
        String conf = Templates.nginx(Templates.load(Templates.NGINX_RESOURCE, null), 18080, List.of(40001, 40002), dir,
            log, 2, new Templates.TlsSettings(cert, resumption));
        assertThat(conf).contains("listen 127.0.0.1:18080 ssl ", "ssl_certificate " + cert.certificate() + ";",
            resumption ? "ssl_session_tickets on;" : "ssl_session_tickets off;");
        Path file = dir.resolve("nginx.conf");
        Files.writeString(file, conf);
        String out = ProcStats.run(List.of(nginx.toString(), "-t", "-p", dir.toString(), "-e", log.toString(), "-c",
            file.toString()), 30);
        assertThat(out).contains("test is successful");
    }

    @ParameterizedTest(name = "resumption {0}")
    @ValueSource(booleans = {false, true})
    void haproxyAcceptsTheRenderedTlsConfig(boolean resumption, @TempDir Path dir) throws Exception {
        Path haproxy = Lab.findExecutable("haproxy");
        assertThat(haproxy).as("haproxy must be installed to check the shipped config (.ci/run installs it)").isNotNull();
        BenchCertificate cert = BenchCertificate.generate(dir.resolve("tls"));
        String cfg = Templates.haproxy(Templates.load(Templates.HAPROXY_RESOURCE, null), 18081, List.of(40001, 40002), 2,
            new Templates.TlsSettings(cert, resumption));
        assertThat(cfg).contains("bind 127.0.0.1:18081 ssl crt " + cert.combined());
        if (resumption) {
            assertThat(cfg).doesNotContain("no-tls-tickets", "tune.ssl.cachesize");
        } else {
            assertThat(cfg).contains("no-tls-tickets", "tune.ssl.cachesize 0");
        }
        Path file = dir.resolve("haproxy.cfg");
        Files.writeString(file, cfg);
        String out = ProcStats.run(List.of(haproxy.toString(), "-c", "-f", file.toString()), 30);
        assertThat(out).contains("Configuration file is valid").doesNotContainIgnoringCase("warning");
    }
}
