package io.wslb.spi;

import static org.assertj.core.api.Assertions.assertThat;

import io.wslb.Backend;
import io.wslb.HandshakeRequest;
import io.wslb.LoadBalancerListener;
import io.wslb.RejectCause;
import io.wslb.WebSocketLoadBalancer;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
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
            public void onRejected(HandshakeRequest request, RejectCause cause, int status) {
                throw new IllegalStateException("a listener's bug");
            }
        };
        LoadBalancerListener recording = new LoadBalancerListener() {
            @Override
            public void onRejected(HandshakeRequest request, RejectCause cause, int status) {
                heard.add(cause + " " + status);
            }
        };
        WebSocketLoadBalancer lb = WebSocketLoadBalancer.builder().strategy((candidates, context) -> candidates.get(0))
            .listener(throwing).listener(recording).build();

        LoadBalancerRuntime.of(lb).events().onRejected(HandshakeRequest.builder().build(), RejectCause.BAD_HANDSHAKE, 400);

        assertThat(heard).containsExactly("BAD_HANDSHAKE 400");
    }
}
