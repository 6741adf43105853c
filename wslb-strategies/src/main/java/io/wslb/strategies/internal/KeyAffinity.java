package io.wslb.strategies.internal;

import io.wslb.AffinityResolver;
import io.wslb.HandshakeRequest;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * A key read from the handshake (an application cookie, a header, a query parameter, a claim), looked up in the
 * session store. Empty values and values over 512 characters are no key.
 */
public final class KeyAffinity implements AffinityResolver {

    static final int MAX_KEY_LENGTH = 512;

    private final String description;
    private final Function<HandshakeRequest, @Nullable String> reader;

    public KeyAffinity(String description, Function<HandshakeRequest, @Nullable String> reader) {
        this.description = description;
        this.reader = reader;
    }

    @Override
    public @Nullable String resolve(HandshakeRequest request) {
        String value = reader.apply(request);
        if (value == null) {
            return null;
        }
        String key = value.trim();
        return key.isEmpty() || key.length() > MAX_KEY_LENGTH ? null : key;
    }

    @Override
    public String toString() {
        return description;
    }
}
