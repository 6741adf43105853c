package io.wslb.strategies;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wslb.AffinityResolver;
import io.wslb.Backend;
import io.wslb.BackendPool;
import io.wslb.HandshakeRequest;
import io.wslb.LiveBackend;
import io.wslb.ResponseHeader;
import io.wslb.TrustedProxies;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

class AffinityResolversTest {

    static final BackendPool POOL = BackendPool.of(Backend.of("a", URI.create("ws://127.0.0.1:1")),
        Backend.of("b", URI.create("ws://127.0.0.1:2")));
    static final LiveBackend A = POOL.get("a");
    static final LiveBackend B = POOL.get("b");
    static final byte[] SECRET = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    static String cookieValue(List<ResponseHeader> headers) {
        assertThat(headers).hasSize(1);
        assertThat(headers.get(0).name()).isEqualTo("Set-Cookie");
        return headers.get(0).value().split(";", 2)[0].split("=", 2)[1];
    }

    @Test
    void clientIp_isThePeer_unlessAProxyItTrustsForwardedIt() {
        HandshakeRequest direct = HandshakeRequest.builder().remoteAddress(new InetSocketAddress("10.1.2.3", 5000))
            .header("X-Forwarded-For", "6.6.6.6").build();
        assertThat(AffinityResolvers.clientIp().resolve(direct)).as("untrusted peer: its XFF is ignored").isEqualTo("10.1.2.3");

        HandshakeRequest viaProxy = HandshakeRequest.builder().remoteAddress(new InetSocketAddress("10.0.0.5", 5000))
            .header("X-Forwarded-For", "6.6.6.6, 203.0.113.9").trustedProxies(TrustedProxies.of("10.0.0.0/8")).build();
        assertThat(AffinityResolvers.clientIp().resolve(viaProxy)).isEqualTo("203.0.113.9");

        HandshakeRequest v6 = HandshakeRequest.builder().remoteAddress(new InetSocketAddress("::1", 5000)).build();
        assertThat(AffinityResolvers.clientIp().resolve(v6)).isEqualTo("0:0:0:0:0:0:0:1");
    }

    @Test
    void cookie_withoutACookie_pinsNothing_andThe101NamesTheChosenBackend() {
        AffinityResolver cookie = AffinityResolvers.cookie("SRV", SECRET);
        HandshakeRequest fresh = HandshakeRequest.builder().build();
        assertThat(cookie.pinnedBackend(fresh)).isNull();
        assertThat(cookie.needsSessionStore()).isFalse();

        String value = cookieValue(cookie.responseHeaders(fresh, null, A));
        HandshakeRequest back = HandshakeRequest.builder().header("Cookie", "other=1; SRV=" + value).build();
        assertThat(cookie.pinnedBackend(back)).isEqualTo("a");
        assertThat(cookie.responseHeaders(back, null, A)).as("already names a: not set again").isEmpty();
        assertThat(cookieValue(cookie.responseHeaders(back, null, B))).as("re-picked: names b").isNotEqualTo(value);
        assertThat(cookie.responseHeaders(fresh, null, A).get(0).value()).endsWith("; Path=/; HttpOnly; SameSite=Lax");
        assertThat(cookie.responseHeaders(HandshakeRequest.builder().secure(true).build(), null, A).get(0).value())
            .endsWith("; Secure");
    }

    @Test
    void cookie_thatIsForgedOrSignedWithAnotherSecret_pinsNothing() {
        AffinityResolver cookie = AffinityResolvers.cookie("SRV", SECRET);
        String genuine = cookieValue(cookie.responseHeaders(HandshakeRequest.builder().build(), null, A));
        String idPart = genuine.substring(0, genuine.indexOf('.'));
        String forgedId = Base64.getUrlEncoder().withoutPadding().encodeToString("b".getBytes(StandardCharsets.UTF_8))
            + genuine.substring(genuine.indexOf('.'));
        for (String value : List.of(forgedId, idPart, idPart + ".AAAAAAAAAAAAAAAAAAAAAA", "junk", "", "a.b.c", "%%%.%%%")) {
            HandshakeRequest request = HandshakeRequest.builder().header("Cookie", "SRV=" + value).build();
            assertThat(cookie.pinnedBackend(request)).as("cookie %s", value).isNull();
        }
        AffinityResolver otherBalancer = AffinityResolvers.cookie("SRV", "another-secret-of-32-bytes-......".getBytes(StandardCharsets.US_ASCII));
        assertThat(otherBalancer.pinnedBackend(HandshakeRequest.builder().header("Cookie", "SRV=" + genuine).build())).isNull();
    }

    @Test
    void cookie_settingsAreValidated() {
        assertThatThrownBy(() -> AffinityResolvers.cookie("bad name")).hasMessageContaining("token");
        assertThatThrownBy(() -> AffinityResolvers.cookie("SRV", new byte[16])).hasMessageContaining("at least 32 bytes");
    }

