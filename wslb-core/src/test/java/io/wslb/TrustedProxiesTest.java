package io.wslb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

class TrustedProxiesTest {

    static InetAddress ip(String literal) throws Exception {
        return InetAddress.getByName(literal);
    }

    @Test
    void cidrBlocks_matchIpv4AndIpv6() throws Exception {
        TrustedProxies proxies = TrustedProxies.of("10.0.0.0/8", "192.168.1.7", "fd00::/8", "::1");
        assertThat(proxies.contains(ip("10.200.3.4"))).isTrue();
        assertThat(proxies.contains(ip("11.0.0.1"))).isFalse();
        assertThat(proxies.contains(ip("192.168.1.7"))).isTrue();
        assertThat(proxies.contains(ip("192.168.1.8"))).isFalse();
        assertThat(proxies.contains(ip("fd12:3456::1"))).isTrue();
        assertThat(proxies.contains(ip("fe80::1"))).isFalse();
        assertThat(proxies.contains(ip("::1"))).isTrue();
        assertThat(TrustedProxies.of("0.0.0.0/0").contains(ip("8.8.8.8"))).isTrue();
        assertThat(TrustedProxies.none().contains(ip("127.0.0.1"))).isFalse();
    }

    @Test
    void anythingButAnIpLiteral_isRejected_withoutAskingDns() {
        for (String bad : List.of("example.com", "10.0.0.0/33", "999.1.1.1", "10.0.0/8", "::1/129", "1.2.3.4/x", "")) {
            assertThatThrownBy(() -> TrustedProxies.of(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void clientAddress_isTheRightmostUntrustedHop_fromATrustedPeer() throws Exception {
        TrustedProxies proxies = TrustedProxies.of("10.0.0.0/8");
        InetAddress peer = ip("10.0.0.2");
        assertThat(proxies.clientAddress(peer, List.of("1.1.1.1, 2.2.2.2", "10.0.0.9"), List.of()))
            .as("10.0.0.9 is a proxy too; 2.2.2.2 is the client; 1.1.1.1 was written by the client and is ignored")
            .isEqualTo(ip("2.2.2.2"));
        assertThat(proxies.clientAddress(peer, List.of("10.1.1.1, 10.2.2.2"), List.of())).as("all trusted: leftmost")
            .isEqualTo(ip("10.1.1.1"));
        assertThat(proxies.clientAddress(peer, List.of("3.3.3.3, garbage, 10.0.0.9"), List.of())).as("stops at garbage")
            .isEqualTo(ip("10.0.0.9"));
        assertThat(proxies.clientAddress(ip("8.8.8.8"), List.of("1.1.1.1"), List.of())).as("untrusted peer")
            .isEqualTo(ip("8.8.8.8"));
        assertThat(proxies.clientAddress(peer, List.of("5.5.5.5:4711"), List.of())).isEqualTo(ip("5.5.5.5"));
    }

    @Test
    void clientAddress_readsForwardedWhenThereIsNoXForwardedFor() throws Exception {
        TrustedProxies proxies = TrustedProxies.of("10.0.0.0/8");
        InetAddress peer = ip("10.0.0.2");
        assertThat(proxies.clientAddress(peer, List.of(), List.of("for=192.0.2.60;proto=http, for=\"[2001:db8:cafe::17]:4711\"")))
            .isEqualTo(ip("2001:db8:cafe::17"));
        assertThat(proxies.clientAddress(peer, List.of(), List.of("for=unknown"))).isEqualTo(peer);
    }
}
