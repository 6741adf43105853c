package io.wslb.spi;

import static org.assertj.core.api.Assertions.assertThat;

import io.wslb.Backend;
import io.wslb.CloseCause;
import io.wslb.HandshakeRequest;
import io.wslb.RejectCause;
import io.wslb.WebSocketLoadBalancer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import org.junit.jupiter.api.Test;

/** Without admission caps, the router still counts the handshakes waiting for a backend's answer (the status shows them). */
class PendingHandshakesTest {

    private static final HandshakeRequest CLIENT = HandshakeRequest.builder().path("/")
        .remoteAddress(new InetSocketAddress("10.0.0.1", 40000)).build();

    @Test
    void aRouteIsPendingFromItsPickToIts101OrItsEnd_acrossRetries() {
        WebSocketLoadBalancer lb = WebSocketLoadBalancer.builder().strategy((candidates, context) -> candidates.get(0))
            .backend(Backend.of("a", URI.create("ws://127.0.0.1:1"))).backend(Backend.of("b", URI.create("ws://127.0.0.1:2")))
            .build();
        Router router = LoadBalancerRuntime.of(lb).router();

        Route first = router.route(CLIENT).toCompletableFuture().join();
        Route other = router.route(CLIENT).toCompletableFuture().join();
        assertThat(router.pendingHandshakes()).isEqualTo(2);

        Route retried = first.retry(RejectCause.BACKEND_UNREACHABLE, new IOException("refused"));
        assertThat(router.pendingHandshakes()).as("a retry passes the handshake on").isEqualTo(2);

        retried.established();
        other.abandon(RejectCause.CLIENT_GONE, 0);
        other.abandon(RejectCause.CLIENT_GONE, 0);
        assertThat(router.pendingHandshakes()).as("each counted out once").isZero();

        retried.closed(CloseCause.CLIENT_CLOSED, 0, 0);
        assertThat(router.pendingHandshakes()).isZero();
    }
}
