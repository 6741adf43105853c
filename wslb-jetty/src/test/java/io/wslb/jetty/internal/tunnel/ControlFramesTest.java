package io.wslb.jetty.internal.tunnel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class ControlFramesTest {

    @Test
    void closeFrames_neverCarryReservedCodes_andMaskTowardBackends() {
        assertThatThrownBy(() -> ControlFrames.close(1006, "", false))
            .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ControlFrames.close(1005, "", true))
            .isInstanceOf(IllegalArgumentException.class);
        var toClient = ControlFrames.close(1011, "backend went away", false);
        assertThat(toClient.get(0) & 0xFF).isEqualTo(0x88);
        assertThat(toClient.get(1) & 0x80).as("unmasked toward the client").isZero();
        assertThat(((toClient.get(2) & 0xFF) << 8) | (toClient.get(3) & 0xFF)).isEqualTo(1011);
        var toBackend = ControlFrames.close(1001, "x".repeat(200), true);
        assertThat(toBackend.get(1) & 0x80).as("masked toward the backend").isEqualTo(0x80);
        assertThat(toBackend.get(1) & 0x7F).as("reason cut to fit a control frame").isLessThanOrEqualTo(125);
        FrameScanner server = new FrameScanner(new FrameRules(true, Long.MAX_VALUE, Long.MAX_VALUE, 0, 0));
        assertThat(server.scan(toBackend)).isEqualTo(toBackend.remaining());
        assertThat(server.closeSeen()).isTrue();
    }

    @Test
    void pings_areValidControlFrames_maskedTowardBackendsOnly() {
        ByteBuffer toBackend = ControlFrames.ping(true);
        ByteBuffer toClient = ControlFrames.ping(false);

        assertThat(toClient.get(0) & 0xFF).isEqualTo(0x89);
        assertThat(toClient.get(1) & 0x80).as("unmasked toward the client").isZero();
        assertThat(toBackend.get(1) & 0x80).as("masked toward the backend").isEqualTo(0x80);
        FrameScanner server = new FrameScanner(new FrameRules(true, Long.MAX_VALUE, Long.MAX_VALUE, 0, 0));
        assertThat(server.scan(toBackend)).isEqualTo(toBackend.remaining());
        assertThat(server.violation()).isZero();
        FrameScanner client = new FrameScanner(new FrameRules(false, Long.MAX_VALUE, Long.MAX_VALUE, 0, 0));
        assertThat(client.scan(toClient)).isEqualTo(toClient.remaining());
        assertThat(client.violation()).isZero();
    }
}
