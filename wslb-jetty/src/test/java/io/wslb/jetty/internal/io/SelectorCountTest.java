package io.wslb.jetty.internal.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wslb.jetty.ProxyServerConnector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.Test;

class SelectorCountTest {

    @Test
    void eachSide_getsHalfTheCores_andNeverFewerThanTwo() {
        assertThat(SelectorCount.forCores(1)).isEqualTo(2);
        assertThat(SelectorCount.forCores(2)).isEqualTo(2);
        assertThat(SelectorCount.forCores(5)).isEqualTo(2);
        assertThat(SelectorCount.forCores(8)).isEqualTo(4);
        assertThat(SelectorCount.forCores(64)).isEqualTo(32);
        assertThatThrownBy(() -> SelectorCount.forCores(0)).isInstanceOf(IllegalArgumentException.class)
            .hasMessage("cores must be at least 1, got 0");
    }

    @Test
    void theBackendConnector_getsTheDefault_orMoreWhenAPlainConnectorHasMore() {
        int standard = SelectorCount.forThisMachine();
        assertThat(SelectorCount.forBackends(new Server())).isEqualTo(standard);

        Server withOne = new Server();
        withOne.addConnector(new ServerConnector(withOne, 0, 1));
        assertThat(SelectorCount.forBackends(withOne)).as("never fewer than the default").isEqualTo(standard);

        Server withMany = new Server();
        withMany.addConnector(new ServerConnector(withMany, 0, standard + 3));
        assertThat(SelectorCount.forBackends(withMany)).isEqualTo(standard + 3);
    }

    @Test
    void theBackendConnector_getsOneSelector_whenEveryConnectorPlacesBackendSocketsBesideItsClients() {
        Server proxyOnly = new Server();
        proxyOnly.addConnector(new ProxyServerConnector(proxyOnly, 6));
        assertThat(SelectorCount.forBackends(proxyOnly)).isEqualTo(1);

        Server mixed = new Server();
        mixed.addConnector(new ProxyServerConnector(mixed, 6));
        mixed.addConnector(new ServerConnector(mixed, 0, 1));
        assertThat(SelectorCount.forBackends(mixed)).as("the plain connector's requests need it")
            .isEqualTo(SelectorCount.forThisMachine());
    }
}
