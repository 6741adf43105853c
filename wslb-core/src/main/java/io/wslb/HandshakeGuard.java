package io.wslb;

import static java.util.Objects.requireNonNull;

import io.wslb.internal.Guards;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;

/**
 * Decides whether a client's handshake may go on, before any backend is contacted: authentication (a token, a
 * cookie, a client certificate's name), authorisation, or any rule of the application. A refusal is answered with
 * its status (401 or 403) and message; an exception or a failed stage is answered 500 and logged. It may complete
 * later (a call to an identity service), but must not block the calling thread.
 *
 * <pre>{@code
 * // your token check, asynchronous: a call to an identity service, say
 * Function<String, CompletionStage<Boolean>> tokens = token -> CompletableFuture.completedFuture(token.equals("s3cret"));
 * HandshakeGuard bearer = request -> {
 *     String auth = request.header("Authorization");
 *     if (auth == null || !auth.startsWith("Bearer ")) return HandshakeGuard.refuse(401, "a bearer token is required");
 *     return tokens.apply(auth.substring(7))
 *         .thenApply(ok -> ok ? null : new HandshakeGuard.Refusal(403, "token rejected"));
 * };
 * WebSocketLoadBalancer lb = WebSocketLoadBalancer.builder()
 *     .backend(Backend.of("a", URI.create("ws://10.0.0.1:3000")))
 *     .strategy(BalancingStrategies.roundRobin())
 *     .guard(bearer)
 *     .build();
 * }</pre>
 */
@FunctionalInterface
public interface HandshakeGuard {

    /**
     * Why a handshake is refused: the status sent to the client and a short message for its body.
     *
     * @param status 401 (who are you?) or 403 (not you)
     * @param message a short text, without CR or LF
     */
    record Refusal(int status, String message) {
        /** Validates: status 401 or 403, no line breaks in the message. */
        public Refusal {
            requireNonNull(message, "message");
            if (status != 401 && status != 403) {
                throw new IllegalArgumentException("a guard refuses with 401 or 403, got " + status);
            }
            if (message.indexOf('\r') >= 0 || message.indexOf('\n') >= 0) {
                throw new IllegalArgumentException("a refusal message must not hold CR or LF");
            }
        }
    }

    /**
     * @param request the client's validated handshake
     * @return a stage completing with null to let the handshake through, or with the refusal
     */
    CompletionStage<@Nullable Refusal> check(HandshakeRequest request);

    /** @return a guard that lets every handshake through (the default) */
    static HandshakeGuard allowAll() {
        return Guards.ALLOW_ALL;
    }

    /**
     * A guard against cross-site WebSocket hijacking: a handshake whose {@code Origin} header (sent by every
     * browser) is not one of {@code origins} is refused with 403. A handshake without an {@code Origin} (a
     * program, not a browser page) passes.
     *
     * <pre>{@code HandshakeGuard sameSite = HandshakeGuard.originIn(List.of("https://chat.example.com"));}</pre>
     *
     * @param origins allowed origins, {@code scheme://host} or {@code scheme://host:port}, compared without case
     * @return the guard
     * @throws IllegalArgumentException if an origin is not of that form, or none is given
     */
    static HandshakeGuard originIn(Collection<String> origins) {
        return Guards.originIn(origins);
    }

    /**
     * @param guards guards asked in order; the first refusal wins
     * @return a guard that lets a handshake through only when every one of them does
     */
    static HandshakeGuard allOf(HandshakeGuard... guards) {
        return Guards.allOf(List.of(guards));
    }

    /**
     * @param status 401 or 403
     * @param message a short text
     * @return a completed stage refusing the handshake
     */
    static CompletionStage<@Nullable Refusal> refuse(int status, String message) {
        return CompletableFuture.completedFuture(new Refusal(status, message));
    }

    /** @return a completed stage letting the handshake through */
    static CompletionStage<@Nullable Refusal> allow() {
        return Guards.ALLOWED;
    }
}