    @Test
    void appCookieHeaderAndQuery_yieldTheValueAsKey_andNeedAStore() {
        HandshakeRequest request = HandshakeRequest.builder().header("Cookie", "JSESSIONID=s-42").header("X-User", " u7 ")
            .query("room=lobby&x=1").build();
        assertThat(AffinityResolvers.appCookie("JSESSIONID").resolve(request)).isEqualTo("s-42");
        assertThat(AffinityResolvers.header("x-user").resolve(request)).isEqualTo("u7");
        assertThat(AffinityResolvers.queryParameter("room").resolve(request)).isEqualTo("lobby");
        assertThat(AffinityResolvers.header("X-Missing").resolve(request)).isNull();
        assertThat(AffinityResolvers.header("X-User").needsSessionStore()).isTrue();
        assertThat(AffinityResolvers.header("X-User").resolve(HandshakeRequest.builder().header("X-User", "  ").build())).isNull();
        assertThat(AffinityResolvers.header("X-User").resolve(HandshakeRequest.builder().header("X-User", "x".repeat(513)).build()))
            .as("oversized keys are no key").isNull();
    }

    static String hs256(String payloadJson, byte[] secret) throws Exception {
        return sign("{\"alg\":\"HS256\",\"typ\":\"JWT\"}", payloadJson, secret);
    }

    static String sign(String headerJson, String payloadJson, byte[] secret) throws Exception {
        Base64.Encoder enc = Base64.getUrlEncoder().withoutPadding();
        String signingInput = enc.encodeToString(headerJson.getBytes(StandardCharsets.UTF_8)) + "."
            + enc.encodeToString(payloadJson.getBytes(StandardCharsets.UTF_8));
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(secret, "HmacSHA256"));
        return signingInput + "." + enc.encodeToString(mac.doFinal(signingInput.getBytes(StandardCharsets.US_ASCII)));
    }

    @Test
    void jwtClaim_fromAVerifiedToken_isTheKey_andAnUnverifiableTokenPinsNothing() throws Exception {
        Clock now = Clock.fixed(Instant.ofEpochSecond(1_800_000_000L), ZoneOffset.UTC);
        JwtVerifier verifier = JwtVerifier.hmacSha256(SECRET, now);
        AffinityResolver bySubject = AffinityResolvers.jwtClaimFromHeader("Authorization", "sub", verifier);

        String good = hs256("{\"sub\":\"user-42\",\"exp\":1800000600,\"nested\":{\"sub\":\"no\"}}", SECRET);
        assertThat(bySubject.resolve(HandshakeRequest.builder().header("Authorization", "Bearer " + good).build()))
            .isEqualTo("user-42");

        String expired = hs256("{\"sub\":\"user-42\",\"exp\":1799999999}", SECRET);
        String notYet = hs256("{\"sub\":\"user-42\",\"nbf\":1800000100}", SECRET);
        String wrongKey = hs256("{\"sub\":\"user-42\"}", "ffffffffffffffffffffffffffffffff".getBytes(StandardCharsets.US_ASCII));
        String algNone = sign("{\"alg\":\"none\"}", "{\"sub\":\"user-42\"}", SECRET);
        String tampered = good.substring(0, good.indexOf('.') + 1)
            + Base64.getUrlEncoder().withoutPadding().encodeToString("{\"sub\":\"admin\"}".getBytes(StandardCharsets.UTF_8))
            + good.substring(good.lastIndexOf('.'));
        for (String token : List.of(expired, notYet, wrongKey, algNone, tampered, "not.a.jwt", "x", "a.b")) {
            HandshakeRequest request = HandshakeRequest.builder().header("Authorization", "Bearer " + token).build();
            assertThat(bySubject.resolve(request)).as("token %s", token).isNull();
        }
    }

    @Test
    void jwtClaim_canComeFromAQueryParameter_andNumbersAreKeysToo() throws Exception {
        String token = hs256("{\"tenant\":12345}", SECRET);
        AffinityResolver byTenant = AffinityResolvers.jwtClaimFromQuery("access_token", "tenant", JwtVerifier.hmacSha256(SECRET));
        assertThat(byTenant.resolve(HandshakeRequest.builder().query("access_token=" + token).build())).isEqualTo("12345");
        AffinityResolver trusting = AffinityResolvers.jwtClaimFromHeader("X-Token", "tenant", JwtVerifier.acceptUnverified());
        String unsigned = sign("{\"alg\":\"none\"}", "{\"tenant\":\"t1\"}", SECRET);
        assertThat(trusting.resolve(HandshakeRequest.builder().header("X-Token", unsigned).build())).isEqualTo("t1");
        assertThatThrownBy(() -> JwtVerifier.hmacSha256(new byte[8])).hasMessageContaining("at least 32 bytes");
    }

    @Test
    void firstOf_takesTheFirstResolverThatRecognisesTheClient() {
        AffinityResolver cookie = AffinityResolvers.cookie("SRV", SECRET);
        AffinityResolver composed = AffinityResolvers.firstOf(AffinityResolvers.header("X-User"), cookie, AffinityResolvers.clientIp());
        HandshakeRequest withUser = HandshakeRequest.builder().header("X-User", "u1").build();
        HandshakeRequest anonymous = HandshakeRequest.builder().remoteAddress(new InetSocketAddress("10.9.8.7", 1)).build();
        assertThat(composed.resolve(withUser)).isEqualTo("u1");
        assertThat(composed.resolve(anonymous)).isEqualTo("10.9.8.7");
        assertThat(composed.needsSessionStore()).isTrue();

        String value = cookieValue(composed.responseHeaders(anonymous, "10.9.8.7", B));
        HandshakeRequest returning = HandshakeRequest.builder().header("Cookie", "SRV=" + value).build();
        assertThat(composed.pinnedBackend(returning)).as("the signed cookie names b").isEqualTo("b");
        assertThatThrownBy(AffinityResolvers::firstOf).hasMessageContaining("at least one");
    }
}
