package io.wslb.jetty.internal.handshake;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import org.junit.jupiter.api.Test;

class BackendHandshakeTest {

    @Test
    void acceptValue_matchesTheRfcExample() {
        // RFC 6455 section 1.3
        assertThat(BackendHandshake.accept("dGhlIHNhbXBsZSBub25jZQ==")).isEqualTo("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    }

    @Test
    void target_appendsTheClientPathBelowTheMount_toTheBackendPath() {
        assertThat(BackendHandshake.target(URI.create("ws://h:1"), "/chat/7", "x=1")).isEqualTo("/chat/7?x=1");
        assertThat(BackendHandshake.target(URI.create("ws://h:1"), "", null)).isEqualTo("/");
        assertThat(BackendHandshake.target(URI.create("ws://h:1/base"), "/room", null)).isEqualTo("/base/room");
        assertThat(BackendHandshake.target(URI.create("ws://h:1/base/"), "/room", null)).isEqualTo("/base/room");
        assertThat(BackendHandshake.target(URI.create("ws://h:1/base"), "", null)).isEqualTo("/base");
        assertThat(BackendHandshake.target(URI.create("ws://h:1/base?k=v"), "/r", "x=1")).isEqualTo("/base/r?k=v&x=1");
    }

    @Test
    void keyValidation_acceptsSixteenBytesOfBase64Only() {
        assertThat(ClientHandshake.isValidKey("dGhlIHNhbXBsZSBub25jZQ==")).isTrue();
        assertThat(ClientHandshake.isValidKey("dGhlIHNhbXBsZQ==")).isFalse();
        assertThat(ClientHandshake.isValidKey("not base64 at all!!!!!!!")).isFalse();
        assertThat(ClientHandshake.isValidKey("")).isFalse();
    }
}
