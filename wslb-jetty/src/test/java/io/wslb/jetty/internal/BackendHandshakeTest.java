package io.wslb.jetty.internal;

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

    @Test
    void closeFrames_neverCarryReservedCodes_andMaskTowardBackends() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> CloseFrames.close(1006, "", false))
            .isInstanceOf(IllegalArgumentException.class);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> CloseFrames.close(1005, "", true))
            .isInstanceOf(IllegalArgumentException.class);
        var toClient = CloseFrames.close(1011, "backend went away", false);
        assertThat(toClient.get(0) & 0xFF).isEqualTo(0x88);
        assertThat(toClient.get(1) & 0x80).as("unmasked toward the client").isZero();
        assertThat(((toClient.get(2) & 0xFF) << 8) | (toClient.get(3) & 0xFF)).isEqualTo(1011);
        var toBackend = CloseFrames.close(1001, "x".repeat(200), true);
        assertThat(toBackend.get(1) & 0x80).as("masked toward the backend").isEqualTo(0x80);
        assertThat(toBackend.get(1) & 0x7F).as("reason cut to fit a control frame").isLessThanOrEqualTo(125);
        FrameScanner server = new FrameScanner(new FrameRules(true, Long.MAX_VALUE, Long.MAX_VALUE, 0, 0));
        assertThat(server.scan(toBackend)).isEqualTo(toBackend.remaining());
        assertThat(server.closeSeen()).isTrue();
    }
}
