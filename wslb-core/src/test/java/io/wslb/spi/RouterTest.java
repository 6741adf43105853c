package io.wslb.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wslb.AffinityResolver;
import io.wslb.Backend;
import io.wslb.BackendPool;
import io.wslb.BalancingStrategy;
import io.wslb.CloseCause;
import io.wslb.ConnectionEnd;
import io.wslb.HandshakeRequest;
import io.wslb.LiveBackend;
import io.wslb.LoadBalancerListener;
import io.wslb.RejectCause;
import io.wslb.Rejection;
import io.wslb.ResponseHeader;
import io.wslb.SessionStore;
import io.wslb.WebSocketLoadBalancer;
import java.io.IOException;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

public class RouterTest {

    /** Always the first candidate: makes every pick predictable. */
    static final BalancingStrategy FIRST = (candidates, context) -> candidates.get(0);

    static final HandshakeRequest REQUEST = HandshakeRequest.builder().path("/chat").header("X-User", "u1").build();

    /** A map-backed store whose failures can be switched on. */
    public static final class MapStore implements SessionStore {
        final Map<String, String> map = new ConcurrentHashMap<>();
        volatile boolean failing;

        @Override
        public CompletionStage<Optional<String>> get(String key) {
            return failing ? CompletableFuture.failedFuture(new IOException("store down"))
                : CompletableFuture.completedFuture(Optional.ofNullable(map.get(key)));
        }

        @Override
        public CompletionStage<Void> put(String key, String backendId) {
            if (failing) {
                return CompletableFuture.failedFuture(new IOException("store down"));
            }
            map.put(key, backendId);
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public CompletionStage<Void> remove(String key) {
            map.remove(key);
            return CompletableFuture.completedFuture(null);
        }
    }

    /** Records every event as a line. */
    static final class Recorder implements LoadBalancerListener {
        final List<String> events = new CopyOnWriteArrayList<>();

        @Override
        public void onBackendChosen(Route route) {
            events.add("chosen " + route.backend().id() + " #" + route.attempt());
        }

        @Override
        public void onRetry(Route failed, RejectCause reason, Throwable failure) {
            events.add("retry " + failed.backend().id() + " " + reason);
        }

        @Override
        public void onRejected(Rejection rejection) {
            events.add("rejected " + rejection.cause() + " " + rejection.status());
        }

        @Override
        public void onOpened(Route route) {
            events.add("opened " + route.backend().id());
        }

        @Override
        public void onClosed(Route route, ConnectionEnd end) {
            events.add("closed " + route.backend().id() + " " + end.cause() + " " + end.bytesFromClient() + "/" + end.bytesFromBackend());
        }
    }

    static Backend backend(String id) {
        return Backend.of(id, URI.create("ws://127.0.0.1:1/" + id));
    }

    static Route route(WebSocketLoadBalancer lb) {
        return LoadBalancerRuntime.of(lb).router().route(REQUEST).toCompletableFuture().join();
    }

    @Test
    void aRoute_countsAsActiveFromPickToClose_exactlyOnce() {
        Recorder events = new Recorder();
        WebSocketLoadBalancer lb = WebSocketLoadBalancer.builder().backend(backend("a")).strategy(FIRST).listener(events).build();
        LiveBackend a = lb.pool().get("a");

        Route route = route(lb);
        assertThat(a.activeConnections()).isEqualTo(1);
        route.established();
        route.closed(CloseCause.CLIENT_CLOSED, 10, 20);
        route.closed(CloseCause.CLIENT_CLOSED, 10, 20);

        assertThat(a.activeConnections()).isZero();
        assertThat(a.totalConnections()).isEqualTo(1);
        assertThat(events.events).containsExactly("chosen a #1", "opened a", "closed a CLIENT_CLOSED 10/20");
    }

