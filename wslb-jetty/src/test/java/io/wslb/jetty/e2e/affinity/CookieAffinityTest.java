package io.wslb.jetty.e2e.affinity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wslb.LiveBackend;
import io.wslb.WebSocketLoadBalancer;
import io.wslb.jetty.testing.Balancers;
import io.wslb.jetty.testing.Closer;
import io.wslb.jetty.testing.EchoBackends;
import io.wslb.jetty.testing.EventLog;
import io.wslb.jetty.testing.LoadBalancerProxy;
import io.wslb.strategies.AffinityResolvers;
import io.wslb.strategies.SessionStores;
import io.wslb.testing.Frame;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Cookie insert ({@code AffinityResolvers.cookie}) through the proxy: the 101 carries a signed cookie naming the
 * backend, a client that sends it back returns there, and a cookie the balancer cannot honour (forged, garbled,
 * signed with another secret, naming a removed or weight-0 backend) is re-picked with a 101, a working echo and a
 * new cookie; never an HTTP error.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CookieAffinityTest {

    private static final String NAME = "WSLB";
    private static final byte[] SECRET = Tokens.secret('s');
    private static final byte[] OTHER_SECRET = Tokens.secret('o');
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

    private final Closer closer = new Closer();
    private final EventLog events = new EventLog();
    private EchoBackends backends;

    @AfterEach
    void stop() throws Exception {
        closer.close();
    }

    private LoadBalancerProxy proxy(byte[] secret) throws Exception {
        if (backends == null) {
            backends = closer.add(EchoBackends.start(3));
        }
        WebSocketLoadBalancer lb = Balancers.roundRobin(events, backends.members())
            .affinity(AffinityResolvers.cookie(NAME, secret))
            .build();
        return closer.add(LoadBalancerProxy.handler("/", lb));
    }

    /** Lands without a cookie and returns the landing, which must carry a cookie. */
    private static Probe.Landing fresh(Probe probe) throws Exception {
        Probe.Landing l = probe.land("/");
        assertThat(l.cookiePair(NAME)).as("cookie on the 101 of a client without one: %s", l.response()).isNotNull();
        return l;
    }

    /** A client that sends {@code cookiePair} back five times lands on {@code backend} every time. */
    private static void assertSticksTo(Probe probe, String cookiePair, String backend) throws Exception {
        for (int i = 0; i < 5; i++) {
            Probe.Landing again = probe.land("/", "Cookie: " + cookiePair);
            assertThat(again.backend()).as("reconnect %d with %s", i, cookiePair).isEqualTo(backend);
            String reissued = again.cookiePair(NAME);
            if (reissued != null) {
                assertThat(reissued).as("a cookie re-issued to a client that is where its cookie says").isEqualTo(cookiePair);
            }
        }
    }

    @Test
    void issuedCookie_bringsEveryClientBackToItsBackendAcrossFiveReconnects_andThirtyNewClientsSpread() throws Exception {
        LoadBalancerProxy proxy = proxy(SECRET);
        Probe probe = new Probe(proxy, backends);

        Map<String, String> cookieOf = new TreeMap<>();
        Map<String, Integer> spread = new TreeMap<>();
        for (int i = 0; i < 30; i++) {
            Probe.Landing l = fresh(probe);
            spread.merge(l.backend(), 1, Integer::sum);
            String previous = cookieOf.putIfAbsent(l.backend(), l.cookiePair(NAME));
            if (previous != null) {
                assertThat(l.cookiePair(NAME)).as("the cookie names the backend: same backend, same cookie").isEqualTo(previous);
            }
        }
        assertThat(spread).as("30 clients without a cookie").containsOnlyKeys("b1", "b2", "b3");
        assertThat(new TreeSet<>(cookieOf.values())).as("one distinct cookie per backend").hasSize(3);

        for (Map.Entry<String, String> e : cookieOf.entrySet()) {
            assertSticksTo(probe, e.getValue(), e.getKey());
        }
        // With other cookies around it, too.
        String b2 = cookieOf.get("b2");
        assertThat(probe.land("/", "Cookie: theme=dark; " + b2 + "; JSESSIONID=x").backend()).isEqualTo("b2");
        proxy.awaitNothingOpen();
    }

    @ParameterizedTest(name = "WSLB={0}")
    @ValueSource(strings = {
        "garbage",
        "",
        "...",
        "%%%%",
        "YjE", // base64url("b1") without a signature
        "YjE.", // base64url("b1") and an empty signature
        "YjE.AAAAAAAAAAAAAAAAAAAAAA", // base64url("b1") and a zero signature of the right length
        "YjE.c2lnbmF0dXJl.extra",
        "Yj!E.@@",
        "b1",
    })
    void forgedOrGarbledCookie_isRepickedWithA101AWorkingEchoAndANewCookie(String value) throws Exception {
        LoadBalancerProxy proxy = proxy(SECRET);
        Probe probe = new Probe(proxy, backends);

        Probe.Landing l = probe.land("/", "Cookie: " + NAME + "=" + value);
        String issued = l.cookiePair(NAME);
        assertThat(issued).as("a new cookie replaces %s=%s: %s", NAME, value, l.response()).isNotNull()
            .isNotEqualTo(NAME + "=" + value);
        assertSticksTo(probe, issued, l.backend());
        assertThat(events.rejected).isEmpty();
        proxy.awaitNothingOpen();
    }

    @Test
    void overlongCookie_isRepickedWithA101AndANewCookie() throws Exception {
        LoadBalancerProxy proxy = proxy(SECRET);
        Probe probe = new Probe(proxy, backends);
        String value = B64.encodeToString("b1".getBytes(StandardCharsets.UTF_8)) + "." + "A".repeat(2000);

        Probe.Landing l = probe.land("/", "Cookie: " + NAME + "=" + value);
        assertThat(l.cookiePair(NAME)).isNotNull().isNotEqualTo(NAME + "=" + value);
        assertSticksTo(probe, l.cookiePair(NAME), l.backend());
        proxy.awaitNothingOpen();
    }

    @Test
    void forgedCookieNamingB1_doesNotPinToB1_clientsCarryingItSpreadLikeNewOnes() throws Exception {
        LoadBalancerProxy proxy = proxy(SECRET);
        Probe probe = new Probe(proxy, backends);
        String forged = NAME + "=" + B64.encodeToString("b1".getBytes(StandardCharsets.UTF_8)) + "."
            + B64.encodeToString(new byte[16]);

        List<String> landed = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            Probe.Landing l = probe.land("/", "Cookie: " + forged);
            landed.add(l.backend());
            assertThat(l.cookiePair(NAME)).as("a new cookie for %s", l.backend()).isNotNull().isNotEqualTo(forged);
        }
        assertThat(new TreeSet<>(landed)).as("backends of 6 clients with a forged cookie naming b1: %s", landed)
            .containsExactly("b1", "b2", "b3");
        proxy.awaitNothingOpen();
    }

    @Test
    void cookieSignedWithAnotherSecret_isNotHonoured_andIsReplacedByOneThatIs() throws Exception {
        LoadBalancerProxy ours = proxy(SECRET);
        LoadBalancerProxy theirs = proxy(OTHER_SECRET);
        Probe ourProbe = new Probe(ours, backends);
        Probe theirProbe = new Probe(theirs, backends);

        // A genuine cookie of the other balancer for each backend.
        Map<String, String> foreign = new TreeMap<>();
        for (int i = 0; i < 3; i++) {
            Probe.Landing l = fresh(theirProbe);
            foreign.put(l.backend(), l.cookiePair(NAME));
        }
        assertThat(foreign).containsOnlyKeys("b1", "b2", "b3");
        // ... is honoured there:
        assertSticksTo(theirProbe, foreign.get("b1"), "b1");

        // ... but not here: six clients carrying the other balancer's b1 cookie spread, each gets our cookie.
        List<String> landed = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            Probe.Landing l = ourProbe.land("/", "Cookie: " + foreign.get("b1"));
            landed.add(l.backend());
            String issued = l.cookiePair(NAME);
            assertThat(issued).as("our cookie replaces the foreign one").isNotNull().isNotEqualTo(foreign.get(l.backend()));
            assertSticksTo(ourProbe, issued, l.backend());
        }
        assertThat(new TreeSet<>(landed)).as("backends of clients with a foreign b1 cookie: %s", landed)
            .containsExactly("b1", "b2", "b3");
        assertThat(events.rejected).isEmpty();
        ours.awaitNothingOpen();
        theirs.awaitNothingOpen();
    }

    @Test
    void cookieWithASharedSecret_isHonouredByAnotherBalancerInstance() throws Exception {
        LoadBalancerProxy first = proxy(SECRET);
        LoadBalancerProxy second = proxy(SECRET);
        Probe one = new Probe(first, backends);
        Probe two = new Probe(second, backends);

        for (int i = 0; i < 3; i++) {
            Probe.Landing l = fresh(one);
            assertSticksTo(two, l.cookiePair(NAME), l.backend());
        }
        first.awaitNothingOpen();
        second.awaitNothingOpen();
    }

    @Test
    void staleCookie_whoseBackendWasRemoved_isRepickedWithANewCookieNamingTheNewBackend() throws Exception {
        LoadBalancerProxy proxy = proxy(SECRET);
        Probe probe = new Probe(proxy, backends);
        Probe.Landing first;
        try (Probe.Open held = probe.open("/")) {
            first = held.landing();
            String stale = first.cookiePair(NAME);
            assertThat(stale).isNotNull();
            String gone = first.backend();

            assertThat(proxy.balancer().pool().remove(gone)).isTrue();

            for (int i = 0; i < 4; i++) {
                Probe.Landing again = probe.land("/", "Cookie: " + stale);
                assertThat(again.backend()).as("reconnect %d with a cookie naming removed %s", i, gone).isNotEqualTo(gone);
                String renewed = again.cookiePair(NAME);
                assertThat(renewed).as("a new cookie on %s", again.response()).isNotNull().isNotEqualTo(stale);
                assertSticksTo(probe, renewed, again.backend());
            }
            // The connection already on the removed backend carries on.
            held.socket().send(Frame.text("still here"));
            assertThat(held.socket().readMessage().text()).isEqualTo("still here");
            held.closeNormally();
        }
        assertThat(events.rejected).isEmpty();
        proxy.awaitNothingOpen();
    }

    @Test
    void staleCookie_whoseBackendHasWeightZero_isRepickedWithANewCookieNamingTheNewBackend() throws Exception {
        LoadBalancerProxy proxy = proxy(SECRET);
        Probe probe = new Probe(proxy, backends);
        Probe.Landing first = fresh(probe);
        String stale = first.cookiePair(NAME);
        String drained = first.backend();
        LiveBackend member = proxy.balancer().pool().get(drained);
        proxy.balancer().pool().update(member.backend().withWeight(0));

        for (int i = 0; i < 4; i++) {
            Probe.Landing again = probe.land("/", "Cookie: " + stale);
            assertThat(again.backend()).as("reconnect %d with a cookie naming weight-0 %s", i, drained).isNotEqualTo(drained);
            String renewed = again.cookiePair(NAME);
            assertThat(renewed).isNotNull().isNotEqualTo(stale);
            assertSticksTo(probe, renewed, again.backend());
        }

        // Weight back: the old cookie is honoured again.
        proxy.balancer().pool().update(member.backend().withWeight(1));
        assertSticksTo(probe, stale, drained);
        assertThat(events.rejected).isEmpty();
        proxy.awaitNothingOpen();
    }

    @Test
    void cookieResolver_refusesASessionStore_whileKeyResolversRequireOne() throws Exception {
        backends = closer.add(EchoBackends.start(1));
        assertThatThrownBy(() -> Balancers.roundRobin(events, backends.members())
            .affinity(AffinityResolvers.cookie(NAME, SECRET))
            .sessionStore(SessionStores.inMemory(Duration.ofMinutes(5)))
            .build())
            .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> Balancers.roundRobin(events, backends.members())
            .affinity(AffinityResolvers.header("X-User"))
            .build())
            .isInstanceOf(IllegalStateException.class);
    }
}
