package io.wslb;

import io.wslb.internal.HeaderValues;
import io.wslb.internal.SimpleHandshakeRequest;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Collection;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A read-only, server-independent view of a client's WebSocket upgrade request, as strategies and affinity
 * resolvers see it. Header names are case-insensitive. Adapters implement it over their server's request;
 * {@link #builder()} makes one for tests and benchmarks.
 *
 * <pre>{@code
 * AffinityResolver byTenant = request -> request.header("X-Tenant");
 * HandshakeRequest probe = HandshakeRequest.builder()
 *     .path("/chat").header("X-Tenant", "acme").remoteAddress(new InetSocketAddress("10.1.2.3", 50000))
 *     .build();
 * assert "acme".equals(byTenant.resolve(probe));
 * }</pre>
 */
public interface HandshakeRequest {

    /** @return the HTTP method, normally {@code GET} */
    String method();

    /** @return the request path as received (still percent-encoded), starting with {@code /} */
    String path();

    /** @return the raw query string without the {@code ?}, or null when there is none */
    @Nullable String query();

    /**
     * @param name a header name, any case
     * @return the first value of that header, or null
     */
    @Nullable String header(String name);

    /**
     * @param name a header name, any case
     * @return every value of that header in order, possibly empty
     */
    List<String> headers(String name);

    /** @return the names of the headers present, as sent */
    Collection<String> headerNames();

    /** @return the address of the peer that sent the request (a proxy, if there is one in front) */
    InetSocketAddress remoteAddress();

    /** @return true if the request came over TLS ({@code wss://}) */
    boolean secure();

    /**
     * The client's address: the peer's, or, when the peer is a trusted proxy (see {@link TrustedProxies}), the
     * one that proxy forwarded in {@code X-Forwarded-For} or {@code Forwarded}.
     *
     * @return the client's address
     */
    default InetAddress clientAddress() {
        InetAddress peer = remoteAddress().getAddress();
        return peer != null ? peer : InetAddress.getLoopbackAddress();
    }

    /**
     * @param name a cookie name, exact case
     * @return the value of the first cookie with that name in the {@code Cookie} headers, or null
     */
    default @Nullable String cookie(String name) {
        return HeaderValues.cookie(headers("Cookie"), name);
    }

    /**
     * @param name a query parameter name, exact case
     * @return the first value of that parameter, percent-decoded, or null (an empty string when present
     *     without a value)
     */
    default @Nullable String queryParameter(String name) {
        return HeaderValues.queryParameter(query(), name);
    }

    /** @return the subprotocols the client offered in {@code Sec-WebSocket-Protocol}, in its order */
    default List<String> subprotocols() {
        return HeaderValues.tokens(headers("Sec-WebSocket-Protocol"));
    }

    /** @return a builder of a standalone request, for tests and benchmarks */
    static Builder builder() {
        return new SimpleHandshakeRequest.Builder();
    }

    /** Builds a standalone {@link HandshakeRequest}. Defaults: {@code GET /}, no headers, 127.0.0.1:0. */
    interface Builder {
        /** @param method HTTP method @return this */
        Builder method(String method);

        /** @param path raw path starting with {@code /} @return this */
        Builder path(String path);

        /** @param query raw query without {@code ?}, or null @return this */
        Builder query(@Nullable String query);

        /** @param name header name @param value one value, added after any earlier ones @return this */
        Builder header(String name, String value);

        /** @param address the peer's address @return this */
        Builder remoteAddress(InetSocketAddress address);

        /** @param secure whether the request came over TLS @return this */
        Builder secure(boolean secure);

        /**
         * @param proxies the trusted proxies from which {@link HandshakeRequest#clientAddress()} is derived
         *     (default none: the client address is the remote address)
         * @return this
         */
        Builder trustedProxies(TrustedProxies proxies);

        /** @return the request */
        HandshakeRequest build();
    }
}
