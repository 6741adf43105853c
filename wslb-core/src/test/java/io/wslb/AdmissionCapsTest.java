package io.wslb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wslb.spi.LoadBalancerRuntime;
import io.wslb.spi.Route;
import io.wslb.spi.RouteException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/**
 * The per-client connection cap and the pending-handshake caps: what exceeds them is refused before any backend is
 * picked, and every count is given back exactly once however the handshake or connection ends.
 */
class AdmissionCapsTest {

    private static final BalancingStrategy FIRST = (candidates, context) -> candidates.get(0);

    private static HandshakeRequest from(String ip) {
        return HandshakeRequest.builder().path("/").remoteAddress(new InetSocketAddress(ip, 40000)).build();
    }

    private static WebSocketLoadBalancerBuilder twoBackends() {
        return WebSocketLoadBalancer.builder().strategy(FIRST)
            .backend(Backend.of("a", URI.create("ws://127.0.0.1:1")))
            .backend(Backend.of("b", URI.create("ws://127.0.0.1:2")));
    }

    private static Route route(WebSocketLoadBalancer lb, HandshakeRequest request) {
        return LoadBalancerRuntime.of(lb).router().route(request).toCompletableFuture().join();
    }

    private static RejectCause refusal(WebSocketLoadBalancer lb, HandshakeRequest request) {
        CompletableFuture<Route> result = LoadBalancerRuntime.of(lb).router().route(request).toCompletableFuture();
        assertThat(result).isCompletedExceptionally();
        try {
            result.join();
            throw new AssertionError("routed");
        } catch (CompletionException e) {
            return ((RouteException) e.getCause()).rejectCause();
        }
    }

    @Test
    void aClientAtItsConnectionCap_getsA429_whileOtherClientsAreServed_untilOneOfItsConnectionsEnds() {
        WebSocketLoadBalancer lb = twoBackends().admissionLimits(AdmissionLimits.unlimited().withMaxConnectionsPerClient(2)).build();
        Route first = route(lb, from("10.0.0.1"));
        first.established();
        Route second = route(lb, from("10.0.0.1")); // pending counts too

        assertThat(refusal(lb, from("10.0.0.1"))).isEqualTo(RejectCause.TOO_MANY_CONNECTIONS);
        assertThat(RejectCause.TOO_MANY_CONNECTIONS.status()).isEqualTo(429);
        assertThat(route(lb, from("10.0.0.2"))).isNotNull();
        assertThat(lb.pool().get("a").activeConnections()).as("the refusal took no backend slot").isEqualTo(3);

        first.closed(CloseCause.CLIENT_CLOSED, 0, 0);
        Route third = route(lb, from("10.0.0.1"));
        second.abandon(RejectCause.CLIENT_GONE, 0);
        Route fourth = route(lb, from("10.0.0.1"));
        assertThat(List.of(third, fourth)).doesNotContainNull();
        assertThat(refusal(lb, from("10.0.0.1"))).isEqualTo(RejectCause.TOO_MANY_CONNECTIONS);
    }

    @Test
    void pendingHandshakes_areCappedGloballyWith503_andPerClientWith429_andFreedByThe101() {
        WebSocketLoadBalancer lb = twoBackends()
            .admissionLimits(AdmissionLimits.unlimited().withMaxPendingHandshakes(3).withMaxPendingHandshakesPerClient(2)).build();
        Route a1 = route(lb, from("10.0.0.1"));
        Route a2 = route(lb, from("10.0.0.1"));

        assertThat(refusal(lb, from("10.0.0.1"))).isEqualTo(RejectCause.TOO_MANY_CONNECTIONS);
        Route b1 = route(lb, from("10.0.0.2"));
        assertThat(refusal(lb, from("10.0.0.3"))).isEqualTo(RejectCause.TOO_MANY_PENDING_HANDSHAKES);
        assertThat(RejectCause.TOO_MANY_PENDING_HANDSHAKES.status()).isEqualTo(503);
        assertThat(LoadBalancerRuntime.of(lb).router().pendingHandshakes()).isEqualTo(3);

        a1.established(); // no longer pending: room for one more, globally and for 10.0.0.1
        Route a3 = route(lb, from("10.0.0.1"));
        assertThat(LoadBalancerRuntime.of(lb).router().pendingHandshakes()).isEqualTo(3);
        List.of(a2, a3, b1).forEach(Route::established);
        assertThat(LoadBalancerRuntime.of(lb).router().pendingHandshakes()).isZero();
        assertThat(route(lb, from("10.0.0.3"))).isNotNull();
    }

    @Test
    void everyWayAHandshakeFails_givesItsCountsBack() {
        WebSocketLoadBalancer lb = twoBackends().maxAttempts(2)
            .admissionLimits(AdmissionLimits.unlimited().withMaxConnectionsPerClient(1).withMaxPendingHandshakes(1))
            .guard(request -> request.path().equals("/forbidden") ? HandshakeGuard.refuse(403, "no") : HandshakeGuard.allow())
            .build();
        HandshakeRequest client = from("10.0.0.1");

        // Refused by the guard, before any pick.
        HandshakeRequest forbidden = HandshakeRequest.builder().path("/forbidden").remoteAddress(new InetSocketAddress("10.0.0.1", 1)).build();
        assertThat(refusal(lb, forbidden)).isEqualTo(RejectCause.FORBIDDEN);
        // Retries used up.
        Route attempt = route(lb, client).retry(RejectCause.BACKEND_UNREACHABLE, new IOException());
        assertThatThrownBy(() -> attempt.retry(RejectCause.BACKEND_TIMEOUT, new IOException())).isInstanceOf(RouteException.class);
        // No backend left at all.
        lb.pool().remove("a");
        lb.pool().remove("b");
        assertThat(refusal(lb, client)).isEqualTo(RejectCause.NO_BACKEND);
        lb.pool().add(Backend.of("c", URI.create("ws://127.0.0.1:3")));
        // Abandoned, then established and closed.
        route(lb, client).abandon(RejectCause.BACKEND_REFUSED, 403);
        Route open = route(lb, client);
        open.established();
        open.closed(CloseCause.BACKEND_CLOSED, 0, 0);
        open.closed(CloseCause.BACKEND_CLOSED, 0, 0); // a second report changes nothing

        assertThat(LoadBalancerRuntime.of(lb).router().pendingHandshakes()).isZero();
        Route again = route(lb, client);
        assertThat(again).as("the client's single slot is free again").isNotNull();
        assertThat(refusal(lb, from("10.0.0.9"))).as("and the single pending slot is its").isEqualTo(RejectCause.TOO_MANY_PENDING_HANDSHAKES);
    }

    @Test
    void negativeCaps_failFastNamingTheSetting() {
        assertThatThrownBy(() -> AdmissionLimits.unlimited().withMaxConnectionsPerClient(-1))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxConnectionsPerClient");
        assertThatThrownBy(() -> AdmissionLimits.unlimited().withMaxPendingHandshakes(-1))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxPendingHandshakes");
        assertThatThrownBy(() -> AdmissionLimits.unlimited().withMaxPendingHandshakesPerClient(-1))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxPendingHandshakesPerClient");
    }
}
