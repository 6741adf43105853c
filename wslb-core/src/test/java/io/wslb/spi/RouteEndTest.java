package io.wslb.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wslb.AdmissionLimits;
import io.wslb.Backend;
import io.wslb.BalancingStrategy;
import io.wslb.CloseCause;
import io.wslb.HandshakeRequest;
import io.wslb.RejectCause;
import io.wslb.WebSocketLoadBalancer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Who ends a handshake: before a route exists the router reports the failure, whatever it is; once a route exists
 * it reports its own end once, and gives back what the admission caps counted exactly once, whatever sequence of
 * terminal calls an adapter makes.
 */
class RouteEndTest {

    private static final BalancingStrategy FIRST = (candidates, context) -> candidates.get(0);
    private static final HandshakeRequest CLIENT = HandshakeRequest.builder().path("/")
        .remoteAddress(new InetSocketAddress("10.0.0.1", 40000)).build();

    private final RouterTest.Recorder events = new RouterTest.Recorder();

    /** One connection per client: a count given back twice would let two in, one never given back none. */
    private WebSocketLoadBalancer oneConnectionPerClient(BalancingStrategy strategy) {
        return WebSocketLoadBalancer.builder().strategy(strategy).admissionLimits(AdmissionLimits.unlimited().withMaxConnectionsPerClient(1)).listener(events)
            .backend(Backend.of("a", URI.create("ws://127.0.0.1:1")))
            .backend(Backend.of("b", URI.create("ws://127.0.0.1:2")))
            .build();
    }

    private static CompletableFuture<Route> route(WebSocketLoadBalancer lb) {
        return LoadBalancerRuntime.of(lb).router().route(CLIENT).toCompletableFuture();
    }

    private static void assertTheClientHoldsExactlyOneSlotAgain(WebSocketLoadBalancer lb) {
        Route again = route(lb).join();
        assertThat(RouteException.from(route(lb).handle((r, f) -> f).join()).rejectCause())
            .as("the slot was given back once, not twice").isEqualTo(RejectCause.TOO_MANY_CONNECTIONS);
        again.abandon(RejectCause.CLIENT_GONE, 0);
        assertThat(LoadBalancerRuntime.of(lb).router().pendingHandshakes()).isZero();
        assertThat(LoadBalancerRuntime.of(lb).router().openConnections()).isZero();
    }

    @Test
    void aRejectedRoute_reportsItsEndOnce_andGivesItsSlotBackOnce_whateverEndingCallsFollow() {
        WebSocketLoadBalancer lb = oneConnectionPerClient(FIRST);
        Route route = route(lb).join();

        route.abandon(RejectCause.BACKEND_REFUSED, 403);
        route.abandon(RejectCause.CLIENT_GONE, 0);
        route.closed(CloseCause.CLIENT_CLOSED, 1, 1);
        assertThatThrownBy(() -> route.retry(RejectCause.BACKEND_UNREACHABLE, new IOException()))
            .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(route::established).isInstanceOf(IllegalStateException.class);

        assertThat(events.events).containsExactly("chosen a #1", "rejected BACKEND_REFUSED 403");
        assertTheClientHoldsExactlyOneSlotAgain(lb);
    }

    @Test
    void aClosedRoute_reportsItsEndOnce_andGivesItsSlotBackOnce_whateverEndingCallsFollow() {
        WebSocketLoadBalancer lb = oneConnectionPerClient(FIRST);
        Route route = route(lb).join();
        route.established();

        route.closed(CloseCause.BACKEND_CLOSED, 3, 4);
        route.closed(CloseCause.CLIENT_CLOSED, 5, 6);
        route.abandon(RejectCause.CLIENT_GONE, 0);
        assertThatThrownBy(() -> route.retry(RejectCause.BACKEND_TIMEOUT, new IOException()))
            .isInstanceOf(IllegalStateException.class);

        assertThat(events.events).containsExactly("chosen a #1", "opened a", "closed a BACKEND_CLOSED 3/4");
        assertTheClientHoldsExactlyOneSlotAgain(lb);
    }

    @Test
    void aRetriedRoute_passesTheSlotOnToTheNextRoute_whichAloneGivesItBack() {
        WebSocketLoadBalancer lb = oneConnectionPerClient(FIRST);
        Route first = route(lb).join();
        Route second = first.retry(RejectCause.BACKEND_UNREACHABLE, new IOException("refused"));

        first.abandon(RejectCause.CLIENT_GONE, 0); // the retried route has ended: nothing to report or give back
        assertThat(RouteException.from(route(lb).handle((r, f) -> f).join()).rejectCause())
            .as("the handshake still holds the client's slot").isEqualTo(RejectCause.TOO_MANY_CONNECTIONS);
        second.abandon(RejectCause.CLIENT_GONE, 0);

        assertThat(events.events).containsExactly("chosen a #1", "retry a BACKEND_UNREACHABLE", "chosen b #2",
            "rejected TOO_MANY_CONNECTIONS 429", "rejected CLIENT_GONE 0");
        assertTheClientHoldsExactlyOneSlotAgain(lb);
    }

    @Test
    void aStrategyThatThrows_isReportedByTheRouterAsAnInternalError_andGivesTheSlotBack() {
        AtomicInteger picks = new AtomicInteger();
        WebSocketLoadBalancer lb = oneConnectionPerClient((candidates, context) -> {
            if (picks.incrementAndGet() == 1) {
                throw new ArithmeticException("strategy bug");
            }
            return candidates.get(0);
        });

        Throwable failure = route(lb).handle((r, f) -> f).join();

        assertThat(failure).hasRootCauseInstanceOf(ArithmeticException.class);
        RouteException refusal = RouteException.from(failure);
        assertThat(refusal.rejectCause()).isEqualTo(RejectCause.INTERNAL_ERROR);
        assertThat(refusal.rejectCause().status()).isEqualTo(500);
        assertThat(events.events).containsExactly("rejected INTERNAL_ERROR 500");
        assertTheClientHoldsExactlyOneSlotAgain(lb);
    }

    @Test
    void aRetryWhoseNextPickThrows_isReportedOnceAsAnInternalError_andGivesTheSlotBack() {
        AtomicInteger picks = new AtomicInteger();
        WebSocketLoadBalancer lb = oneConnectionPerClient((candidates, context) -> {
            if (picks.incrementAndGet() == 2) {
                throw new ArithmeticException("strategy bug");
            }
            return candidates.get(0);
        });
        Route first = route(lb).join();

        assertThatThrownBy(() -> first.retry(RejectCause.BACKEND_UNREACHABLE, new IOException("refused")))
            .isInstanceOfSatisfying(ArithmeticException.class,
                e -> assertThat(RouteException.from(e).rejectCause()).isEqualTo(RejectCause.INTERNAL_ERROR));

        assertThat(events.events).containsExactly("chosen a #1", "retry a BACKEND_UNREACHABLE", "rejected INTERNAL_ERROR 500");
        assertTheClientHoldsExactlyOneSlotAgain(lb);
    }

    @Test
    void routeExceptionFrom_keepsARouteException_andUnwrapsACompletionException() {
        RouteException refused = new RouteException(RejectCause.NO_BACKEND, "none");
        assertThat(RouteException.from(refused)).isSameAs(refused);
        assertThat(RouteException.from(new java.util.concurrent.CompletionException(refused))).isSameAs(refused);
        IllegalStateException bug = new IllegalStateException("bug");
        assertThat(RouteException.from(bug)).hasCause(bug).hasMessage("routing failed")
            .extracting(RouteException::rejectCause).isEqualTo(RejectCause.INTERNAL_ERROR);
    }
}
