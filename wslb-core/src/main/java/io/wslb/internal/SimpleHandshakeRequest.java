package io.wslb.internal;

import static java.util.Objects.requireNonNull;

import io.wslb.HandshakeRequest;
import io.wslb.TrustedProxies;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/** A {@link HandshakeRequest} held in memory, made by {@link HandshakeRequest#builder()}. */
public final class SimpleHandshakeRequest implements HandshakeRequest {

    private final String method;
    private final String path;
    private final @Nullable String query;
    private final Map<String, List<String>> headers;
    private final List<String> names;
    private final InetSocketAddress remoteAddress;
    private final InetAddress clientAddress;
    private final boolean secure;

    private SimpleHandshakeRequest(Builder builder) {
        this.method = builder.method;
        this.path = builder.path;
        this.query = builder.query;
        Map<String, List<String>> copy = new LinkedHashMap<>();
        builder.headers.forEach((name, values) -> copy.put(name, List.copyOf(values)));
        this.headers = copy;
        this.names = List.copyOf(builder.names);
        this.remoteAddress = builder.remoteAddress;
        this.secure = builder.secure;
        InetAddress peer = remoteAddress.getAddress() != null ? remoteAddress.getAddress() : InetAddress.getLoopbackAddress();
        this.clientAddress = builder.proxies.clientAddress(peer, headers("X-Forwarded-For"), headers("Forwarded"));
    }

    @Override
    public String method() {
        return method;
    }

    @Override
    public String path() {
        return path;
    }

    @Override
    public @Nullable String query() {
        return query;
    }

    @Override
    public @Nullable String header(String name) {
        List<String> values = headers(name);
        return values.isEmpty() ? null : values.get(0);
    }

    @Override
    public List<String> headers(String name) {
        return headers.getOrDefault(name.toLowerCase(Locale.ROOT), List.of());
    }

    @Override
    public Collection<String> headerNames() {
        return names;
    }

    @Override
    public InetSocketAddress remoteAddress() {
        return remoteAddress;
    }

    @Override
    public boolean secure() {
        return secure;
    }

    @Override
    public InetAddress clientAddress() {
        return clientAddress;
    }

    @Override
    public String toString() {
        return method + " " + path + (query == null ? "" : "?" + query) + " from " + remoteAddress;
    }

    /** The builder behind {@link HandshakeRequest#builder()}. */
    public static final class Builder implements HandshakeRequest.Builder {
        private String method = "GET";
        private String path = "/";
        private @Nullable String query;
        private final Map<String, List<String>> headers = new LinkedHashMap<>();
        private final List<String> names = new ArrayList<>();
        private InetSocketAddress remoteAddress = new InetSocketAddress("127.0.0.1", 0);
        private boolean secure;
        private TrustedProxies proxies = TrustedProxies.none();

        @Override
        public Builder method(String method) {
            this.method = requireNonNull(method, "method");
            return this;
        }

        @Override
        public Builder path(String path) {
            requireNonNull(path, "path");
            if (!path.startsWith("/")) {
                throw new IllegalArgumentException("path must start with '/', got '" + path + "'");
            }
            this.path = path;
            return this;
        }

        @Override
        public Builder query(@Nullable String query) {
            this.query = query;
            return this;
        }

        @Override
        public Builder header(String name, String value) {
            requireNonNull(name, "name");
            requireNonNull(value, "value");
            String key = name.toLowerCase(Locale.ROOT);
            if (!headers.containsKey(key)) {
                names.add(name);
            }
            headers.computeIfAbsent(key, k -> new ArrayList<>()).add(value);
            return this;
        }

        @Override
        public Builder remoteAddress(InetSocketAddress address) {
            this.remoteAddress = requireNonNull(address, "address");
            return this;
        }

        @Override
        public Builder secure(boolean secure) {
            this.secure = secure;
            return this;
        }

        @Override
        public Builder trustedProxies(TrustedProxies proxies) {
            this.proxies = requireNonNull(proxies, "proxies");
            return this;
        }

        @Override
        public HandshakeRequest build() {
            return new SimpleHandshakeRequest(this);
        }
    }
}
