package io.wslb.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wslb.Backend;
import io.wslb.HandshakeRequest;
import io.wslb.LoadBalancerListener;
import io.wslb.RejectCause;
import io.wslb.Rejection;
import io.wslb.WebSocketLoadBalancer;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LoadBalancerRuntimeTest {

    @Test
    void everyRuntimeOfOneBalancer_sharesItsRouter_whoseCountsAreTheBalancers() {
        WebSocketLoadBalancer lb = WebSocketLoadBalancer.builder().strategy((candidates, context) -> candidates.get(0))
            .backend(Backend.of("a", URI.create("ws://127.0.0.1:1"))).build();

        Route route = LoadBalancerRuntime.of(lb).router().route(HandshakeRequest.builder().build()).toCompletableFuture().join();

        assertThat(LoadBalancerRuntime.of(lb).router()).isSameAs(LoadBalancerRuntime.of(lb).router());
        assertThat(LoadBalancerRuntime.of(lb).router().openConnections()).isEqualTo(1);
        route.abandon(RejectCause.BACKEND_REFUSED, 403);
        assertThat(LoadBalancerRuntime.of(lb).router().openConnections()).isZero();
    }

    @Test
    void events_reachEveryListener_andALeakingListenerDoesNotStopTheOthers() {
        List<String> heard = new ArrayList<>();
        LoadBalancerListener throwing = new LoadBalancerListener() {
            @Override
            public void onRejected(Rejection rejection) {
                throw new IllegalStateException("a listener's bug");
            }
        };
        LoadBalancerListener recording = new LoadBalancerListener() {
            @Override
            public void onRejected(Rejection rejection) {
                heard.add(rejection.cause() + " " + rejection.status());
            }
        };
        WebSocketLoadBalancer lb = WebSocketLoadBalancer.builder().strategy((candidates, context) -> candidates.get(0))
            .listener(throwing).listener(recording).build();

        LoadBalancerRuntime.of(lb).events().onRejected(Rejection.of(HandshakeRequest.builder().build(), RejectCause.BAD_HANDSHAKE, 400));

        assertThat(heard).containsExactly("BAD_HANDSHAKE 400");
    }

    @Test
    void peerConnections_addToTheClusterCount_butNotToThisInstancesOwn() {
        WebSocketLoadBalancer lb = twoBackends();
        Route route = LoadBalancerRuntime.of(lb).router().route(HandshakeRequest.builder().build()).toCompletableFuture().join();

        LoadBalancerRuntime.of(lb).peerConnections(Map.of("a", 40, "gone", 7));

        assertThat(lb.pool().get("a").activeConnections()).as("this instance's own, which caps hold to").isEqualTo(1);
        assertThat(lb.pool().get("a").peerConnections()).isEqualTo(40);
        assertThat(lb.pool().get("a").clusterConnections()).isEqualTo(41);
        assertThat(lb.pool().get("b").clusterConnections()).as("a backend the map does not name").isZero();
        route.abandon(RejectCause.BACKEND_REFUSED, 403);
    }

    @Test
    void anEmptyMap_meansLocalCountsOnly() {
        WebSocketLoadBalancer lb = twoBackends();
        LoadBalancerRuntime.of(lb).peerConnections(Map.of("a", 40, "b", 3));

        LoadBalancerRuntime.of(lb).peerConnections(Map.of());

        assertThat(lb.pool().backends()).allSatisfy(backend -> assertThat(backend.peerConnections()).isZero());
    }

    @Test
    void aNegativePeerCount_isRefusedNamingTheBackend_andChangesNothing() {
        WebSocketLoadBalancer lb = twoBackends();
        LoadBalancerRuntime.of(lb).peerConnections(Map.of("a", 5));

        assertThatThrownBy(() -> LoadBalancerRuntime.of(lb).peerConnections(Map.of("b", -1)))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'b'").hasMessageContaining("-1");
        assertThat(lb.pool().get("a").peerConnections()).isEqualTo(5);
    }

    private static WebSocketLoadBalancer twoBackends() {
        return WebSocketLoadBalancer.builder().strategy((candidates, context) -> candidates.get(0))
            .backend(Backend.of("a", URI.create("ws://127.0.0.1:1"))).backend(Backend.of("b", URI.create("ws://127.0.0.1:2"))).build();
    }
}
