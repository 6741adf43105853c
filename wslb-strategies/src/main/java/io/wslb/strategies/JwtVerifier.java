package io.wslb.strategies;

import static java.util.Objects.requireNonNull;

import io.wslb.strategies.internal.HmacJwtVerifier;
import java.time.Clock;

/**
 * Decides whether a JSON Web Token may be believed, before one of its claims pins a client to a backend. A token
 * it rejects never pins anything: the client is balanced freely.
 *
 * <pre>{@code
 * byte[] secret = Files.readAllBytes(Path.of("/etc/wslb/jwt-secret"));
 * JwtVerifier verifier = JwtVerifier.hmacSha256(secret);             // HS256 tokens of your own issuer
 * AffinityResolver byUser = AffinityResolvers.jwtClaimFromHeader("Authorization", "sub", verifier);
 * }</pre>
 *
 * <p>Implement it to check other algorithms (for example RS256 with your JWKS library): return true only for a
 * token whose signature and validity you checked. Called on a server thread: it must not block.
 */
@FunctionalInterface
public interface JwtVerifier {

    /**
     * @param token the compact serialisation (header.payload.signature)
     * @return true if the token is authentic and valid now
     */
    boolean verify(String token);

    /**
     * HS256 (HMAC-SHA256) tokens: the header must say {@code "alg":"HS256"}, the signature must match, and
     * {@code exp} and {@code nbf}, when present, must hold now. Any other algorithm, {@code none} included, is
     * rejected.
     *
     * @param secret the shared key, at least 32 bytes (RFC 7518 section 3.2)
     * @return the verifier
     */
    static JwtVerifier hmacSha256(byte[] secret) {
        return hmacSha256(secret, Clock.systemUTC());
    }

    /**
     * @param secret the shared key, at least 32 bytes
     * @param clock the clock that {@code exp} and {@code nbf} are checked against
     * @return the verifier
     */
    static JwtVerifier hmacSha256(byte[] secret, Clock clock) {
        requireNonNull(secret, "secret");
        requireNonNull(clock, "clock");
        if (secret.length < 32) {
            throw new IllegalArgumentException("an HS256 secret must be at least 32 bytes, got " + secret.length);
        }
        return new HmacJwtVerifier(secret.clone(), clock);
    }

    /**
     * Believes every well-formed token without checking it. Only for tokens that an earlier hop (a gateway in
     * front of the balancer) has already verified: anyone can write an unsigned token with any claim.
     *
     * @return a verifier that accepts everything
     */
    static JwtVerifier acceptUnverified() {
        return token -> true;
    }
}
