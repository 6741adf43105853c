package io.wslb.strategies.internal;

import io.wslb.AffinityResolver;
import io.wslb.HandshakeRequest;
import io.wslb.LiveBackend;
import io.wslb.ResponseHeader;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The first resolver that yields something wins: a backend named by the handshake first (in order), then a
 * key (in order). Response headers come from every resolver, so a cookie-insert resolver behind a header
 * resolver still issues its cookie.
 */
public final class FirstOfAffinity implements AffinityResolver {

    private final List<AffinityResolver> resolvers;

    public FirstOfAffinity(List<AffinityResolver> resolvers) {
        this.resolvers = List.copyOf(resolvers);
    }

    @Override
    public @Nullable String pinnedBackend(HandshakeRequest request) {
        for (AffinityResolver resolver : resolvers) {
            String id = resolver.pinnedBackend(request);
            if (id != null) {
                return id;
            }
        }
        return null;
    }

    @Override
    public @Nullable String resolve(HandshakeRequest request) {
        for (AffinityResolver resolver : resolvers) {
            String key = resolver.resolve(request);
            if (key != null) {
                return key;
            }
        }
        return null;
    }

    @Override
    public List<ResponseHeader> responseHeaders(HandshakeRequest request, @Nullable String key, LiveBackend backend) {
        List<ResponseHeader> all = null;
        for (AffinityResolver resolver : resolvers) {
            List<ResponseHeader> headers = resolver.responseHeaders(request, key, backend);
            if (!headers.isEmpty()) {
                if (all == null) {
                    all = new ArrayList<>(headers.size());
                }
                all.addAll(headers);
            }
        }
        return all == null ? List.of() : all;
    }

    @Override
    public boolean needsSessionStore() {
        for (AffinityResolver resolver : resolvers) {
            if (resolver.needsSessionStore()) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return "firstOf" + resolvers;
    }
}
