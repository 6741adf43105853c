package io.wslb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BackendTest {

    @Test
    void of_uri_namesTheBackendHostColonPort_withDefaultPorts() {
        assertThat(Backend.of(URI.create("ws://127.0.0.1:9101/x")).id()).isEqualTo("127.0.0.1:9101");
        assertThat(Backend.of(URI.create("ws://example.com")).id()).isEqualTo("example.com:80");
        assertThat(Backend.of(URI.create("wss://example.com")).port()).isEqualTo(443);
        assertThat(Backend.of(URI.create("ws://[::1]:9000")).id()).isEqualTo("::1:9000");
        assertThat(Backend.of(URI.create("ws://[::1]:9000")).host()).isEqualTo("::1");
    }

    @Test
    void withMethods_returnCopies() {
        Backend base = Backend.of("a", URI.create("ws://h:1"));
        Backend heavier = base.withWeight(3).withMetadata("zone", "eu");
        assertThat(base.weight()).isEqualTo(1);
        assertThat(base.metadata()).isEmpty();
        assertThat(heavier.weight()).isEqualTo(3);
        assertThat(heavier.metadata()).containsExactly(Map.entry("zone", "eu"));
        assertThat(heavier.secure()).isFalse();
    }

    @Test
    void invalidBackends_areRejectedWithAMessageNamingTheProblem() {
        assertThatThrownBy(() -> Backend.of("a", URI.create("http://h:1"))).hasMessageContaining("ws:// or wss://");
        assertThatThrownBy(() -> Backend.of("a", URI.create("ws:/nohost"))).hasMessageContaining("no host");
        assertThatThrownBy(() -> Backend.of("a", URI.create("ws://u:p@h:1"))).hasMessageContaining("user info");
        assertThatThrownBy(() -> Backend.of("a", URI.create("ws://h:1/#f"))).hasMessageContaining("fragment");
        assertThatThrownBy(() -> Backend.of("has space", URI.create("ws://h:1"))).hasMessageContaining("backend id");
        assertThatThrownBy(() -> Backend.of("a", URI.create("ws://h:1")).withWeight(-1)).hasMessageContaining("weight");
        assertThatThrownBy(() -> Backend.of("a", URI.create("ws://h:1")).withWeight(10_001)).hasMessageContaining("weight");
    }
}
