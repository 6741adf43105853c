package io.wslb.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

import io.wslb.AffinityLookup;
import io.wslb.Backend;
import io.wslb.BalancingStrategy;
import io.wslb.CloseCause;
import io.wslb.ConnectionEnd;
import io.wslb.HandshakeRequest;
import io.wslb.LoadBalancerListener;
import io.wslb.RejectCause;
import io.wslb.Rejection;
import io.wslb.SessionStore;
import io.wslb.WebSocketLoadBalancer;
import io.wslb.WebSocketLoadBalancerBuilder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The timings a route reports, on the balancer's injected ticker: the handshake from the start of routing (across
 * retries) to the 101, the connection's lifetime, refusals with their attempts, and the session store's latency.
 */
class RouteTimingTest {

    private static final BalancingStrategy FIRST = (candidates, context) -> candidates.get(0);
    private static final HandshakeRequest CLIENT = HandshakeRequest.builder().path("/chat")
        .remoteAddress(new InetSocketAddress("10.0.0.1", 40000)).build();

    private final AtomicLong now = new AtomicLong(1_000);
    private final List<String> heard = new CopyOnWriteArrayList<>();
    private final List<Rejection> rejections = new CopyOnWriteArrayList<>();

    private final LoadBalancerListener listener = new LoadBalancerListener() {
        @Override
        public void onRejected(Rejection rejection) {
            rejections.add(rejection);
        }

        @Override
        public void onClosed(Route route, ConnectionEnd end) {
            heard.add("closed " + end.cause() + " lifetime " + route.lifetime().toMillis());
        }

        @Override
        public void onAffinityLookup(AffinityLookup result, Duration took) {
            heard.add("lookup " + result + " " + took.toMillis());
        }

        @Override
        public void onAffinityStored(boolean succeeded, Duration took) {
            heard.add("stored " + succeeded + " " + took.toMillis());
        }
    };

    private void advance(long millis) {
        now.addAndGet(Duration.ofMillis(millis).toNanos());
    }

    private WebSocketLoadBalancerBuilder builder() {
        return WebSocketLoadBalancer.builder().ticker(now::get).strategy(FIRST).listener(listener).maxAttempts(2)
            .backend(Backend.of("a", URI.create("ws://127.0.0.1:1")))
            .backend(Backend.of("b", URI.create("ws://127.0.0.1:2")).withWeight(4));
    }

    private static Route route(WebSocketLoadBalancer lb) {
        return LoadBalancerRuntime.of(lb).router().route(CLIENT).toCompletableFuture().join();
    }

    @Test
    void handshakeTime_runsFromTheStartOfRoutingAcrossRetriesToThe101_andStopsThere() {
        WebSocketLoadBalancer lb = builder().build();
        Route first = route(lb);
        advance(5);
        Route second = first.retry(RejectCause.BACKEND_UNREACHABLE, new IOException("refused"));
        advance(3);
        assertThat(second.handshakeTime()).as("still pending: the time so far").isEqualTo(Duration.ofMillis(8));

        second.established();
        advance(50);

        assertThat(second.handshakeTime()).isEqualTo(Duration.ofMillis(8));
    }

    @Test
    void lifetime_runsFromThe101ToTheClose_andIsReportedWithTheEnd() {
        WebSocketLoadBalancer lb = builder().build();
        Route route = route(lb);
        assertThat(route.lifetime()).as("not open yet").isZero();
        advance(2);
        route.established();
        advance(100);
        assertThat(route.lifetime()).as("open: the time so far").isEqualTo(Duration.ofMillis(100));

        route.closed(CloseCause.CLIENT_CLOSED, 10, 20);
        advance(1_000);

        assertThat(route.lifetime()).isEqualTo(Duration.ofMillis(100));
        assertThat(heard).containsExactly("closed CLIENT_CLOSED lifetime 100");
    }

