package io.wslb.jetty.internal.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wslb.jetty.ProxyServerConnector;
import java.nio.file.Files;
import java.nio.file.Path;
import org.eclipse.jetty.server.Server;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The accept queue length a connector asks for, and how a setting of it is checked. */
class AcceptQueueSizeTest {

    @Test
    void theKernelsCap_isReadFromSomaxconn_andWhereItCannotBe_511IsUsed(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("somaxconn");
        Files.writeString(file, "4096\n");
        assertThat(AcceptQueue.sizeFrom(file)).isEqualTo(4096);
        Files.writeString(file, "1000000\n");
        assertThat(AcceptQueue.sizeFrom(file)).as("cut to what the kernel keeps").isEqualTo(65535);
        Files.writeString(file, "0\n");
        assertThat(AcceptQueue.sizeFrom(file)).isEqualTo(511);
        Files.writeString(file, "many\n");
        assertThat(AcceptQueue.sizeFrom(file)).isEqualTo(511);
        assertThat(AcceptQueue.sizeFrom(dir.resolve("absent"))).isEqualTo(511);
    }

    @Test
    void theDefault_isTheWholeValueOfTheRealProcfsFile() throws Exception {
        // Files.readString returned "4" of procfs's "4096" on JDK 17; the test machines run Linux.
        int somaxconn = Integer.parseInt(Files.readAllLines(AcceptQueue.SOMAXCONN).get(0).strip());
        assertThat(ProxyServerConnector.defaultAcceptQueueSize()).isEqualTo(Math.min(somaxconn, 65535));
    }

    @Test
    void aSetting_outside1To65535_orAfterTheConnectorOpened_isRefusedNamingIt() throws Exception {
        Server server = new Server();
        ProxyServerConnector connector = new ProxyServerConnector(server, 1);
        server.addConnector(connector);
        for (int bad : new int[] {0, -1, 65536}) {
            assertThatThrownBy(() -> connector.setAcceptQueueSize(bad)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("accept queue size must be between 1 and 65535, got " + bad);
        }
        connector.setAcceptQueueSize(1000);
        assertThat(connector.getAcceptQueueSize()).isEqualTo(1000);
        server.start();
        try {
            assertThatThrownBy(() -> connector.setAcceptQueueSize(2000)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("before the connector opens");
        } finally {
            server.stop();
        }
    }
}
