package io.wslb;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class HandshakeRequestTest {

    @Test
    void cookies_areFoundByExactName_acrossHeaders_withQuotesRemoved() {
        HandshakeRequest request = HandshakeRequest.builder()
            .header("Cookie", "a=1; WSLB=\"abc\"")
            .header("cookie", "other=2")
            .build();
        assertThat(request.cookie("WSLB")).isEqualTo("abc");
        assertThat(request.cookie("other")).isEqualTo("2");
        assertThat(request.cookie("wslb")).isNull();
        assertThat(request.cookie("missing")).isNull();
    }

    @Test
    void queryParameters_areDecoded_andFlagsAreEmpty() {
        HandshakeRequest request = HandshakeRequest.builder().query("room=a%20b&flag&x=1&x=2").build();
        assertThat(request.queryParameter("room")).isEqualTo("a b");
        assertThat(request.queryParameter("flag")).isEmpty();
        assertThat(request.queryParameter("x")).isEqualTo("1");
        assertThat(request.queryParameter("nope")).isNull();
        assertThat(HandshakeRequest.builder().build().queryParameter("x")).isNull();
    }

    @Test
    void malformedPercentEncoding_yieldsNull_notAnException() {
        HandshakeRequest request = HandshakeRequest.builder().query("bad=%zz").build();
        assertThat(request.queryParameter("bad")).isNull();
    }

    @Test
    void subprotocols_areListedInOrder_acrossHeaders() {
        HandshakeRequest request = HandshakeRequest.builder()
            .header("Sec-WebSocket-Protocol", "chat.v2, chat.v1")
            .header("Sec-WebSocket-Protocol", "mqtt")
            .build();
        assertThat(request.subprotocols()).containsExactly("chat.v2", "chat.v1", "mqtt");
    }

    @Test
    void headers_areCaseInsensitive_andNamesKeepTheirCase() {
        HandshakeRequest request = HandshakeRequest.builder().header("X-Tenant", "acme").header("x-tenant", "beta").build();
        assertThat(request.header("x-TENANT")).isEqualTo("acme");
        assertThat(request.headers("X-Tenant")).containsExactly("acme", "beta");
        assertThat(request.headerNames()).containsExactly("X-Tenant");
    }
}
