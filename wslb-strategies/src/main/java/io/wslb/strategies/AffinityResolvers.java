package io.wslb.strategies;

import static java.util.Objects.requireNonNull;

import io.wslb.AffinityResolver;
import io.wslb.ResponseHeader;
import io.wslb.strategies.internal.ClientIpAffinity;
import io.wslb.strategies.internal.FirstOfAffinity;
import io.wslb.strategies.internal.JwtClaimReader;
import io.wslb.strategies.internal.KeyAffinity;
import io.wslb.strategies.internal.SignedCookieAffinity;
import java.security.SecureRandom;
import java.util.List;

/**
 * The built-in {@link AffinityResolver affinity resolvers}: how a client is recognised when it comes back, so that
 * it reaches the same backend. Resolvers that yield a key need either a {@link io.wslb.SessionStore} (the key is
 * looked up there and the first choice remembered) or a strategy that hashes the key
 * ({@link BalancingStrategies#consistentHash()}: no memory at all, few keys move when the pool changes);
 * {@link #cookie} names the backend itself and needs neither.
 *
 * <pre>{@code
 * WebSocketLoadBalancer lb = WebSocketLoadBalancer.builder()
 *     .backend(Backend.of("a", URI.create("ws://10.0.0.1:3000")))
 *     .backend(Backend.of("b", URI.create("ws://10.0.0.2:3000")))
 *     .strategy(BalancingStrategies.leastConnections())
 *     .affinity(AffinityResolvers.firstOf(
 *         AffinityResolvers.header("X-User-Id"),
 *         AffinityResolvers.clientIp()))
 *     .sessionStore(SessionStores.inMemory(Duration.ofHours(1)))
 *     .build();
 * }</pre>
 */
public final class AffinityResolvers {

    private static final SecureRandom RANDOM = new SecureRandom();

    private AffinityResolvers() {}

    /**
     * The key is the client's IP address, IPv4 or IPv6: the peer's, or the one a trusted proxy forwarded (see
     * {@link io.wslb.TrustedProxies}; headers from anyone else are ignored). Behind a NAT many clients share it.
     *
     * @return the client-IP resolver
     */
    public static AffinityResolver clientIp() {
        return ClientIpAffinity.INSTANCE;
    }

    /**
     * Cookie insert with a secret made for this resolver: the balancer names the chosen backend in a signed
     * cookie ({@code Path=/; HttpOnly; SameSite=Lax}, plus {@code Secure} over TLS) and honours it on reconnect.
     * No session store. The cookies stay valid as long as this resolver lives; for several balancer instances,
     * or across restarts, use {@link #cookie(String, byte[])} with a shared secret.
     *
     * @param name the cookie name, an RFC 9110 token such as {@code WSLB}
     * @return a cookie-insert resolver
     */
    public static AffinityResolver cookie(String name) {
        byte[] secret = new byte[32];
        RANDOM.nextBytes(secret);
        return cookie(name, secret);
    }

    /**
     * Cookie insert with a given secret: the cookie names the backend and carries an HMAC-SHA256 of it, so a
     * client cannot choose its backend by forging one. The 101 sets it when the client has none or it names
     * another backend. A forged or damaged cookie is ignored (a fresh pick and a new cookie, never an error); a
     * stale one (its backend gone or not eligible) is re-picked likewise under {@link io.wslb.AffinityFallback#REPICK}
     * (the default) and answered 503 under {@link io.wslb.AffinityFallback#REJECT}.
     *
     * @param name the cookie name, an RFC 9110 token
     * @param secret at least 32 bytes, the same for every balancer instance that should honour the cookies
     * @return a cookie-insert resolver
     */
    public static AffinityResolver cookie(String name, byte[] secret) {
        requireToken(name, "cookie name");
        requireNonNull(secret, "secret");
        if (secret.length < 32) {
            throw new IllegalArgumentException("the cookie secret must be at least 32 bytes, got " + secret.length);
        }
        return new SignedCookieAffinity(name, secret.clone());
    }

    /**
     * The key is the value of an application's own cookie (a session id such as {@code JSESSIONID}); the balancer
     * sets no cookie. Needs a session store: the first connection of a session is balanced and recorded.
     *
     * @param name the cookie name, exact case
     * @return a resolver
     */
    public static AffinityResolver appCookie(String name) {
        requireToken(name, "cookie name");
        return new KeyAffinity("app-cookie:" + name, request -> request.cookie(name));
    }

    /**
     * The key is the value of a request header (the first, when repeated). Needs a session store.
     *
     * @param name the header name, any case
     * @return a resolver
     */
    public static AffinityResolver header(String name) {
        requireToken(name, "header name");
        return new KeyAffinity("header:" + name, request -> request.header(name));
    }

    /**
     * The key is the value of a query parameter, percent-decoded (the first, when repeated). Needs a session
     * store.
     *
     * @param name the parameter name, exact case
     * @return a resolver
     */
    public static AffinityResolver queryParameter(String name) {
        requireNonNull(name, "name");
        if (name.isEmpty()) {
            throw new IllegalArgumentException("query parameter name must not be empty");
        }
        return new KeyAffinity("query:" + name, request -> request.queryParameter(name));
    }

    /**
     * The key is a claim (such as {@code sub}) of a JSON Web Token carried in a header ({@code Authorization:
     * Bearer ...} or any header holding the bare token). A token the verifier rejects, a malformed one, or one
     * without the claim yields no key: that client is balanced freely, never pinned. Needs a session store.
     *
     * @param header where the token is
     * @param claim the claim whose value is the key
     * @param verifier decides whether the token is believed
     * @return a resolver
     */
    public static AffinityResolver jwtClaimFromHeader(String header, String claim, JwtVerifier verifier) {
        requireToken(header, "header name");
        requireNonNull(claim, "claim");
        requireNonNull(verifier, "verifier");
        return new KeyAffinity("jwt-claim:" + header + ":" + claim, new JwtClaimReader(header, null, claim, verifier));
    }

    /**
     * Like {@link #jwtClaimFromHeader}, with the token in a query parameter (as browsers' WebSocket API cannot set
     * headers).
     *
     * @param parameter the query parameter holding the token
     * @param claim the claim whose value is the key
     * @param verifier decides whether the token is believed
     * @return a resolver
     */
    public static AffinityResolver jwtClaimFromQuery(String parameter, String claim, JwtVerifier verifier) {
        requireNonNull(parameter, "parameter");
        requireNonNull(claim, "claim");
        requireNonNull(verifier, "verifier");
        return new KeyAffinity("jwt-claim-query:" + parameter + ":" + claim, new JwtClaimReader(null, parameter, claim, verifier));
    }

    /**
     * The first resolver that recognises the client wins: a backend named by the handshake first (cookie
     * insert), then the first key, in the order given.
     *
     * @param resolvers at least one
     * @return a resolver
     */
    public static AffinityResolver firstOf(AffinityResolver... resolvers) {
        requireNonNull(resolvers, "resolvers");
        if (resolvers.length == 0) {
            throw new IllegalArgumentException("firstOf needs at least one resolver");
        }
        for (AffinityResolver resolver : resolvers) {
            requireNonNull(resolver, "resolver");
        }
        return new FirstOfAffinity(List.of(resolvers));
    }

    private static void requireToken(String name, String what) {
        requireNonNull(name, what);
        if (!ResponseHeader.isToken(name)) {
            throw new IllegalArgumentException(what + " must be a token, got '" + name + "'");
        }
    }
}
