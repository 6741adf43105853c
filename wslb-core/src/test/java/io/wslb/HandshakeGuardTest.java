package io.wslb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wslb.spi.LoadBalancerRuntime;
import io.wslb.spi.Route;
import io.wslb.spi.RouteException;
import java.net.URI;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class HandshakeGuardTest {

    private static HandshakeRequest from(String... originHeaders) {
        HandshakeRequest.Builder b = HandshakeRequest.builder().path("/chat");
        for (String origin : originHeaders) {
            b.header("Origin", origin);
        }
        return b.build();
    }

    private static HandshakeGuard.Refusal verdict(HandshakeGuard guard, HandshakeRequest request) {
        return guard.check(request).toCompletableFuture().join();
    }

    @Test
    void originAllowList_passesListedOriginsAndProgramsWithoutOrigin_refusesTheRestWith403() {
        HandshakeGuard guard = HandshakeGuard.originIn(List.of("https://chat.example.com", "http://localhost:8080/"));

        assertThat(verdict(guard, from("https://chat.example.com"))).isNull();
        assertThat(verdict(guard, from("HTTPS://Chat.Example.com"))).isNull();
        assertThat(verdict(guard, from("http://localhost:8080"))).isNull();
        assertThat(verdict(guard, from())).as("no Origin: not a browser").isNull();
        assertThat(verdict(guard, from("https://evil.example"))).isEqualTo(new HandshakeGuard.Refusal(403, "origin not allowed"));
        assertThat(verdict(guard, from("null"))).isNotNull();
        assertThat(verdict(guard, from("https://chat.example.com", "https://evil.example"))).as("two Origin headers").isNotNull();
    }

    @Test
    void originAllowList_rejectsEntriesThatAreNotOrigins() {
        assertThatThrownBy(() -> HandshakeGuard.originIn(List.of("https://chat.example.com/path")))
            .hasMessageContaining("scheme://host[:port]");
        assertThatThrownBy(() -> HandshakeGuard.originIn(List.of("chat.example.com"))).hasMessageContaining("scheme://host");
        assertThatThrownBy(() -> HandshakeGuard.originIn(List.of())).hasMessageContaining("at least one origin");
        assertThatThrownBy(() -> new HandshakeGuard.Refusal(500, "x")).hasMessageContaining("401 or 403");
        assertThatThrownBy(() -> new HandshakeGuard.Refusal(401, "a\r\nSet-Cookie: x")).hasMessageContaining("CR or LF");
    }

    @Test
    void allOf_asksInOrder_andTheFirstRefusalWins() {
        List<String> asked = new CopyOnWriteArrayList<>();
        HandshakeGuard first = r -> {
            asked.add("first");
            return HandshakeGuard.allow();
        };
        HandshakeGuard second = r -> {
            asked.add("second");
            return HandshakeGuard.refuse(401, "who are you?");
        };
        HandshakeGuard third = r -> {
            asked.add("third");
            return HandshakeGuard.allow();
        };

        assertThat(verdict(HandshakeGuard.allOf(first, second, third), from())).isEqualTo(new HandshakeGuard.Refusal(401, "who are you?"));
        assertThat(asked).containsExactly("first", "second");
    }

    private static WebSocketLoadBalancer balancer(HandshakeGuard guard, List<String> rejections) {
        return WebSocketLoadBalancer.builder()
            .backend(Backend.of("a", URI.create("ws://127.0.0.1:9100")))
            .strategy((candidates, context) -> candidates.get(0))
            .guard(guard)
            .listener(new LoadBalancerListener() {
                @Override
                public void onRejected(Rejection rejection) {
                    rejections.add(rejection.cause() + " " + rejection.status());
                }
            })
            .build();
    }

    @Test
    void aRefusal_failsTheRouteBeforeAnyBackendIsPicked_andIsReported() {
        List<String> rejections = new CopyOnWriteArrayList<>();
        WebSocketLoadBalancer lb = balancer(r -> HandshakeGuard.refuse(401, "token required"), rejections);

        Throwable failure = LoadBalancerRuntime.of(lb).router().route(from()).toCompletableFuture().handle((r, f) -> f).join();

        assertThat(failure).hasRootCauseInstanceOf(RouteException.class).hasMessageContaining("token required");
        RouteException e = (RouteException) (failure instanceof RouteException ? failure : failure.getCause());
        assertThat(e.rejectCause()).isEqualTo(RejectCause.UNAUTHORIZED);
        assertThat(rejections).containsExactly("UNAUTHORIZED 401");
        assertThat(lb.pool().get("a").totalConnections()).isZero();
    }

    @Test
    void aGuardThatThrows_givesAnInternalError_notAPass() {
        List<String> rejections = new CopyOnWriteArrayList<>();
        WebSocketLoadBalancer lb = balancer(r -> {
            throw new IllegalStateException("identity service bug");
        }, rejections);

        Throwable failure = LoadBalancerRuntime.of(lb).router().route(from()).toCompletableFuture().handle((r, f) -> f).join();

        RouteException e = (RouteException) (failure instanceof RouteException ? failure : failure.getCause());
        assertThat(e.rejectCause()).isEqualTo(RejectCause.INTERNAL_ERROR);
        assertThat(rejections).containsExactly("INTERNAL_ERROR 500");
    }

    @Test
    void aGuardThatAnswersLater_letsTheRouteGoOnWhenItAllows() {
        CompletableFuture<HandshakeGuard.Refusal> later = new CompletableFuture<>();
        WebSocketLoadBalancer lb = balancer(r -> later, new CopyOnWriteArrayList<>());

        CompletableFuture<Route> route = LoadBalancerRuntime.of(lb).router().route(from()).toCompletableFuture();
        assertThat(route).isNotDone();
        later.complete(null);

        assertThat(route.join().backend().id()).isEqualTo("a");
    }
}
