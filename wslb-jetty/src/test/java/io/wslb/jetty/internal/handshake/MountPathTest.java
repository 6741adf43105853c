package io.wslb.jetty.internal.handshake;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class MountPathTest {

    @Test
    void remainder_isThePathBelowTheMount_keptEncoded() {
        assertThat(MountPath.remainder("/ws/room/a%20b", "/ws")).isEqualTo("/room/a%20b");
        assertThat(MountPath.remainder("/ws", "/ws")).isEmpty();
        assertThat(MountPath.remainder("/chat", "")).isEqualTo("/chat");
        assertThat(MountPath.remainder("", "")).isEqualTo("/");
    }

    @Test
    void dotSegments_areResolvedBeforeTheMountIsCut() {
        assertThat(MountPath.remainder("/ws/a/../b", "/ws")).isEqualTo("/b");
        assertThat(MountPath.remainder("/ws/../ws/x", "/ws")).isEqualTo("/x");
        assertThat(MountPath.remainder("/ws/../admin", "/ws")).as("leaves the mount").isNull();
        assertThat(MountPath.remainder("/../etc", "")).as("leaves the root").isNull();
    }

    @Test
    void hiddenDotSegments_areRefused() {
        assertThat(MountPath.remainder("/ws/%2e%2e/admin", "/ws")).isNull();
        assertThat(MountPath.remainder("/ws/%2E./admin", "/ws")).isNull();
        assertThat(MountPath.remainder("/ws/..;x/admin", "/ws")).isNull();
        assertThat(MountPath.remainder("/ws/.%2e", "/ws")).isNull();
        assertThat(MountPath.remainder("/ws/..x/ok", "/ws")).isEqualTo("/..x/ok");
    }

    @Test
    void aPathThatOnlySharesThePrefixText_isNotBelowTheMount() {
        assertThat(MountPath.remainder("/wsx/a", "/ws")).isNull();
    }
}
