package io.wslb.strategies.internal;

import io.wslb.AffinityResolver;
import io.wslb.HandshakeRequest;
import org.jspecify.annotations.Nullable;

/** The client's IP address (see {@link HandshakeRequest#clientAddress()}) as the affinity key. */
public enum ClientIpAffinity implements AffinityResolver {
    INSTANCE;

    @Override
    public @Nullable String resolve(HandshakeRequest request) {
        return request.clientAddress().getHostAddress();
    }

    @Override
    public String toString() {
        return "ip";
    }
}
