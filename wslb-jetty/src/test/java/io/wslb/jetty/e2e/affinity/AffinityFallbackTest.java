package io.wslb.jetty.e2e.affinity;

import static org.assertj.core.api.Assertions.assertThat;

import io.wslb.AffinityFallback;
import io.wslb.Backend;
import io.wslb.BackendPool;
import io.wslb.RejectCause;
import io.wslb.WebSocketLoadBalancerBuilder;
import io.wslb.jetty.testing.Balancers;
import io.wslb.jetty.testing.Closer;
import io.wslb.jetty.testing.EchoBackends;
import io.wslb.jetty.testing.EventLog;
import io.wslb.jetty.testing.LoadBalancerProxy;
import io.wslb.strategies.AffinityResolvers;
import io.wslb.strategies.SessionStores;
import io.wslb.testing.RawHttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * What a returning client gets when the backend its key is stored for is gone or drained: with
 * {@link AffinityFallback#REJECT} a 503 (new keys still get a 101); with {@link AffinityFallback#REPICK} (the
 * default) a 101 on another backend, which it then sticks to.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AffinityFallbackTest {

    /** How the sticky backend becomes unavailable. */
    enum Loss {
        REMOVED {
            @Override
            void apply(BackendPool pool, String id) {
                assertThat(pool.remove(id)).isTrue();
            }

            @Override
            void undo(BackendPool pool, Backend backend) {
                pool.add(backend);
            }
        },
        WEIGHT_ZERO {
            @Override
            void apply(BackendPool pool, String id) {
                pool.update(pool.get(id).backend().withWeight(0));
            }

            @Override
            void undo(BackendPool pool, Backend backend) {
                pool.update(backend);
            }
        };

        abstract void apply(BackendPool pool, String id);

        abstract void undo(BackendPool pool, Backend backend);
    }

    private final Closer closer = new Closer();
    private final EventLog events = new EventLog();
    private EchoBackends backends;

    @AfterEach
    void stop() throws Exception {
        closer.close();
    }

    private LoadBalancerProxy proxy(AffinityFallback fallback) throws Exception {
        backends = closer.add(EchoBackends.start(3));
        WebSocketLoadBalancerBuilder builder = Balancers.roundRobin(events, backends.members())
            .affinity(AffinityResolvers.header("X-User"))
            .sessionStore(SessionStores.inMemory(Duration.ofMinutes(5)));
        if (fallback != null) {
            builder.affinityFallback(fallback);
        }
        return closer.add(LoadBalancerProxy.handler("/", builder.build()));
    }

    @ParameterizedTest(name = "backend {0}")
    @EnumSource(Loss.class)
    void reject_returningClientWhoseBackendIsUnavailable_gets503_newKeysStillGet101(Loss loss) throws Exception {
        LoadBalancerProxy proxy = proxy(AffinityFallback.REJECT);
        Probe probe = new Probe(proxy, backends);
        String home = probe.land("/", "X-User: alice").backend();
        assertThat(probe.land("/", "X-User: alice").backend()).isEqualTo(home);
        Backend config = proxy.balancer().pool().get(home).backend();

        loss.apply(proxy.balancer().pool(), home);

        for (int i = 0; i < 3; i++) {
            RawHttpResponse answer = probe.attempt("/", "X-User: alice");
            assertThat(answer.status()).as("alice, whose backend %s is %s: %s", home, loss, answer).isEqualTo(503);
            assertThat(answer.header("Retry-After")).as("503 of NO_BACKEND carries Retry-After: %s", answer).isNotNull();
        }
        assertThat(events.rejected).hasSize(3)
            .allSatisfy(r -> {
                assertThat(r.cause()).isEqualTo(RejectCause.NO_BACKEND);
                assertThat(r.status()).isEqualTo(503);
            });
        assertThat(backends.all().stream().flatMap(b -> b.upgrades().stream())
            .filter(u -> "alice".equals(u.header("X-User"))).count())
            .as("upgrades of alice that reached a backend: her two before the loss only").isEqualTo(2);

        // New keys and clients without a key still get in, never on the unavailable backend.
        for (int i = 0; i < 4; i++) {
            assertThat(probe.land("/", "X-User: newcomer-" + i).backend()).isNotEqualTo(home);
            assertThat(probe.land("/").backend()).isNotEqualTo(home);
        }

        // The mapping was kept: once the backend is back, alice returns to it.
        loss.undo(proxy.balancer().pool(), config);
        assertThat(probe.land("/", "X-User: alice").backend()).isEqualTo(home);
        proxy.awaitNothingOpen();
    }

    @ParameterizedTest(name = "backend {0}")
    @EnumSource(Loss.class)
    void repickByDefault_returningClientWhoseBackendIsUnavailable_gets101ElsewhereAndSticksThere(Loss loss) throws Exception {
        LoadBalancerProxy proxy = proxy(null);
        Probe probe = new Probe(proxy, backends);
        String home = probe.land("/", "X-User: alice").backend();

        loss.apply(proxy.balancer().pool(), home);

        String second = probe.land("/", "X-User: alice").backend();
        assertThat(second).isNotEqualTo(home);
        for (int i = 0; i < 5; i++) {
            probe.land("/"); // move the round robin on
            assertThat(probe.land("/", "X-User: alice").backend()).as("alice's reconnect %d after the re-pick", i)
                .isEqualTo(second);
        }
        assertThat(events.rejected).isEmpty();
        proxy.awaitNothingOpen();
    }

    @Test
    void reject_appliesToAStoredKeyOnly_aClientWithoutAMappingIsBalanced() throws Exception {
        LoadBalancerProxy proxy = proxy(AffinityFallback.REJECT);
        Probe probe = new Probe(proxy, backends);
        String home = probe.land("/", "X-User: alice").backend();
        proxy.balancer().pool().remove(home);

        for (int i = 0; i < 6; i++) {
            assertThat(probe.land("/", "X-User: bob-" + i).backend()).isNotEqualTo(home);
        }
        assertThat(probe.attempt("/", "X-User: alice").status()).isEqualTo(503);
        proxy.awaitNothingOpen();
    }
}
