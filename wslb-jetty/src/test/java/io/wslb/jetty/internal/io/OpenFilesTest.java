package io.wslb.jetty.internal.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wslb.jetty.ProxyServerConnector;
import org.junit.jupiter.api.Test;

/** How many proxied connections an open-files limit fits: two descriptors each, a tenth (at least 64) spare. */
class OpenFilesTest {

    @Test
    void aLimit_fitsTwoDescriptorsPerConnection_afterATenthOrAtLeast64Spare() {
        assertThat(ProxyServerConnector.maxConnectionsFor(600)).isEqualTo((600 - 64) / 2);
        assertThat(ProxyServerConnector.maxConnectionsFor(1024)).isEqualTo((1024 - 102) / 2);
        assertThat(ProxyServerConnector.maxConnectionsFor(1_048_576)).isEqualTo((1_048_576 - 104_857) / 2);
        assertThat(ProxyServerConnector.maxConnectionsFor(10)).as("never 0, which means no cap").isEqualTo(1);
        assertThat(ProxyServerConnector.maxConnectionsFor(Long.MAX_VALUE)).isEqualTo(Integer.MAX_VALUE);
        assertThatThrownBy(() -> ProxyServerConnector.maxConnectionsFor(0)).isInstanceOf(IllegalArgumentException.class)
            .hasMessage("an open-files limit is more than zero, got 0");
    }

    @Test
    void theLimit_isReadFromTheJvm_onUnix() {
        // The test machines run Linux, where the JVM reports its RLIMIT_NOFILE.
        assertThat(ProxyServerConnector.openFilesLimit()).isPresent();
        assertThat(ProxyServerConnector.openFilesLimit().getAsLong()).isGreaterThan(OpenFiles.open().orElseThrow());
    }
}
