package io.wslb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wslb.spi.LoadBalancerRuntime;
import io.wslb.spi.Route;
import io.wslb.spi.RouteException;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Which backends a new connection may go to: connection caps, backups, active health marks, outlier ejection
 * with its cap and growing time, panic mode, drains and slow start. Time is a fake ticker.
 */
class BackendAvailabilityTest {

    private static final HandshakeRequest REQUEST = HandshakeRequest.builder().path("/chat").build();
    private static final IOException REFUSED = new IOException("connection refused");

    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final Ticker ticker = now::get;
    private final List<String> poolEvents = new CopyOnWriteArrayList<>();

    private static Backend backend(String id) {
        return Backend.of(id, URI.create("ws://127.0.0.1:" + (9000 + id.hashCode() % 500)));
    }

    private WebSocketLoadBalancerBuilder builder(Backend... backends) {
        WebSocketLoadBalancerBuilder b = WebSocketLoadBalancer.builder()
            .strategy((candidates, context) -> candidates.get(0))
            .ticker(ticker);
        for (Backend backend : backends) {
            b.backend(backend);
        }
        return b;
    }

    private WebSocketLoadBalancer watched(WebSocketLoadBalancer lb) {
        lb.pool().addListener(new BackendPool.Listener() {
            @Override
            public void onHealthChanged(LiveBackend backend, BackendHealth previous) {
                poolEvents.add(backend.id() + " " + previous + "->" + backend.health());
            }

            @Override
            public void onDraining(LiveBackend backend, Duration window, boolean forget) {
                poolEvents.add(backend.id() + " draining " + window + (forget ? " then removed" : ""));
            }

            @Override
            public void onPanic(boolean panic) {
                poolEvents.add(panic ? "panic" : "panic over");
            }
        });
        return lb;
    }

    private static Route route(WebSocketLoadBalancer lb) {
        return LoadBalancerRuntime.of(lb).router().route(REQUEST).toCompletableFuture().join();
    }

    private static RejectCause rejection(WebSocketLoadBalancer lb) {
        Throwable failure = LoadBalancerRuntime.of(lb).router().route(REQUEST).toCompletableFuture().handle((r, f) -> f).join();
        assertThat(failure).isNotNull();
        Throwable cause = failure.getCause() != null ? failure.getCause() : failure;
        assertThat(cause).isInstanceOf(RouteException.class);
        return ((RouteException) cause).rejectCause();
    }

    private void advance(Duration d) {
        now.addAndGet(d.toNanos());
    }

    // ---------------------------------------------------------------- capacity

    @Test
    void aFullBackend_isSkipped_andWhenAllAreFull_clientsGetAtCapacity503() {
        WebSocketLoadBalancer lb = builder(backend("a").withMaxConnections(2), backend("b").withMaxConnections(1)).build();

        List<String> chosen = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            chosen.add(route(lb).backend().id());
        }

