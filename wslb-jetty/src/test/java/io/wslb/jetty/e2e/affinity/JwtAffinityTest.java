package io.wslb.jetty.e2e.affinity;

import static org.assertj.core.api.Assertions.assertThat;

import io.wslb.AffinityResolver;
import io.wslb.WebSocketLoadBalancer;
import io.wslb.jetty.testing.Balancers;
import io.wslb.jetty.testing.Closer;
import io.wslb.jetty.testing.EchoBackends;
import io.wslb.jetty.testing.EventLog;
import io.wslb.jetty.testing.LoadBalancerProxy;
import io.wslb.strategies.AffinityResolvers;
import io.wslb.strategies.JwtVerifier;
import io.wslb.strategies.SessionStores;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * JWT-claim affinity with HS256 verification: a token that cannot be believed (bad signature, another issuer's
 * secret, expired, not yet valid, {@code alg: none}, another algorithm, a malformed time claim) never pins a
 * client, not even to the backend of the user it claims to be. Such clients get a 101 and are balanced like
 * clients without a token.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class JwtAffinityTest {

    private static final byte[] SECRET = Tokens.secret('j');
    private static final byte[] OTHER_SECRET = Tokens.secret('x');
    private static final String VICTIM = "victim";

    /** An unverifiable token claiming to be the victim. */
    record BadToken(String name, Supplier<String> token) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<BadToken> badTokens() {
        return Stream.of(
            new BadToken("bad signature (payload changed after signing)", () -> {
                String genuine = Tokens.hs256(SECRET, Tokens.validPayload("someone-else"));
                String[] parts = genuine.split("\\.");
                return parts[0] + "." + Tokens.encode(Tokens.validPayload(VICTIM)) + "." + parts[2];
            }),
            new BadToken("bad signature (last bytes flipped)", () -> {
                String genuine = Tokens.hs256(SECRET, Tokens.validPayload(VICTIM));
                char last = genuine.charAt(genuine.length() - 2);
                return genuine.substring(0, genuine.length() - 2) + (last == 'A' ? 'B' : 'A') + genuine.charAt(genuine.length() - 1);
            }),
            new BadToken("signed with another secret", () -> Tokens.hs256(OTHER_SECRET, Tokens.validPayload(VICTIM))),
            new BadToken("expired a minute ago", () -> Tokens.hs256(SECRET,
                "{\"sub\":\"" + VICTIM + "\",\"exp\":" + (Tokens.now() - 60) + "}")),
            new BadToken("not valid before an hour from now", () -> Tokens.hs256(SECRET,
                "{\"sub\":\"" + VICTIM + "\",\"nbf\":" + (Tokens.now() + 3600) + ",\"exp\":" + (Tokens.now() + 7200) + "}")),
            new BadToken("alg none, empty signature", () -> Tokens.unsecured(Tokens.validPayload(VICTIM))),
            new BadToken("alg none, with an HMAC that is right for the secret", () -> Tokens.signed(
                "{\"alg\":\"none\",\"typ\":\"JWT\"}", Tokens.validPayload(VICTIM), SECRET)),
            new BadToken("alg HS512 header over an HS256 signature", () -> Tokens.signed(
                "{\"alg\":\"HS512\",\"typ\":\"JWT\"}", Tokens.validPayload(VICTIM), SECRET)),
            new BadToken("exp that is not a number", () -> Tokens.hs256(SECRET,
                "{\"sub\":\"" + VICTIM + "\",\"exp\":\"tomorrow\"}")),
            new BadToken("nbf that is not a number", () -> Tokens.hs256(SECRET,
                "{\"sub\":\"" + VICTIM + "\",\"nbf\":\"soon\",\"exp\":" + (Tokens.now() + 3600) + "}")),
            new BadToken("only two parts", () -> {
                String genuine = Tokens.hs256(SECRET, Tokens.validPayload(VICTIM));
                return genuine.substring(0, genuine.lastIndexOf('.'));
            }));
    }

    private final Closer closer = new Closer();
    private final EventLog events = new EventLog();
    private EchoBackends backends;

    @AfterEach
    void stop() throws Exception {
        closer.close();
    }

    private LoadBalancerProxy proxy(AffinityResolver resolver) throws Exception {
        backends = closer.add(EchoBackends.start(3));
        WebSocketLoadBalancer lb = Balancers.roundRobin(events, backends.members())
            .affinity(resolver)
            .sessionStore(SessionStores.inMemory(Duration.ofMinutes(5)))
            .build();
        return closer.add(LoadBalancerProxy.handler("/", lb));
    }

    private static String bearer(String token) {
        return "Authorization: Bearer " + token;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badTokens")
    void unverifiableTokenInTheHeader_neverPins_itsClientsSpreadLikeUnauthenticatedOnes(BadToken bad) throws Exception {
        LoadBalancerProxy proxy = proxy(AffinityResolvers.jwtClaimFromHeader("Authorization", "sub", JwtVerifier.hmacSha256(SECRET)));
        Probe probe = new Probe(proxy, backends);

        // The real victim is pinned somewhere.
        String home = probe.land("/", bearer(Tokens.hs256(SECRET, Tokens.validPayload(VICTIM)))).backend();
        assertThat(probe.land("/", bearer(Tokens.hs256(SECRET, Tokens.validPayload(VICTIM)))).backend()).isEqualTo(home);

        String token = bad.token().get();
        List<String> forged = new ArrayList<>();
        List<String> anonymous = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            forged.add(probe.land("/", bearer(token)).backend()); // 101 and an echo, or this throws
            anonymous.add(probe.land("/").backend());
        }
        assertThat(new TreeSet<>(forged)).as("backends of 6 clients with a token '%s' claiming sub=%s (victim on %s): %s",
            bad, VICTIM, home, forged).containsExactly("b1", "b2", "b3");
        assertThat(new TreeSet<>(anonymous)).as("backends of 6 clients without a token: %s", anonymous)
            .containsExactly("b1", "b2", "b3");

        // The forged tokens did not move the victim's mapping either.
        assertThat(probe.land("/", bearer(Tokens.hs256(SECRET, Tokens.validPayload(VICTIM)))).backend())
            .as("the victim after the forgeries").isEqualTo(home);
        assertThat(events.rejected).isEmpty();
        proxy.awaitNothingOpen();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badTokens")
    void unverifiableTokenInTheQuery_neverPins(BadToken bad) throws Exception {
        LoadBalancerProxy proxy = proxy(AffinityResolvers.jwtClaimFromQuery("token", "sub", JwtVerifier.hmacSha256(SECRET)));
        Probe probe = new Probe(proxy, backends);

        String home = probe.land("/?token=" + Tokens.hs256(SECRET, Tokens.validPayload(VICTIM))).backend();
        String token = bad.token().get();
        List<String> forged = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            forged.add(probe.land("/?token=" + token).backend());
        }
        assertThat(new TreeSet<>(forged)).as("backends of 6 clients with a token '%s' claiming sub=%s (victim on %s): %s",
            bad, VICTIM, home, forged).containsExactly("b1", "b2", "b3");
        assertThat(probe.land("/?token=" + Tokens.hs256(SECRET, Tokens.validPayload(VICTIM))).backend()).isEqualTo(home);
        proxy.awaitNothingOpen();
    }

    @Test
    void validTokensOfTheSameUser_issuedAtDifferentTimes_landTogether_andBearerPrefixIsOptional() throws Exception {
        LoadBalancerProxy proxy = proxy(AffinityResolvers.jwtClaimFromHeader("Authorization", "sub", JwtVerifier.hmacSha256(SECRET)));
        Probe probe = new Probe(proxy, backends);

        String home = probe.land("/", bearer(Tokens.hs256(SECRET, Tokens.validPayload("alice")))).backend();
        for (int i = 0; i < 5; i++) {
            // A different token each time (another iat/exp), the same subject.
            String token = Tokens.hs256(SECRET, "{\"sub\":\"alice\",\"iat\":" + (Tokens.now() - i) + ",\"exp\":"
                + (Tokens.now() + 600 + i) + ",\"n\":" + i + "}");
            String line = i % 2 == 0 ? bearer(token) : "Authorization: " + token;
            assertThat(probe.land("/", line).backend()).as("alice's token %d", i).isEqualTo(home);
            probe.land("/"); // move the round robin on
        }
        proxy.awaitNothingOpen();
    }
}
