package io.wslb.strategies.internal;

import io.wslb.AffinityResolver;
import io.wslb.HandshakeRequest;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.jspecify.annotations.Nullable;

/** The peer's IP address as the affinity key. */
public enum ClientIpAffinity implements AffinityResolver {
    INSTANCE;

    @Override
    public @Nullable String resolve(HandshakeRequest request) {
        InetSocketAddress remote = request.remoteAddress();
        InetAddress address = remote.getAddress();
        return address == null ? null : address.getHostAddress();
    }

    @Override
    public String toString() {
        return "ip";
    }
}
