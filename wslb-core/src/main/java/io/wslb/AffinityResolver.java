package io.wslb;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Derives an affinity key from a handshake, so that a client who reconnects with the same key lands on the
 * same backend. The balancer looks the key up in its {@link SessionStore}; on a miss it asks the
 * {@link BalancingStrategy} and stores the choice. The built-in resolvers are in
 * {@code io.wslb.strategies.AffinityResolvers}.
 *
 * <pre>{@code
 * AffinityResolver byUser = request -> request.header("X-User-Id"); // null: no affinity for this client
 * }</pre>
 *
 * <p>Implementations must be thread-safe and must not block.
 */
@FunctionalInterface
public interface AffinityResolver {

    /**
     * @param request the client's handshake
     * @return the key, or null when this client has none (it is then balanced freely)
     */
    @Nullable String resolve(HandshakeRequest request);

    /**
     * A backend that the handshake names itself, already verified (for example by a signed cookie the balancer
     * issued). It takes precedence over the key and the session store. The default names none.
     *
     * @param request the client's handshake
     * @return a backend id, or null
     */
    default @Nullable String pinnedBackend(HandshakeRequest request) {
        return null;
    }

    /**
     * Headers to add to the client's 101 response once the connection is established, for example a cookie
     * that carries the key or names the backend. Called for every established connection. The default adds
     * none.
     *
     * @param request the client's handshake
     * @param key the key {@link #resolve} returned, or null
     * @param backend the backend that accepted the connection
     * @return headers for the client's 101 response
     */
    default List<ResponseHeader> responseHeaders(HandshakeRequest request, @Nullable String key, LiveBackend backend) {
        return List.of();
    }

    /**
     * @return true if this resolver's keys are looked up in the balancer's {@link SessionStore} (the default);
     *     false for resolvers that need none (the handshake names its backend, or a strategy hashes the key)
     */
    default boolean needsSessionStore() {
        return true;
    }

    /** @return a resolver that never yields a key: every connection is balanced freely */
    static AffinityResolver none() {
        return NoAffinity.INSTANCE;
    }
}

/** The shared instance behind {@link AffinityResolver#none()}. */
enum NoAffinity implements AffinityResolver {
    INSTANCE;

    @Override
    public @Nullable String resolve(HandshakeRequest request) {
        return null;
    }

    @Override
    public boolean needsSessionStore() {
        return false;
    }

    @Override
    public String toString() {
        return "none";
    }
}
