package io.wslb.jetty.e2e.affinity;

import static org.assertj.core.api.Assertions.assertThat;

import io.wslb.AffinityResolver;
import io.wslb.TrustedProxies;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Key-based affinity through the proxy, for every built-in resolver that yields a key (client IP from a trusted
 * proxy's X-Forwarded-For, an application cookie, a header, a query parameter, a JWT claim in a header or in the
 * query): the same key returns to the same backend; distinct keys spread. The strategy is round robin, which on
 * its own would send consecutive connections to different backends, so stickiness is the resolver's doing.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class KeyAffinityTest {

    private static final byte[] JWT_SECRET = Tokens.secret('k');

    /** The request of the client whose key is number {@code n}. */
    record Request(String path, String... headerLines) {}

    /** A resolver and how a client presents key number n to it. */
    record Scheme(String name, Supplier<AffinityResolver> resolver, TrustedProxies proxies, IntFunction<Request> client) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Scheme> schemes() {
        return Stream.of(
            new Scheme("clientIp() from a trusted proxy's X-Forwarded-For", AffinityResolvers::clientIp,
                TrustedProxies.of("127.0.0.0/8"), n -> new Request("/", "X-Forwarded-For: 198.51.100." + n)),
            new Scheme("appCookie(JSESSIONID)", () -> AffinityResolvers.appCookie("JSESSIONID"), TrustedProxies.none(),
                n -> new Request("/", "Cookie: theme=dark; JSESSIONID=session-" + n + "; lang=en")),
            new Scheme("header(X-User)", () -> AffinityResolvers.header("X-User"), TrustedProxies.none(),
                n -> new Request("/", "X-User: user-" + n)),
            new Scheme("queryParameter(room)", () -> AffinityResolvers.queryParameter("room"), TrustedProxies.none(),
                n -> new Request("/chat?lang=en&room=room%20" + n + "&x=1")),
            new Scheme("jwtClaimFromHeader(Authorization, sub)",
                () -> AffinityResolvers.jwtClaimFromHeader("Authorization", "sub", JwtVerifier.hmacSha256(JWT_SECRET)),
                TrustedProxies.none(),
                n -> new Request("/", "Authorization: Bearer " + Tokens.hs256(JWT_SECRET, Tokens.validPayload("user-" + n)))),
            new Scheme("jwtClaimFromQuery(token, sub)",
                () -> AffinityResolvers.jwtClaimFromQuery("token", "sub", JwtVerifier.hmacSha256(JWT_SECRET)),
                TrustedProxies.none(),
                n -> new Request("/?token=" + Tokens.hs256(JWT_SECRET, Tokens.validPayload("user-" + n)))));
    }

    private final Closer closer = new Closer();
    private final EventLog events = new EventLog();

    @AfterEach
    void stop() throws Exception {
        closer.close();
    }

    private record Setup(EchoBackends backends, LoadBalancerProxy proxy, Probe probe) {}

    private Setup start(Scheme scheme) throws Exception {
        EchoBackends backends = closer.add(EchoBackends.start(3));
        WebSocketLoadBalancer lb = Balancers.roundRobin(events, backends.members())
            .affinity(scheme.resolver().get())
            .sessionStore(SessionStores.inMemory(Duration.ofMinutes(5)))
            .trustedProxies(scheme.proxies())
            .build();
        LoadBalancerProxy proxy = closer.add(LoadBalancerProxy.handler("/", lb));
        return new Setup(backends, proxy, new Probe(proxy, backends));
    }

    private static Probe.Landing land(Probe probe, Scheme scheme, int key) throws Exception {
        Request r = scheme.client().apply(key);
        return probe.land(r.path(), r.headerLines());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("schemes")
    void sameKey_landsOnTheSameBackendAcrossFiveReconnects_whileOtherClientsMoveTheRoundRobinOn(Scheme scheme) throws Exception {
        Setup s = start(scheme);
        int[] keys = {1, 2, 3, 4, 5};
        Map<Integer, List<String>> landings = new TreeMap<>();
        int fresh = 100;
        for (int round = 0; round < 6; round++) { // the first connection and 5 reconnects
            for (int key : keys) {
                landings.computeIfAbsent(key, k -> new java.util.ArrayList<>()).add(land(s.probe(), scheme, key).backend());
                land(s.probe(), scheme, fresh++); // a newcomer in between moves the round robin on
            }
        }
        for (Map.Entry<Integer, List<String>> e : landings.entrySet()) {
            assertThat(new TreeSet<>(e.getValue())).as("backends of key %d over 6 connections: %s", e.getKey(), e.getValue())
                .hasSize(1);
        }
        assertThat(landings.values().stream().map(l -> l.get(0)).distinct().count())
            .as("five keys first placed by round robin (with newcomers in between) use more than one backend: %s", landings)
            .isGreaterThan(1);
        s.proxy().awaitNothingOpen();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("schemes")
    void thirtyDistinctKeys_spreadOverAllThreeBackends_andEachComesBackToItsOwn(Scheme scheme) throws Exception {
        Setup s = start(scheme);
        Map<Integer, String> home = new HashMap<>();
        for (int key = 1; key <= 30; key++) {
            home.put(key, land(s.probe(), scheme, key).backend());
        }
        Map<String, Long> perBackend = new TreeMap<>();
        home.values().forEach(b -> perBackend.merge(b, 1L, Long::sum));
        assertThat(perBackend).as("first connections of 30 distinct keys per backend").containsOnlyKeys("b1", "b2", "b3");
        assertThat(perBackend.values()).allSatisfy(n -> assertThat(n).isPositive());

        for (int key = 30; key >= 1; key--) { // in the other order, so round robin alone would not repeat the pattern
            assertThat(land(s.probe(), scheme, key).backend()).as("key %d comes back", key).isEqualTo(home.get(key));
        }
        s.proxy().awaitNothingOpen();
    }
}
