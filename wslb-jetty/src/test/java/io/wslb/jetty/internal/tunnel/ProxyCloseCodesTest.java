package io.wslb.jetty.internal.tunnel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wslb.CloseCause;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/**
 * The proxy never puts a reserved close code on the wire: 1005 (no status), 1006 (abnormal closure) and 1015
 * (TLS failure) exist only as what an endpoint reports locally (RFC 6455 section 7.4.1).
 */
class ProxyCloseCodesTest {

    @Test
    void aCloseFrameWithAReservedCode_cannotBeBuilt_towardEitherSide() {
        for (int code : new int[] {1005, 1006, 1015}) {
            for (boolean towardBackend : new boolean[] {false, true}) {
                assertThatThrownBy(() -> ControlFrames.close(code, "x", towardBackend)).as("code %d", code)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(String.valueOf(code));
            }
        }
    }

    @Test
    void everyCodeTheProxySendsForACause_isNotReserved_andBuildsAFrameCarryingIt() {
        for (CloseCause cause : CloseCause.values()) {
            for (int code : new int[] {cause.clientCloseCode(), cause.backendCloseCode()}) {
                if (code == 0) {
                    continue; // no frame of the proxy's own for this side
                }
                assertThat(code).as(cause.name()).isNotIn(1005, 1006, 1015);
                ByteBuffer frame = ControlFrames.close(code, cause.name(), false);
                assertThat(frame.get(0) & 0x0F).as("opcode").isEqualTo(0x8);
                assertThat(((frame.get(2) & 0xFF) << 8) | (frame.get(3) & 0xFF)).as(cause.name()).isEqualTo(code);
            }
        }
    }
}
