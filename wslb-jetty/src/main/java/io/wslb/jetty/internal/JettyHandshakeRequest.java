package io.wslb.jetty.internal;

import io.wslb.HandshakeRequest;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.server.Request;
import org.jspecify.annotations.Nullable;

/**
 * A {@link HandshakeRequest} over a Jetty request. It keeps Jetty's immutable header fields and the URI parts,
 * not the request itself, so it stays valid after Jetty recycles the request at the 101.
 */
final class JettyHandshakeRequest implements HandshakeRequest {

    private final String method;
    private final String path;
    private final @Nullable String query;
    private final HttpFields headers;
    private final InetSocketAddress remoteAddress;
    private final boolean secure;

    JettyHandshakeRequest(Request request) {
        this.method = request.getMethod();
        String rawPath = request.getHttpURI().getPath();
        this.path = rawPath == null || rawPath.isEmpty() ? "/" : rawPath;
        this.query = request.getHttpURI().getQuery();
        this.headers = request.getHeaders().asImmutable();
        SocketAddress remote = request.getConnectionMetaData().getRemoteSocketAddress();
        this.remoteAddress = remote instanceof InetSocketAddress inet ? inet : new InetSocketAddress(0);
        this.secure = request.isSecure();
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
        return headers.get(name);
    }

    @Override
    public List<String> headers(String name) {
        return headers.getValuesList(name);
    }

    @Override
    public Collection<String> headerNames() {
        List<String> names = new ArrayList<>(headers.size());
        for (HttpField field : headers) {
            if (!names.contains(field.getName())) {
                names.add(field.getName());
            }
        }
        return names;
    }

    HttpFields fields() {
        return headers;
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
    public String toString() {
        return method + " " + path + (query == null ? "" : "?" + query) + " from " + remoteAddress;
    }
}
