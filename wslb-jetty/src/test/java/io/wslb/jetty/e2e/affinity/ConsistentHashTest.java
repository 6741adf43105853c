package io.wslb.jetty.e2e.affinity;

import static org.assertj.core.api.Assertions.assertThat;

import io.wslb.AffinityResolver;
import io.wslb.Backend;
import io.wslb.BalancingStrategy;
import io.wslb.HandshakeRequest;
import io.wslb.SessionStore;
import io.wslb.TrustedProxies;
import io.wslb.WebSocketLoadBalancerBuilder;
import io.wslb.jetty.testing.Balancers;
import io.wslb.jetty.testing.Closer;
import io.wslb.jetty.testing.EchoBackends;
import io.wslb.jetty.testing.EventLog;
import io.wslb.jetty.testing.LoadBalancerProxy;
import io.wslb.strategies.AffinityResolvers;
import io.wslb.strategies.BalancingStrategies;
import io.wslb.strategies.SessionStores;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code consistentHash()} with {@code X-User} as the affinity key: the hash, not a store, keeps a user on one
 * backend; when a backend leaves only its users move; with a balance factor a hot key cannot pile up on one
 * backend.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class ConsistentHashTest {

    private static final int USERS = 50;

    private final Closer closer = new Closer();
    private final EventLog events = new EventLog();
    private EchoBackends backends;

    @AfterEach
    void stop() throws Exception {
        closer.close();
    }

    /**
     * The X-User header as a key that is hashed, not stored: an application-written resolver, as
     * {@link AffinityResolver#needsSessionStore()} describes ("false for resolvers that need none (... or a
     * strategy hashes the key)").
     */
    static AffinityResolver hashedHeader(String name) {
        AffinityResolver header = AffinityResolvers.header(name);
        return new AffinityResolver() {
            @Override
            public @Nullable String resolve(HandshakeRequest request) {
                return header.resolve(request);
            }

            @Override
            public boolean needsSessionStore() {
                return false;
            }

            @Override
            public String toString() {
                return "hashed " + header;
            }
        };
    }

    private LoadBalancerProxy proxy(BalancingStrategy strategy, AffinityResolver affinity, @Nullable SessionStore store,
                                    TrustedProxies proxies) throws Exception {
        if (backends == null) {
            backends = closer.add(EchoBackends.start(3));
        }
        WebSocketLoadBalancerBuilder builder = Balancers.roundRobin(events, backends.members())
            .strategy(strategy)
            .affinity(affinity)
            .trustedProxies(proxies);
        if (store != null) {
            builder.sessionStore(store);
        }
        return closer.add(LoadBalancerProxy.handler("/", builder.build()));
    }

    private static Map<String, String> placeUsers(Probe probe) throws Exception {
        Map<String, String> home = new LinkedHashMap<>();
        for (int u = 0; u < USERS; u++) {
            home.put("user-" + u, probe.land("/", "X-User: user-" + u).backend());
        }
        return home;
    }

    private static Map<String, Integer> count(Map<String, String> placement) {
        Map<String, Integer> counts = new TreeMap<>();
        placement.values().forEach(b -> counts.merge(b, 1, Integer::sum));
        return counts;
    }

    @Test
    void consistentHashWithHeaderAffinity_needsNoSessionStore_andKeepsAUserOnOneBackend() throws Exception {
        // BalancingStrategies.consistentHash(): "Use it with an AffinityResolver for stickiness without a session store."
        LoadBalancerProxy proxy = proxy(BalancingStrategies.consistentHash(), AffinityResolvers.header("X-User"), null,
            TrustedProxies.none());
        Probe probe = new Probe(proxy, backends);
        String home = probe.land("/", "X-User: alice").backend();
        for (int i = 0; i < 5; i++) {
            assertThat(probe.land("/", "X-User: alice").backend()).isEqualTo(home);
        }
        proxy.awaitNothingOpen();
    }

    @Test
    void hashedUser_sticksAcrossReconnects_fiftyUsersSpread_andRemovingABackendMovesOnlyItsUsers() throws Exception {
        LoadBalancerProxy proxy = proxy(BalancingStrategies.consistentHash(), hashedHeader("X-User"), null, TrustedProxies.none());
        Probe probe = new Probe(proxy, backends);

        Map<String, String> home = placeUsers(probe);
        assertThat(count(home)).as("50 users over 3 backends").containsOnlyKeys("b1", "b2", "b3");
        for (int round = 0; round < 5; round++) {
            for (int u = round; u < USERS; u += 5) {
                assertThat(probe.land("/", "X-User: user-" + u).backend()).as("reconnect of user-%d", u)
                    .isEqualTo(home.get("user-" + u));
            }
        }

        Backend removed = proxy.balancer().pool().get("b2").backend();
        assertThat(proxy.balancer().pool().remove("b2")).isTrue();
        Map<String, String> after = placeUsers(probe);
        List<String> wronglyMoved = new ArrayList<>();
        Map<String, String> movedTo = new TreeMap<>();
        for (String user : home.keySet()) {
            if (home.get(user).equals("b2")) {
                movedTo.put(user, after.get(user));
            } else if (!after.get(user).equals(home.get(user))) {
                wronglyMoved.add(user + ": " + home.get(user) + " -> " + after.get(user));
            }
        }
        assertThat(wronglyMoved).as("users not on the removed b2 that moved anyway").isEmpty();
        assertThat(movedTo.values()).as("where b2's users went").doesNotContain("b2");
        assertThat(new TreeSet<>(movedTo.values())).as("b2's %d users spread over the others: %s", movedTo.size(), movedTo)
            .containsExactly("b1", "b3");

        // b2 comes back (same id): its users come back to it, nobody else moves.
        proxy.balancer().pool().add(removed);
        assertThat(placeUsers(probe)).isEqualTo(home);
        proxy.awaitNothingOpen();
    }

    @Test
    void withTheStoreTheLauncherUses_theHashStillDecides_anIndependentBalancerPlacesEveryUserTheSame() throws Exception {
        LoadBalancerProxy first = proxy(BalancingStrategies.consistentHash(), AffinityResolvers.header("X-User"),
            SessionStores.inMemory(Duration.ofMinutes(5)), TrustedProxies.none());
        LoadBalancerProxy second = proxy(BalancingStrategies.consistentHash(), AffinityResolvers.header("X-User"),
            SessionStores.inMemory(Duration.ofMinutes(5)), TrustedProxies.none());

        Map<String, String> home = placeUsers(new Probe(first, backends));
        assertThat(count(home)).containsOnlyKeys("b1", "b2", "b3");
        assertThat(placeUsers(new Probe(second, backends))).as("the same users through another balancer with its own store")
            .isEqualTo(home);

        // Remove b3 from the second only: only b3's users move there.
        second.balancer().pool().remove("b3");
        Map<String, String> after = placeUsers(new Probe(second, backends));
        for (String user : home.keySet()) {
            if (!home.get(user).equals("b3")) {
                assertThat(after.get(user)).as(user).isEqualTo(home.get(user));
            } else {
                assertThat(after.get(user)).as(user).isNotEqualTo("b3");
            }
        }
        first.awaitNothingOpen();
        second.awaitNothingOpen();
    }

    @Test
    void withoutAKey_consistentHashUsesTheClientAddress_fromATrustedProxysXForwardedFor() throws Exception {
        LoadBalancerProxy proxy = proxy(BalancingStrategies.consistentHash(), AffinityResolver.none(), null,
            TrustedProxies.of("127.0.0.0/8"));
        Probe probe = new Probe(proxy, backends);

        Map<String, String> home = new LinkedHashMap<>();
        for (int i = 1; i <= 30; i++) {
            home.put("198.51.100." + i, probe.land("/", "X-Forwarded-For: 198.51.100." + i).backend());
        }
        assertThat(count(home)).as("30 client addresses").containsOnlyKeys("b1", "b2", "b3");
        for (Map.Entry<String, String> e : home.entrySet()) {
            assertThat(probe.land("/", "X-Forwarded-For: " + e.getKey()).backend()).isEqualTo(e.getValue());
        }
        proxy.awaitNothingOpen();
    }

    @Test
    void balanceFactor_keepsAHotKeyFromPilingUpOnOneBackend_withoutItAllGoTogether() throws Exception {
        LoadBalancerProxy bounded = proxy(BalancingStrategies.consistentHash(1.25), hashedHeader("X-User"), null,
            TrustedProxies.none());
        LoadBalancerProxy unbounded = proxy(BalancingStrategies.consistentHash(), hashedHeader("X-User"), null,
            TrustedProxies.none());

        Map<String, Integer> boundedCounts = holdTwelve(bounded, "hot");
        Map<String, Integer> unboundedCounts = holdTwelve(unbounded, "hot");

        assertThat(unboundedCounts).as("12 held connections of one key, no balance factor").hasSize(1)
            .containsValue(12);
        // A backend takes a connection only while it holds fewer than ceil((total + 1) x 1.25 / 3): at most 5 of 12.
        assertThat(boundedCounts.values()).as("12 held connections of one key, factor 1.25: %s", boundedCounts)
            .allSatisfy(n -> assertThat(n).isLessThanOrEqualTo(5));
        assertThat(boundedCounts.values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(12);
        bounded.awaitNothingOpen();
        unbounded.awaitNothingOpen();
    }

    private Map<String, Integer> holdTwelve(LoadBalancerProxy proxy, String user) throws Exception {
        Probe probe = new Probe(proxy, backends);
        List<Probe.Open> held = new ArrayList<>();
        Map<String, Integer> counts = new TreeMap<>();
        try {
            for (int i = 0; i < 12; i++) {
                Probe.Open open = probe.open("/", "X-User: " + user);
                held.add(open);
                counts.merge(open.landing().backend(), 1, Integer::sum);
            }
        } finally {
            for (Probe.Open open : held) {
                open.closeNormally();
            }
        }
        return counts;
    }
}
