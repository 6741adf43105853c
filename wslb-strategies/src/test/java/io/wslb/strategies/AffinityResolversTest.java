package io.wslb.strategies;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wslb.AffinityResolver;
import io.wslb.Backend;
import io.wslb.BackendPool;
import io.wslb.HandshakeRequest;
import io.wslb.HttpHeader;
import io.wslb.LiveBackend;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AffinityResolversTest {

    static final LiveBackend A = BackendPool.of(Backend.of("a", URI.create("ws://127.0.0.1:1"))).get("a");

    @Test
    void clientIp_isTheAddressOfThePeer() {
        HandshakeRequest v4 = HandshakeRequest.builder().remoteAddress(new InetSocketAddress("10.1.2.3", 5000)).build();
        HandshakeRequest v6 = HandshakeRequest.builder().remoteAddress(new InetSocketAddress("::1", 5000)).build();
        assertThat(AffinityResolvers.clientIp().resolve(v4)).isEqualTo("10.1.2.3");
        assertThat(AffinityResolvers.clientIp().resolve(v6)).isEqualTo("0:0:0:0:0:0:0:1");
    }

    @Test
    void cookie_withoutTheCookie_issuesAFreshKey_andSetsItOnThe101() {
        AffinityResolver cookie = AffinityResolvers.cookie("WSLB");
        HandshakeRequest fresh = HandshakeRequest.builder().build();
        String key = cookie.resolve(fresh);

        assertThat(key).hasSize(22).matches("[A-Za-z0-9_-]+");
        assertThat(cookie.responseHeaders(fresh, key, A))
            .containsExactly(new HttpHeader("Set-Cookie", "WSLB=" + key + "; Path=/; HttpOnly; SameSite=Lax"));
    }

    @Test
    void cookie_keysAreUnique() {
        AffinityResolver cookie = AffinityResolvers.cookie("WSLB");
        Set<String> keys = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            keys.add(cookie.resolve(HandshakeRequest.builder().build()));
        }
        assertThat(keys).hasSize(1000);
    }

    @Test
    void cookie_sentBack_isTheKey_andIsNotSetAgain() {
        AffinityResolver cookie = AffinityResolvers.cookie("WSLB");
        String key = cookie.resolve(HandshakeRequest.builder().build());
        HandshakeRequest back = HandshakeRequest.builder().header("Cookie", "x=1; WSLB=" + key).build();
        assertThat(cookie.resolve(back)).isEqualTo(key);
        assertThat(cookie.responseHeaders(back, key, A)).isEmpty();
    }

    @Test
    void cookie_thatIsNotAWellFormedKey_isReplaced() {
        AffinityResolver cookie = AffinityResolvers.cookie("WSLB");
        HandshakeRequest forged = HandshakeRequest.builder().header("Cookie", "WSLB=../../etc/passwd").build();
        String key = cookie.resolve(forged);
        assertThat(key).isNotEqualTo("../../etc/passwd").hasSize(22);
        assertThat(cookie.responseHeaders(forged, key, A)).hasSize(1);
    }

    @Test
    void cookie_overTls_isSecure() {
        AffinityResolver cookie = AffinityResolvers.cookie("WSLB");
        HandshakeRequest tls = HandshakeRequest.builder().secure(true).build();
        List<HttpHeader> headers = cookie.responseHeaders(tls, cookie.resolve(tls), A);
        assertThat(headers.get(0).value()).endsWith("; Secure");
    }

    @Test
    void cookie_nameMustBeAToken() {
        assertThatThrownBy(() -> AffinityResolvers.cookie("bad name")).hasMessageContaining("token");
        assertThatThrownBy(() -> AffinityResolvers.cookie("a=b")).hasMessageContaining("token");
    }
}
