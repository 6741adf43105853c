package io.wslb.jetty.internal.handshake;

import io.wslb.HandshakeRequest;
import io.wslb.TrustedProxies;
import java.net.InetAddress;
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
 * A {@link HandshakeRequest} copied out of a Jetty request: method, URI parts, remote address and the header
 * names and values in one flat array. It holds nothing of Jetty's: the request's own header fields keep a
 * reference to the HTTP connection that parsed them (about 3 KB per connection), which must be free to go
 * once the connection is upgraded, while this view lives as long as the proxied connection.
 */
final class JettyHandshakeRequest implements HandshakeRequest {

    private final String method;
    private final String path;
    private final @Nullable String query;
    /** Header names and values, alternating, in the order received. */
    private final String[] fields;
    private final InetSocketAddress remoteAddress;
    private final InetAddress clientAddress;
    private final boolean secure;

    JettyHandshakeRequest(Request request, TrustedProxies proxies) {
        this.method = request.getMethod();
        String rawPath = request.getHttpURI().getPath();
        this.path = rawPath == null || rawPath.isEmpty() ? "/" : rawPath;
        this.query = request.getHttpURI().getQuery();
        HttpFields headers = request.getHeaders();
        String[] copy = new String[headers.size() * 2];
        int i = 0;
        for (HttpField field : headers) {
            copy[i++] = field.getName();
            copy[i++] = field.getValue();
        }
        this.fields = copy;
        SocketAddress remote = request.getConnectionMetaData().getRemoteSocketAddress();
        this.remoteAddress = remote instanceof InetSocketAddress inet ? inet : new InetSocketAddress(0);
        this.secure = request.isSecure();
        InetAddress peer = remoteAddress.getAddress() != null ? remoteAddress.getAddress() : InetAddress.getLoopbackAddress();
        this.clientAddress = proxies.isEmpty() ? peer : proxies.clientAddress(peer, headers("X-Forwarded-For"), headers("Forwarded"));
    }

    @Override
    public InetAddress clientAddress() {
        return clientAddress;
    }

    /** @return true if the peer is one of the trusted proxies (its forwarding headers are extended, not replaced) */
    boolean peerIsTrustedProxy(TrustedProxies proxies) {
        return proxies.contains(remoteAddress.getAddress());
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
        for (int i = 0; i < fields.length; i += 2) {
            if (fields[i].equalsIgnoreCase(name)) {
                return fields[i + 1];
            }
        }
        return null;
    }

    @Override
    public List<String> headers(String name) {
        List<String> values = null;
        for (int i = 0; i < fields.length; i += 2) {
            if (fields[i].equalsIgnoreCase(name)) {
                if (values == null) {
                    values = new ArrayList<>(2);
                }
                values.add(fields[i + 1]);
            }
        }
        return values == null ? List.of() : values;
    }

    @Override
    public Collection<String> headerNames() {
        List<String> names = new ArrayList<>(fields.length / 2);
        for (int i = 0; i < fields.length; i += 2) {
            if (!containsIgnoreCase(names, fields[i])) {
                names.add(fields[i]);
            }
        }
        return names;
    }

    private static boolean containsIgnoreCase(List<String> names, String name) {
        for (String n : names) {
            if (n.equalsIgnoreCase(name)) {
                return true;
            }
        }
        return false;
    }

    /** @return the number of header fields */
    int fieldCount() {
        return fields.length / 2;
    }

    /** @return the name of header field {@code index} */
    String fieldName(int index) {
        return fields[index * 2];
    }

    /** @return the value of header field {@code index} */
    String fieldValue(int index) {
        return fields[index * 2 + 1];
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