    @Test
    void refusalAfterEveryAttempt_reportsTheAttemptsTheLastBackendAndTheTime() {
        WebSocketLoadBalancer lb = builder().build();
        Route first = route(lb);
        advance(4);
        Route second = first.retry(RejectCause.BACKEND_TIMEOUT, new IOException("slow"));
        advance(6);

        second.abandon(RejectCause.BACKEND_REFUSED, 403);

        assertThat(rejections).singleElement().satisfies(rejection -> {
            assertThat(rejection.cause()).isEqualTo(RejectCause.BACKEND_REFUSED);
            assertThat(rejection.status()).isEqualTo(403);
            assertThat(rejection.attempts()).isEqualTo(2);
            assertThat(rejection.backend()).contains("b");
            assertThat(rejection.handshakeTime()).isEqualTo(Duration.ofMillis(10));
            assertThat(rejection.request().path()).isEqualTo("/chat");
        });
    }

    @Test
    void refusalBeforeAnyBackend_hasNoAttemptsAndNoBackend() {
        WebSocketLoadBalancer lb = WebSocketLoadBalancer.builder().ticker(now::get).strategy((candidates, context) -> null)
            .listener(listener).backend(Backend.of("a", URI.create("ws://127.0.0.1:1"))).build();

        LoadBalancerRuntime.of(lb).router().route(CLIENT).toCompletableFuture().exceptionally(failure -> null).join();

        assertThat(rejections).singleElement().satisfies(rejection -> {
            assertThat(rejection.cause()).isEqualTo(RejectCause.NO_BACKEND);
            assertThat(rejection.attempts()).isZero();
            assertThat(rejection.backend()).isEmpty();
        });
    }

    @Test
    void affinityLookups_reportHitMissAndErrorWithTheStoresLatency() {
        SlowStore store = new SlowStore();
        WebSocketLoadBalancer lb = builder().affinity(request -> "user-1").sessionStore(store).build();

        CompletableFuture<Route> missed = LoadBalancerRuntime.of(lb).router().route(CLIENT).toCompletableFuture();
        advance(3);
        store.answer.complete(Optional.empty());
        Route route = missed.join();
        store.answer = new CompletableFuture<>();
        advance(1);
        route.established();
        advance(2);
        store.written.complete(null);

        CompletableFuture<Route> hit = LoadBalancerRuntime.of(lb).router().route(CLIENT).toCompletableFuture();
        advance(7);
        store.answer.complete(Optional.of("b"));
        assertThat(hit.join().backend().id()).isEqualTo("b");
        store.answer = new CompletableFuture<>();

        CompletableFuture<Route> failed = LoadBalancerRuntime.of(lb).router().route(CLIENT).toCompletableFuture();
        advance(9);
        store.answer.completeExceptionally(new IOException("store down"));
        assertThat(failed.join()).as("balanced freely").isNotNull();

        assertThat(heard).containsExactly("lookup MISS 3", "stored true 2", "lookup HIT 7", "lookup ERROR 9");
    }

    @Test
    void effectiveWeight_isTheWeightWhileEligible_rampsUnderSlowStart_andIsZeroWhenOut() {
        WebSocketLoadBalancer lb = builder().slowStart(Duration.ofSeconds(10)).build();
        Router router = LoadBalancerRuntime.of(lb).router();
        assertThat(router.effectiveWeight(lb.pool().get("b"))).as("there from the start: no ramp").isEqualTo(4.0);

        lb.pool().markUnhealthy("b");
        assertThat(router.effectiveWeight(lb.pool().get("b"))).isZero();
        lb.pool().markHealthy("b");
        assertThat(router.effectiveWeight(lb.pool().get("b"))).as("back: 10 % of its weight").isEqualTo(0.4);
        advance(5_000);
        assertThat(router.effectiveWeight(lb.pool().get("b"))).isCloseTo(4 * 0.55, offset(1e-9));

        lb.pool().drain("b", Duration.ZERO);
        assertThat(router.effectiveWeight(lb.pool().get("b"))).isZero();
    }

    /** A store that answers when the test says, so that its latency is a known span of the fake ticker. */
    private static final class SlowStore implements SessionStore {
        volatile CompletableFuture<Optional<String>> answer = new CompletableFuture<>();
        final CompletableFuture<Void> written = new CompletableFuture<>();

        @Override
        public CompletionStage<Optional<String>> get(String key) {
            return answer;
        }

        @Override
        public CompletionStage<Void> put(String key, String backendId) {
            return written;
        }

        @Override
        public CompletionStage<Void> remove(String key) {
            return CompletableFuture.completedFuture(null);
        }
    }
}