        assertThat(chosen).containsExactly("a", "a", "b");
        assertThat(rejection(lb)).isEqualTo(RejectCause.AT_CAPACITY);
        assertThat(RejectCause.AT_CAPACITY.status()).isEqualTo(503);
    }

    @Test
    void aClosedConnection_freesItsSlot() {
        WebSocketLoadBalancer lb = builder(backend("a").withMaxConnections(1)).build();
        Route first = route(lb);
        first.established();
        assertThat(rejection(lb)).isEqualTo(RejectCause.AT_CAPACITY);

        first.closed(CloseCause.CLIENT_CLOSED, 0, 0);

        assertThat(route(lb).backend().id()).isEqualTo("a");
    }

    @Test
    void theBalancerCap_countsConnectionsOnAllBackends() {
        WebSocketLoadBalancer lb = builder(backend("a"), backend("b")).admissionLimits(AdmissionLimits.unlimited().withMaxConnections(2)).build();
        Route first = route(lb);
        route(lb);

        assertThat(LoadBalancerRuntime.of(lb).router().openConnections()).isEqualTo(2);
        assertThat(rejection(lb)).isEqualTo(RejectCause.AT_CAPACITY);

        first.abandon(RejectCause.CLIENT_GONE, 0);
        assertThat(LoadBalancerRuntime.of(lb).router().openConnections()).isEqualTo(1);
        assertThat(route(lb)).isNotNull();
    }

    @Test
    void aRetriedAttempt_freesItsSlotBeforeTheNextOne() {
        WebSocketLoadBalancer lb = builder(backend("a"), backend("b")).admissionLimits(AdmissionLimits.unlimited().withMaxConnections(1)).build();
        Route first = route(lb);

        Route second = first.retry(RejectCause.BACKEND_UNREACHABLE, REFUSED);

        assertThat(second.backend().id()).isEqualTo("b");
        assertThat(LoadBalancerRuntime.of(lb).router().openConnections()).isEqualTo(1);
    }

    // ---------------------------------------------------------------- backups and health marks

    @Test
    void backups_takeConnectionsOnlyWhileNoPrimaryIsHealthy() {
        WebSocketLoadBalancer lb = watched(builder(backend("spare").asBackup(), backend("a"), backend("b")).build());
        assertThat(route(lb).backend().id()).isEqualTo("a");

        lb.pool().markUnhealthy("a");
        assertThat(route(lb).backend().id()).isEqualTo("b");
        lb.pool().markUnhealthy("b");
        assertThat(route(lb).backend().id()).isEqualTo("spare");

        lb.pool().markHealthy("b");
        assertThat(route(lb).backend().id()).isEqualTo("b");
        assertThat(poolEvents).containsExactly("a HEALTHY->UNHEALTHY", "b HEALTHY->UNHEALTHY", "b UNHEALTHY->HEALTHY");
        assertThat(lb.pool().panic()).isFalse();
    }

    @Test
    void aRetry_afterEveryPrimaryFailed_goesToABackup() {
        WebSocketLoadBalancer lb = builder(backend("a"), backend("spare").asBackup(), backend("b")).build();

        Route first = route(lb);
        Route second = first.retry(RejectCause.BACKEND_UNREACHABLE, REFUSED);
        Route third = second.retry(RejectCause.BACKEND_UNREACHABLE, REFUSED);

        assertThat(List.of(first.backend().id(), second.backend().id(), third.backend().id()))
            .containsExactly("a", "b", "spare");
    }

    @Test
    void whenEveryPrimaryIsFull_backupsTakeTheOverflow_thenClientsGetAtCapacity() {
        WebSocketLoadBalancer lb = builder(backend("a").withMaxConnections(1), backend("spare").withMaxConnections(1).asBackup())
            .build();

        assertThat(route(lb).backend().id()).isEqualTo("a");
        assertThat(route(lb).backend().id()).isEqualTo("spare");
        assertThat(rejection(lb)).isEqualTo(RejectCause.AT_CAPACITY);
    }

    @Test
    void whenNoBackendIsHealthy_panicModeOffersThemAll_ratherThanRefusingEveryone() {
        WebSocketLoadBalancer lb = watched(builder(backend("a"), backend("b")).build());
        lb.pool().markUnhealthy("a");
        lb.pool().markUnhealthy("b");

        assertThat(lb.pool().panic()).isTrue();
        assertThat(lb.pool().eligible()).extracting(LiveBackend::id).containsExactly("a", "b");
        assertThat(route(lb).backend().id()).isEqualTo("a");

        lb.pool().markHealthy("b");
        assertThat(lb.pool().panic()).isFalse();
        assertThat(lb.pool().eligible()).extracting(LiveBackend::id).containsExactly("b");
        assertThat(poolEvents).containsSubsequence("panic", "panic over");
    }

    @Test
    void panicMode_stillLeavesOutDrainingBackends_andWeightZero() {
        WebSocketLoadBalancer lb = builder(backend("a"), backend("b"), backend("c").withWeight(0)).build();
        lb.pool().drain("a", Duration.ZERO);
        lb.pool().markUnhealthy("b");

        assertThat(lb.pool().panic()).isTrue();
        assertThat(lb.pool().eligible()).extracting(LiveBackend::id).containsExactly("b");
    }

    // ---------------------------------------------------------------- outlier detection

    @Test
    void consecutiveFailures_ejectABackend_forTheBaseTime_thenItComesBackByItself() {
        WebSocketLoadBalancer lb = watched(builder(backend("a"), backend("b"), backend("c"))
            .outlierDetection(OutlierDetection.of(3, Duration.ofSeconds(10), Duration.ofMinutes(1), 0.5)).build());

        for (int i = 0; i < 3; i++) {
            route(lb).retry(RejectCause.BACKEND_UNREACHABLE, REFUSED).abandon(RejectCause.CLIENT_GONE, 0);
        }

        assertThat(lb.pool().get("a").health()).isEqualTo(BackendHealth.EJECTED);
        assertThat(route(lb).backend().id()).isEqualTo("b");
        advance(Duration.ofSeconds(9));
        assertThat(route(lb).backend().id()).isEqualTo("b");
        advance(Duration.ofSeconds(1));
        assertThat(route(lb).backend().id()).isEqualTo("a");
        assertThat(poolEvents).containsExactly("a HEALTHY->EJECTED", "a EJECTED->HEALTHY");
    }

    @Test
    void aSuccessfulUpgrade_resetsTheFailureCount() {
        WebSocketLoadBalancer lb = builder(backend("a"), backend("b"))
            .outlierDetection(OutlierDetection.of(3, Duration.ofSeconds(10), Duration.ofMinutes(1), 0.5)).build();

        for (int i = 0; i < 10; i++) {
            route(lb).retry(RejectCause.BACKEND_TIMEOUT, REFUSED).abandon(RejectCause.CLIENT_GONE, 0);
            route(lb).retry(RejectCause.BACKEND_TIMEOUT, REFUSED).abandon(RejectCause.CLIENT_GONE, 0);
            route(lb).established();
        }

        assertThat(lb.pool().get("a").health()).isEqualTo(BackendHealth.HEALTHY);
    }

    @Test
    void anInvalidUpgradeAnswer_countsAsAFailure_aClientLeavingDoesNot() {
        WebSocketLoadBalancer lb = builder(backend("a"), backend("b"))
            .outlierDetection(OutlierDetection.of(2, Duration.ofSeconds(10), Duration.ofMinutes(1), 0.5)).build();

        for (int i = 0; i < 5; i++) {
            route(lb).abandon(RejectCause.CLIENT_GONE, 0);
        }
        assertThat(lb.pool().get("a").health()).isEqualTo(BackendHealth.HEALTHY);

        route(lb).abandon(RejectCause.BACKEND_INVALID_RESPONSE, 502);
        route(lb).abandon(RejectCause.BACKEND_INVALID_RESPONSE, 502);
        assertThat(lb.pool().get("a").health()).isEqualTo(BackendHealth.EJECTED);
    }

    @Test
    void repeatedEjections_doubleTheTime_upToTheMaximum() {
        WebSocketLoadBalancer lb = builder(backend("a"), backend("b"))
            .outlierDetection(OutlierDetection.of(1, Duration.ofSeconds(10), Duration.ofSeconds(30), 0.5)).build();
        Map<Integer, Long> ejectedFor = new HashMap<>();

        for (int ejection = 1; ejection <= 4; ejection++) {
            route(lb).retry(RejectCause.BACKEND_UNREACHABLE, REFUSED).abandon(RejectCause.CLIENT_GONE, 0);
            assertThat(lb.pool().get("a").health()).isEqualTo(BackendHealth.EJECTED);
            long seconds = 0;
            while (lb.pool().get("a").health() == BackendHealth.EJECTED) {
                advance(Duration.ofSeconds(1));
                seconds++;
                route(lb).abandon(RejectCause.CLIENT_GONE, 0);
            }
            ejectedFor.put(ejection, seconds);
        }

        assertThat(ejectedFor).containsEntry(1, 10L).containsEntry(2, 20L).containsEntry(3, 30L).containsEntry(4, 30L);
    }

    @Test
    void atMostTheConfiguredShareOfThePool_isEjected() {
        WebSocketLoadBalancer lb = builder(backend("a"), backend("b"), backend("c"), backend("d"))
            .strategy((candidates, context) -> candidates.get(candidates.size() - 1))
            .outlierDetection(OutlierDetection.of(1, Duration.ofMinutes(1), Duration.ofMinutes(5), 0.5)).build();

        for (int i = 0; i < 8; i++) {
            route(lb).abandon(RejectCause.BACKEND_UNREACHABLE, 502);
        }

        long ejected = lb.pool().backends().stream().filter(b -> b.health() == BackendHealth.EJECTED).count();
        assertThat(ejected).isEqualTo(2);
        assertThat(lb.pool().eligible()).hasSize(2);
    }

    @Test
    void outlierDetection_canBeTurnedOff() {
        WebSocketLoadBalancer lb = builder(backend("a"), backend("b")).outlierDetection(OutlierDetection.disabled()).build();

        for (int i = 0; i < 20; i++) {
            route(lb).abandon(RejectCause.BACKEND_UNREACHABLE, 502);
        }

        assertThat(lb.pool().get("a").health()).isEqualTo(BackendHealth.HEALTHY);
    }

    @Test
    void outlierPolicy_rejectsNonsense() {
        assertThatThrownBy(() -> OutlierDetection.of(0, Duration.ofSeconds(1), Duration.ofSeconds(1), 0.5))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("consecutiveFailures");
        assertThatThrownBy(() -> OutlierDetection.of(1, Duration.ZERO, Duration.ofSeconds(1), 0.5))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("baseEjectionTime");
        assertThatThrownBy(() -> OutlierDetection.of(1, Duration.ofSeconds(2), Duration.ofSeconds(1), 0.5))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxEjectionTime");
        assertThatThrownBy(() -> OutlierDetection.of(1, Duration.ofSeconds(1), Duration.ofSeconds(1), 1.5))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxEjectedShare");
        assertThatThrownBy(() -> backend("a").withMaxConnections(-1))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxConnections");
        assertThatThrownBy(() -> AdmissionLimits.unlimited().withMaxConnections(-1))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxConnections");
        assertThatThrownBy(() -> WebSocketLoadBalancer.builder().slowStart(Duration.ofSeconds(-1)))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("slowStart");
    }

    // ---------------------------------------------------------------- drain and runtime changes

    @Test
    void aDrainingBackend_takesNoNewConnection_untilResumed_andItsOpenOnesAreLeftToTheAdapter() {
        WebSocketLoadBalancer lb = watched(builder(backend("a"), backend("b")).build());
        Route open = route(lb);
        open.established();

        assertThat(lb.pool().drain("a", Duration.ofSeconds(30))).isTrue();

        assertThat(lb.pool().get("a").draining()).isTrue();
        assertThat(route(lb).backend().id()).isEqualTo("b");
        assertThat(lb.pool().get("a").activeConnections()).isEqualTo(1);
        assertThat(poolEvents).containsExactly("a draining PT30S");

        assertThat(lb.pool().resume("a")).isTrue();
        assertThat(route(lb).backend().id()).isEqualTo("a");
        assertThat(lb.pool().drain("nobody", Duration.ZERO)).isFalse();
        assertThatThrownBy(() -> lb.pool().drain("a", Duration.ofSeconds(-1))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void removeWithAWindow_drainsThenForgetsTheBackend() {
        WebSocketLoadBalancer lb = watched(builder(backend("a"), backend("b")).build());

        assertThat(lb.pool().remove("a", Duration.ofSeconds(5))).isTrue();

        assertThat(poolEvents).containsExactly("a draining PT5S then removed");
        assertThat(lb.pool().get("a")).isNull();
        assertThat(route(lb).backend().id()).isEqualTo("b");
    }

    // ---------------------------------------------------------------- the pool's clock

    @Test
    void aPoolPassedToTwoBalancers_keepsItsOwnClock_soBothSeeAnEjectionEndOnIt() {
        BackendPool pool = BackendPool.of(List.of(backend("a"), backend("b")), ticker);
        WebSocketLoadBalancer ejecting = WebSocketLoadBalancer.builder().pool(pool)
            .strategy((candidates, context) -> candidates.get(0))
            .outlierDetection(OutlierDetection.of(1, Duration.ofSeconds(10), Duration.ofMinutes(1), 0.5)).build();
        WebSocketLoadBalancer other = WebSocketLoadBalancer.builder().pool(pool)
            .strategy((candidates, context) -> candidates.get(0)).build();

        assertThat(other.pool()).isSameAs(pool);
        assertThat(pool.ticker()).isSameAs(ticker);

        route(ejecting).abandon(RejectCause.BACKEND_UNREACHABLE, 502);
        assertThat(pool.get("a").health()).isEqualTo(BackendHealth.EJECTED);
        assertThat(route(other).backend().id()).isEqualTo("b");
        advance(Duration.ofSeconds(10));
        assertThat(route(other).backend().id()).isEqualTo("a");
    }

    @Test
    void aBalancerBuiltFromBackends_createsItsPoolOnItsTicker() {
        WebSocketLoadBalancer lb = builder(backend("a")).build();

        assertThat(lb.pool().ticker()).isSameAs(ticker);
        assertThat(BackendPool.of(backend("a")).ticker()).isNotSameAs(ticker);
    }

    @Test
    void aTickerOtherThanThePoolsOwn_isRefused_ratherThanChangingThePool() {
        BackendPool pool = BackendPool.of(List.of(backend("a")), ticker);
        Ticker other = () -> 0L;

        assertThatThrownBy(() -> WebSocketLoadBalancer.builder().pool(pool).ticker(other)
                .strategy((candidates, context) -> candidates.get(0)).build())
            .isInstanceOf(IllegalStateException.class).hasMessageContaining("BackendPool.of(backends, ticker)");
        assertThat(pool.ticker()).isSameAs(ticker);
        assertThat(WebSocketLoadBalancer.builder().pool(pool).ticker(ticker)
            .strategy((candidates, context) -> candidates.get(0)).build().pool()).isSameAs(pool);
    }

    // ---------------------------------------------------------------- slow start

    @Test
    void aBackendAddedAtRuntime_rampsUpItsShare_overTheSlowStartWindow() {
        WebSocketLoadBalancer lb = builder(backend("a"))
            .strategy((candidates, context) -> candidates.get(candidates.size() - 1))
            .slowStart(Duration.ofSeconds(100)).build();
        lb.pool().add(backend("new"));

        double atStart = shareOf(lb, "new", 4000);
        advance(Duration.ofSeconds(50));
        double halfway = shareOf(lb, "new", 4000);
        advance(Duration.ofSeconds(50));
        double atEnd = shareOf(lb, "new", 1000);

        // The strategy always prefers "new"; slow start passes it over with probability 1 - share.
        assertThat(atStart).isBetween(0.07, 0.13);
        assertThat(halfway).isBetween(0.50, 0.60);
        assertThat(atEnd).isEqualTo(1.0);
    }

    @Test
    void aBackendBackFromUnhealthy_rampsUpAgain_butInitialBackendsStartAtFullShare() {
        WebSocketLoadBalancer lb = builder(backend("a"), backend("b"))
            .strategy((candidates, context) -> candidates.get(candidates.size() - 1))
            .slowStart(Duration.ofSeconds(100)).build();
        assertThat(shareOf(lb, "b", 500)).isEqualTo(1.0);

        lb.pool().markUnhealthy("b");
        lb.pool().markHealthy("b");

        assertThat(shareOf(lb, "b", 4000)).isBetween(0.07, 0.13);
    }

    private static double shareOf(WebSocketLoadBalancer lb, String id, int picks) {
        int hits = 0;
        for (int i = 0; i < picks; i++) {
            Route r = route(lb);
            if (r.backend().id().equals(id)) {
                hits++;
            }
            r.abandon(RejectCause.CLIENT_GONE, 0);
        }
        return hits / (double) picks;
    }
}
