package io.wslb.strategies;

import static java.util.Objects.requireNonNull;

import io.wslb.AffinityResolver;
import io.wslb.HttpHeader;
import io.wslb.strategies.internal.ClientIpAffinity;
import io.wslb.strategies.internal.CookieAffinity;

/**
 * The built-in {@link AffinityResolver affinity resolvers}. Affinity needs a
 * {@link io.wslb.SessionStore}: the resolver yields a key, the store remembers which backend serves it.
 *
 * <pre>{@code
 * WebSocketLoadBalancer lb = WebSocketLoadBalancer.builder()
 *     .backend(Backend.of("a", URI.create("ws://10.0.0.1:3000")))
 *     .backend(Backend.of("b", URI.create("ws://10.0.0.2:3000")))
 *     .strategy(BalancingStrategies.roundRobin())
 *     .affinity(AffinityResolvers.cookie("WSLB"))
 *     .sessionStore(SessionStores.inMemory(Duration.ofHours(1)))
 *     .build();
 * }</pre>
 */
public final class AffinityResolvers {

    private AffinityResolvers() {}

    /**
     * The key is the IP address of the peer that opened the TCP connection. Behind another proxy every client
     * shares that proxy's address; forwarded-header support for trusted proxies comes with a later release.
     *
     * @return the client-IP resolver
     */
    public static AffinityResolver clientIp() {
        return ClientIpAffinity.INSTANCE;
    }

    /**
     * The key is a random identifier carried in a cookie: a client without the cookie gets a fresh key, and the
     * balancer sets the cookie ({@code Path=/; HttpOnly; SameSite=Lax}, plus {@code Secure} over TLS) on the
     * 101 response; on reconnect the browser sends it back and lands on the same backend while the store
     * remembers the key. A cookie value that is not a well-formed key is replaced by a fresh one.
     *
     * @param name the cookie name, an RFC 9110 token such as {@code WSLB}
     * @return a cookie resolver
     */
    public static AffinityResolver cookie(String name) {
        requireNonNull(name, "name");
        if (!HttpHeader.isToken(name)) {
            throw new IllegalArgumentException("cookie name must be a token, got '" + name + "'");
        }
        return new CookieAffinity(name);
    }
}
