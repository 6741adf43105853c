package io.wslb.internal;

import static java.util.Objects.requireNonNull;

import io.wslb.HandshakeGuard;
import io.wslb.HandshakeGuard.Refusal;
import io.wslb.HandshakeRequest;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/** The guards behind the factories of {@link HandshakeGuard}. */
public final class Guards {

    /** A stage that lets a handshake through. */
    public static final CompletionStage<@Nullable Refusal> ALLOWED = CompletableFuture.completedFuture(null);

    /** Lets every handshake through. */
    public static final HandshakeGuard ALLOW_ALL = new HandshakeGuard() {
        @Override
        public CompletionStage<@Nullable Refusal> check(HandshakeRequest request) {
            return ALLOWED;
        }

        @Override
        public String toString() {
            return "allow all";
        }
    };

    private static final Pattern ORIGIN = Pattern.compile("[a-z][a-z0-9+.-]*://[^/?#\\s@]+");

    private Guards() {}

    /** @see HandshakeGuard#originIn(Collection) */
    public static HandshakeGuard originIn(Collection<String> origins) {
        requireNonNull(origins, "origins");
        if (origins.isEmpty()) {
            throw new IllegalArgumentException("an origin allow-list needs at least one origin");
        }
        Set<String> allowed = origins.stream().map(o -> {
            String origin = requireNonNull(o, "origin").trim().toLowerCase(Locale.ROOT);
            if (origin.endsWith("/")) {
                origin = origin.substring(0, origin.length() - 1);
            }
            if (!ORIGIN.matcher(origin).matches()) {
                throw new IllegalArgumentException("an origin is scheme://host[:port], without path, got '" + o + "'");
            }
            return origin;
        }).collect(Collectors.toUnmodifiableSet());
        CompletionStage<@Nullable Refusal> refused = CompletableFuture.completedFuture(
            new Refusal(403, "origin not allowed"));
        return new HandshakeGuard() {
            @Override
            public CompletionStage<@Nullable Refusal> check(HandshakeRequest request) {
                List<String> sent = request.headers("Origin");
                if (sent.isEmpty()) {
                    return ALLOWED;
                }
                if (sent.size() == 1 && allowed.contains(sent.get(0).trim().toLowerCase(Locale.ROOT))) {
                    return ALLOWED;
                }
                return refused;
            }

            @Override
            public String toString() {
                return "origin in " + allowed;
            }
        };
    }

    /** @see HandshakeGuard#allOf(HandshakeGuard...) */
    public static HandshakeGuard allOf(List<HandshakeGuard> guards) {
        List<HandshakeGuard> chain = List.copyOf(guards);
        if (chain.isEmpty()) {
            return ALLOW_ALL;
        }
        return new HandshakeGuard() {
            @Override
            public CompletionStage<@Nullable Refusal> check(HandshakeRequest request) {
                return next(request, 0);
            }

            private CompletionStage<@Nullable Refusal> next(HandshakeRequest request, int index) {
                if (index == chain.size()) {
                    return ALLOWED;
                }
                return chain.get(index).check(request)
                    .thenCompose(refusal -> refusal != null ? CompletableFuture.completedFuture(refusal) : next(request, index + 1));
            }

            @Override
            public String toString() {
                return "all of " + chain;
            }
        };
    }
}