    @Test
    void retry_goesToABackendNotTriedYet_andFreesTheFailedOne() {
        Recorder events = new Recorder();
        WebSocketLoadBalancer lb = WebSocketLoadBalancer.builder()
            .backend(backend("a")).backend(backend("b")).backend(backend("c"))
            .strategy(FIRST).listener(events).build();

        Route first = route(lb);
        Route second = first.retry(RejectCause.BACKEND_UNREACHABLE, new IOException("refused"));
        Route third = second.retry(RejectCause.BACKEND_TIMEOUT, new IOException("slow"));

        assertThat(List.of(first, second, third)).extracting(r -> r.backend().id()).containsExactly("a", "b", "c");
        assertThat(third.attempt()).isEqualTo(3);
        assertThat(lb.pool().get("a").activeConnections()).isZero();
        assertThat(lb.pool().get("b").activeConnections()).isZero();
        assertThat(lb.pool().get("c").activeConnections()).isEqualTo(1);
        assertThat(events.events).containsExactly("chosen a #1", "retry a BACKEND_UNREACHABLE", "chosen b #2",
            "retry b BACKEND_TIMEOUT", "chosen c #3");
    }

    @Test
    void retry_isBoundedByMaxAttempts_andReportsTheLastFailure() {
        Recorder events = new Recorder();
        WebSocketLoadBalancer lb = WebSocketLoadBalancer.builder()
            .backend(backend("a")).backend(backend("b")).backend(backend("c"))
            .strategy(FIRST).maxAttempts(2).listener(events).build();
        Route second = route(lb).retry(RejectCause.BACKEND_UNREACHABLE, new IOException());

        assertThatThrownBy(() -> second.retry(RejectCause.BACKEND_TIMEOUT, new IOException()))
            .isInstanceOfSatisfying(RouteException.class, e -> assertThat(e.rejectCause()).isEqualTo(RejectCause.BACKEND_TIMEOUT));
        assertThat(events.events).endsWith("rejected BACKEND_TIMEOUT 504");
        assertThat(lb.pool().backends()).allSatisfy(b -> assertThat(b.activeConnections()).isZero());
    }

    @Test
    void retry_withEveryBackendTried_failsWithTheLastFailure() {
        WebSocketLoadBalancer lb = WebSocketLoadBalancer.builder().backend(backend("a")).strategy(FIRST).build();
        Route only = route(lb);
        assertThatThrownBy(() -> only.retry(RejectCause.BACKEND_UNREACHABLE, new IOException()))
            .isInstanceOfSatisfying(RouteException.class, e -> assertThat(e.rejectCause()).isEqualTo(RejectCause.BACKEND_UNREACHABLE));
    }

    @Test
    void emptyPool_failsWithNoBackend_andReportsA503() {
        Recorder events = new Recorder();
        WebSocketLoadBalancer lb = WebSocketLoadBalancer.builder().strategy(FIRST).listener(events).build();
        CompletableFuture<Route> result = LoadBalancerRuntime.of(lb).router().route(REQUEST).toCompletableFuture();

        assertThatThrownBy(result::join).hasCauseInstanceOf(RouteException.class);
        assertThat(events.events).containsExactly("rejected NO_BACKEND 503");
    }

    @Test
    void strategyDeclining_isANoBackend() {
        WebSocketLoadBalancer lb = WebSocketLoadBalancer.builder().backend(backend("a")).strategy((c, ctx) -> null).build();
        assertThatThrownBy(() -> route(lb)).isInstanceOf(CompletionException.class)
            .hasCauseInstanceOf(RouteException.class);
        assertThat(lb.pool().get("a").activeConnections()).isZero();
    }

    @Test
    void strategyReturningABackendOutsideTheCandidates_isAClearError() {
        BackendPool other = BackendPool.of(backend("x"));
        WebSocketLoadBalancer lb = WebSocketLoadBalancer.builder().backend(backend("a"))
            .strategy((c, ctx) -> other.get("x")).build();
        assertThatThrownBy(() -> route(lb)).hasRootCauseInstanceOf(IllegalStateException.class)
            .hasMessageContaining("not one of the candidates");
    }

    @Test
    void weightZeroBackends_receiveNoConnections() {
        WebSocketLoadBalancer lb = WebSocketLoadBalancer.builder()
            .backend(backend("a").withWeight(0)).backend(backend("b")).strategy(FIRST).build();
        assertThat(route(lb).backend().id()).isEqualTo("b");
    }

