package io.wslb.jetty.e2e.affinity;

import static org.assertj.core.api.Assertions.assertThat;

import io.wslb.TrustedProxies;
import io.wslb.WebSocketLoadBalancer;
import io.wslb.jetty.testing.BackendConnection;
import io.wslb.jetty.testing.Balancers;
import io.wslb.jetty.testing.Closer;
import io.wslb.jetty.testing.EchoBackends;
import io.wslb.jetty.testing.EventLog;
import io.wslb.jetty.testing.LoadBalancerProxy;
import io.wslb.strategies.AffinityResolvers;
import io.wslb.strategies.SessionStores;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code clientIp()} affinity and X-Forwarded-For: believed only from a trusted proxy. Every test client connects
 * from 127.0.0.1, so 127.0.0.1 is the real peer; X-Forwarded-For simulates clients behind it.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ForwardedForAffinityTest {

    private final Closer closer = new Closer();
    private final EventLog events = new EventLog();
    private EchoBackends backends;

    @AfterEach
    void stop() throws Exception {
        closer.close();
    }

    private LoadBalancerProxy proxy(TrustedProxies proxies) throws Exception {
        backends = closer.add(EchoBackends.start(3));
        WebSocketLoadBalancer lb = Balancers.roundRobin(events, backends.members())
            .affinity(AffinityResolvers.clientIp())
            .sessionStore(SessionStores.inMemory(Duration.ofMinutes(5)))
            .trustedProxies(proxies)
            .build();
        return closer.add(LoadBalancerProxy.handler("/", lb));
    }

    private BackendConnection.Upgrade seenBy(Probe.Landing landing) {
        return backends.connectionWith(Probe.TAG, landing.tag()).upgrade();
    }

    private static List<String> chain(List<String> xForwardedFor) {
        List<String> hops = new ArrayList<>();
        for (String value : xForwardedFor) {
            Arrays.stream(value.split(",")).map(String::trim).forEach(hops::add);
        }
        return hops;
    }

    @ParameterizedTest(name = "trusted proxies: {0}")
    @ValueSource(strings = {"", "10.0.0.0/8"})
    void xForwardedForFromAnUntrustedPeer_isIgnoredForAffinity_andReplacedTowardTheBackend(String trusted) throws Exception {
        TrustedProxies proxies = trusted.isEmpty() ? TrustedProxies.none() : TrustedProxies.of(trusted);
        LoadBalancerProxy proxy = proxy(proxies);
        Probe probe = new Probe(proxy, backends);

        List<String> landed = new ArrayList<>();
        for (int i = 1; i <= 8; i++) {
            Probe.Landing l = probe.land("/", "X-Forwarded-For: 203.0.113." + i);
            landed.add(l.backend());
            assertThat(seenBy(l).headers("X-Forwarded-For")).as("what the backend got for spoofed 203.0.113.%d", i)
                .containsExactly("127.0.0.1");
        }
        Probe.Landing plain = probe.land("/");
        landed.add(plain.backend());
        assertThat(seenBy(plain).headers("X-Forwarded-For")).containsExactly("127.0.0.1");

        assertThat(new TreeSet<>(landed))
            .as("eight different X-Forwarded-For values and none, all from peer 127.0.0.1: one client, one backend: %s", landed)
            .hasSize(1);
        proxy.awaitNothingOpen();
    }

    @Test
    void xForwardedForFromATrustedPeer_isTheClient_sameAddressSticksDistinctAddressesSpread() throws Exception {
        LoadBalancerProxy proxy = proxy(TrustedProxies.of("127.0.0.0/8"));
        Probe probe = new Probe(proxy, backends);

        List<String> home = new ArrayList<>();
        for (int i = 1; i <= 30; i++) {
            Probe.Landing l = probe.land("/", "X-Forwarded-For: 198.51.100." + i);
            home.add(l.backend());
            assertThat(chain(seenBy(l).headers("X-Forwarded-For")))
                .as("the client's chain with the peer appended").containsExactly("198.51.100." + i, "127.0.0.1");
        }
        assertThat(new TreeSet<>(home)).as("30 distinct forwarded clients: %s", home).containsExactly("b1", "b2", "b3");

        for (int round = 0; round < 5; round++) {
            for (int i = 1; i <= 30; i += 7) {
                assertThat(probe.land("/", "X-Forwarded-For: 198.51.100." + i).backend())
                    .as("reconnect %d of forwarded client 198.51.100.%d", round, i).isEqualTo(home.get(i - 1));
            }
        }
        proxy.awaitNothingOpen();
    }

    @Test
    void trustedChain_theClientIsTheRightmostUntrustedHop_andTheBackendGetsTheWholeChainPlusThePeer() throws Exception {
        LoadBalancerProxy proxy = proxy(TrustedProxies.of("127.0.0.0/8"));
        Probe probe = new Probe(proxy, backends);

        Probe.Landing first = probe.land("/", "X-Forwarded-For: 203.0.113.7");
        String home = first.backend();

        // The same client 203.0.113.7, seen through different chains: always the same backend.
        String[][] chains = {
            {"192.0.2.1, 203.0.113.7"},            // a spoofed entry to the left of the real client
            {"203.0.113.7, 127.0.0.9"},            // one more trusted proxy on the way
            {"198.51.100.200", "203.0.113.7"},     // the chain split over two headers
            {"203.0.113.7"},
            {"10.9.8.7, 203.0.113.7, 127.0.0.2, 127.0.0.3"},
        };
        for (String[] chain : chains) {
            String[] lines = Arrays.stream(chain).map(v -> "X-Forwarded-For: " + v).toArray(String[]::new);
            Probe.Landing l = probe.land("/", lines);
            assertThat(l.backend()).as("client behind chain %s", Arrays.toString(chain)).isEqualTo(home);
            List<String> expected = new ArrayList<>(chain(Arrays.asList(chain)));
            expected.add("127.0.0.1");
            assertThat(chain(seenBy(l).headers("X-Forwarded-For"))).as("forwarded chain for %s", Arrays.toString(chain))
                .containsExactlyElementsOf(expected);
        }

        // Another client next to it is another key: the round robin moves it elsewhere.
        assertThat(probe.land("/", "X-Forwarded-For: 203.0.113.8").backend()).isNotEqualTo(home);
        proxy.awaitNothingOpen();
    }
}
