package io.wslb.strategies.internal;

import io.wslb.HandshakeRequest;
import io.wslb.strategies.JwtVerifier;
import java.util.Locale;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/** Reads one claim of a JWT carried in a header (a "Bearer " prefix is removed) or a query parameter. */
public final class JwtClaimReader implements Function<HandshakeRequest, @Nullable String> {

    private final @Nullable String header;
    private final @Nullable String queryParameter;
    private final String claim;
    private final JwtVerifier verifier;

    public JwtClaimReader(@Nullable String header, @Nullable String queryParameter, String claim, JwtVerifier verifier) {
        this.header = header;
        this.queryParameter = queryParameter;
        this.claim = claim;
        this.verifier = verifier;
    }

    @Override
    public @Nullable String apply(HandshakeRequest request) {
        String token = header != null ? request.header(header) : request.queryParameter(queryParameter == null ? "" : queryParameter);
        if (token == null) {
            return null;
        }
        token = token.trim();
        if (token.length() > 7 && token.substring(0, 7).toLowerCase(Locale.ROOT).equals("bearer ")) {
            token = token.substring(7).trim();
        }
        String payload = Jwt.payload(token);
        if (payload == null || !verifier.verify(token)) {
            return null;
        }
        return JsonClaims.member(payload, claim);
    }
}