    @Test
    void affinity_pinsAKeyToTheBackendStoredForIt_afterTheFirstEstablishedConnection() {
        MapStore store = new MapStore();
        BalancingStrategy last = (candidates, context) -> candidates.get(candidates.size() - 1);
        WebSocketLoadBalancer lb = WebSocketLoadBalancer.builder()
            .backend(backend("a")).backend(backend("b"))
            .strategy(last).affinity(request -> request.header("X-User")).sessionStore(store).build();

        Route first = route(lb);
        assertThat(first.affinityKey()).isEqualTo("u1");
        first.established();
        assertThat(store.map).containsEntry("u1", "b");

        store.map.put("u1", "a");
        assertThat(route(lb).backend().id()).as("the stored backend wins over the strategy").isEqualTo("a");
    }

    @Test
    void affinity_toABackendThatIsGoneOrIneligible_isRepickedAndOverwritten() {
        MapStore store = new MapStore();
        WebSocketLoadBalancer lb = WebSocketLoadBalancer.builder()
            .backend(backend("a")).backend(backend("b"))
            .strategy(FIRST).affinity(request -> "k").sessionStore(store).build();
        store.map.put("k", "gone");
        Route route = route(lb);
        assertThat(route.backend().id()).isEqualTo("a");
        route.established();
        assertThat(store.map).containsEntry("k", "a");

        lb.pool().update(backend("a").withWeight(0));
        assertThat(route(lb).backend().id()).as("pinned backend no longer eligible").isEqualTo("b");
    }

    @Test
    void failingStore_balancesFreely_insteadOfRejecting() {
        MapStore store = new MapStore();
        store.failing = true;
        WebSocketLoadBalancer lb = WebSocketLoadBalancer.builder().backend(backend("a"))
            .strategy(FIRST).affinity(request -> "k").sessionStore(store).build();
        Route route = route(lb);
        route.established();
        assertThat(route.backend().id()).isEqualTo("a");
    }

    @Test
    void affinityResponseHeaders_areReturnedOnEstablish() {
        AffinityResolver withCookie = new AffinityResolver() {
            @Override
            public String resolve(HandshakeRequest request) {
                return "key1";
            }

            @Override
            public List<ResponseHeader> responseHeaders(HandshakeRequest request, String key, LiveBackend backend) {
                return List.of(new ResponseHeader("Set-Cookie", "K=" + key));
            }
        };
        WebSocketLoadBalancer lb = WebSocketLoadBalancer.builder().backend(backend("a"))
            .strategy(FIRST).affinity(withCookie).sessionStore(new MapStore()).build();
        assertThat(route(lb).established()).containsExactly(new ResponseHeader("Set-Cookie", "K=key1"));
    }

    @Test
    void throwingListener_doesNotDisturbRouting() {
        WebSocketLoadBalancer lb = WebSocketLoadBalancer.builder().backend(backend("a")).strategy(FIRST)
            .listener(new LoadBalancerListener() {
                @Override
                public void onBackendChosen(Route route) {
                    throw new IllegalStateException("listener bug");
                }
            }).build();
        Route route = route(lb);
        route.established();
        route.closed(CloseCause.BACKEND_CLOSED, 0, 0);
        assertThat(lb.pool().get("a").activeConnections()).isZero();
    }

    @Test
    void abandon_freesAPendingRoute_andReportsTheRejection() {
        Recorder events = new Recorder();
        WebSocketLoadBalancer lb = WebSocketLoadBalancer.builder().backend(backend("a")).strategy(FIRST).listener(events).build();
        Route route = route(lb);
        route.abandon(RejectCause.BACKEND_REFUSED, 403);
        route.abandon(RejectCause.BACKEND_REFUSED, 403);
        assertThat(lb.pool().get("a").activeConnections()).isZero();
        assertThat(events.events).containsExactly("chosen a #1", "rejected BACKEND_REFUSED 403");
        assertThatThrownBy(route::established).isInstanceOf(IllegalStateException.class);
    }
}
