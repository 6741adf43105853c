package io.wslb.jetty.internal.handshake;

import io.wslb.Backend;
import io.wslb.Channels;
import io.wslb.HandshakeRequest;
import io.wslb.ResponseHeader;
import io.wslb.internal.HeaderValues;
import io.wslb.jetty.internal.tunnel.FrameRules;
import java.io.ByteArrayOutputStream;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Consumer;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.jspecify.annotations.Nullable;

/**
 * The proxy's side of the handshake with a backend: the upgrade request it writes (the client's key,
 * subprotocols, extensions and application headers forwarded; hop-by-hop headers removed; forwarding headers
 * set) and the checks of the backend's 101 answer (accept value, subprotocol and extensions the client
 * offered).
 */
final class BackendHandshake {

    private static final String GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

    /** Hop-by-hop headers (RFC 9110 section 7.6.1) and those the proxy sets itself; lower case. */
    private static final Set<String> NOT_FORWARDED = Set.of(
        "connection", "keep-alive", "proxy-connection", "proxy-authenticate", "proxy-authorization", "te",
        "trailer", "transfer-encoding", "upgrade", "host", "content-length", "sec-websocket-key",
        "sec-websocket-version", "sec-websocket-accept", "x-forwarded-for", "x-forwarded-proto",
        "x-forwarded-host", "x-forwarded-port", "forwarded", "wslb-channels", "wslb-connection-id");

    /** Headers of a backend's answer that the proxy does not relay (hop-by-hop, or set by the proxy). */
    private static final Set<String> NOT_RELAYED = Set.of(
        "connection", "keep-alive", "proxy-connection", "proxy-authenticate", "te", "trailer",
        "transfer-encoding", "upgrade", "content-length", "sec-websocket-accept", "date", "server", "wslb-channels");

    private BackendHandshake() {}

    /**
     * @param backend the backend
     * @param remainder the client's raw path below the mount point ("" or starting with "/")
     * @param client the client's handshake
     * @param key the client's Sec-WebSocket-Key, forwarded as is
     * @param trustedPeer whether the peer is a trusted proxy: its X-Forwarded-* and Forwarded values are kept and
     *     extended; otherwise they are replaced
     * @param connectionId the connection's id, sent as {@code Wslb-Connection-Id} (one the client sent is dropped)
     * @return the complete upgrade request, ready to write
     */
    static ByteBuffer request(Backend backend, String remainder, JettyHandshakeRequest client, String key, boolean trustedPeer,
                              String connectionId) {
        URI uri = backend.uri();
        StringBuilder head = new StringBuilder(512);
        head.append("GET ").append(target(uri, remainder, client.query())).append(" HTTP/1.1\r\n");
        head.append("Host: ").append(uri.getRawAuthority()).append("\r\n");
        head.append("Upgrade: websocket\r\nConnection: Upgrade\r\n");
        head.append("Sec-WebSocket-Key: ").append(key).append("\r\n");
        head.append("Sec-WebSocket-Version: 13\r\n");
        head.append(Channels.CONNECTION_ID_HEADER).append(": ").append(connectionId).append("\r\n");
        Set<String> connectionNamed = connectionTokens(client.headers("Connection"));
        for (int i = 0, n = client.fieldCount(); i < n; i++) {
            String name = client.fieldName(i);
            String lower = name.toLowerCase(Locale.ROOT);
            if (NOT_FORWARDED.contains(lower) || connectionNamed.contains(lower)) {
                continue;
            }
            head.append(name).append(": ").append(client.fieldValue(i)).append("\r\n");
        }
        String peerIp = address(client.remoteAddress().getAddress());
        String proto = client.secure() ? "https" : "http";
        String host = client.header("Host");
        List<String> priorFor = trustedPeer ? client.headers("X-Forwarded-For") : List.of();
        head.append("X-Forwarded-For: ");
        for (String prior : priorFor) {
            head.append(prior).append(", ");
        }
        head.append(peerIp).append("\r\n");
        String priorProto = trustedPeer ? client.header("X-Forwarded-Proto") : null;
        head.append("X-Forwarded-Proto: ").append(priorProto != null ? priorProto : proto).append("\r\n");
        String priorHost = trustedPeer ? client.header("X-Forwarded-Host") : null;
        if (priorHost != null || host != null) {
            head.append("X-Forwarded-Host: ").append(priorHost != null ? priorHost : host).append("\r\n");
        }
        head.append("Forwarded: ");
        for (String prior : trustedPeer ? client.headers("Forwarded") : List.<String>of()) {
            head.append(prior).append(", ");
        }
        head.append("for=").append(forwardedNode(client.remoteAddress().getAddress())).append(";proto=").append(proto);
        if (host != null) {
            head.append(";host=\"").append(host.replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
        }
        head.append("\r\n\r\n");
        return ByteBuffer.wrap(encode(head));
    }

    /** The request target: the backend URI's path, the client's path below the mount, both queries. */
    static String target(URI backend, String remainder, @Nullable String clientQuery) {
        String base = backend.getRawPath() == null ? "" : backend.getRawPath();
        String path;
        if (remainder.isEmpty()) {
            path = base.isEmpty() ? "/" : base;
        } else if (base.endsWith("/")) {
            path = base + remainder.substring(1);
        } else {
            path = base + remainder;
        }
        String backendQuery = backend.getRawQuery();
        String query = backendQuery == null ? clientQuery
            : clientQuery == null || clientQuery.isEmpty() ? backendQuery : backendQuery + "&" + clientQuery;
        return query == null ? path : path + "?" + query;
    }

    /** Header values are Latin-1 on the wire; a value Jetty decoded as UTF-8 is written back as UTF-8. */
    private static byte[] encode(CharSequence text) {
        boolean latin1 = true;
        for (int i = 0, n = text.length(); i < n && latin1; i++) {
            latin1 = text.charAt(i) <= 0xFF;
        }
        if (latin1) {
            return text.toString().getBytes(StandardCharsets.ISO_8859_1);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c <= 0xFF) {
                out.write(c);
            } else {
                int end = i + 1;
                if (Character.isHighSurrogate(c) && end < text.length()) {
                    end++;
                }
                byte[] utf8 = text.subSequence(i, end).toString().getBytes(StandardCharsets.UTF_8);
                out.write(utf8, 0, utf8.length);
                i = end - 1;
            }
        }
        return out.toByteArray();
    }

    private static Set<String> connectionTokens(List<String> connectionValues) {
        Set<String> tokens = new HashSet<>();
        for (String value : connectionValues) {
            for (String token : value.split(",")) {
                String t = token.trim().toLowerCase(Locale.ROOT);
                if (!t.isEmpty()) {
                    tokens.add(t);
                }
            }
        }
        return tokens;
    }

    private static String address(@Nullable InetAddress address) {
        return address == null ? "unknown" : address.getHostAddress();
    }

    private static String forwardedNode(@Nullable InetAddress address) {
        if (address == null) {
            return "unknown";
        }
        return address instanceof Inet6Address ? "\"[" + address.getHostAddress() + "]\"" : address.getHostAddress();
    }

    /**
     * @param key the key sent
     * @return the {@code Sec-WebSocket-Accept} value a server must answer
     */
    static String accept(String key) {
        try {
            MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
            byte[] digest = sha1.digest((key + GUID).getBytes(StandardCharsets.ISO_8859_1));
            return Base64.getEncoder().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is required by every Java platform", e);
        }
    }

    /**
     * Checks a backend's 101 answer.
     *
     * @param response the answer's headers
     * @param key the key sent
     * @param client the client's handshake (its offers)
     * @return null when the answer is a valid WebSocket upgrade, or what is wrong with it
     */
    static @Nullable String verify(HttpFields response, String key, HandshakeRequest client) {
        if (!ClientHandshake.hasToken(response.getValuesList(HttpHeader.UPGRADE), "websocket")) {
            return "101 without 'Upgrade: websocket'";
        }
        if (!ClientHandshake.hasToken(response.getValuesList(HttpHeader.CONNECTION), "upgrade")) {
            return "101 without 'Connection: Upgrade'";
        }
        List<String> accepts = response.getValuesList(HttpHeader.SEC_WEBSOCKET_ACCEPT);
        if (accepts.size() != 1 || !accepts.get(0).trim().equals(accept(key))) {
            return "wrong Sec-WebSocket-Accept";
        }
        List<String> protocols = HeaderValues.tokens(response.getValuesList(HttpHeader.SEC_WEBSOCKET_SUBPROTOCOL));
        if (protocols.size() > 1) {
            return "more than one subprotocol chosen";
        }
        if (protocols.size() == 1 && !client.subprotocols().contains(protocols.get(0))) {
            return "subprotocol '" + protocols.get(0) + "' was not offered by the client";
        }
        List<String> offered = extensionNames(client.headers("Sec-WebSocket-Extensions"));
        for (String name : extensionNames(response.getValuesList(HttpHeader.SEC_WEBSOCKET_EXTENSIONS))) {
            if (!offered.contains(name)) {
                return "extension '" + name + "' was not offered by the client";
            }
        }
        return null;
    }

    /** @return the extension names (before any parameter) of Sec-WebSocket-Extensions values, lower case */
    static List<String> extensionNames(List<String> values) {
        List<String> names = new ArrayList<>(2);
        for (String extension : HeaderValues.tokens(values)) {
            int semicolon = extension.indexOf(';');
            String name = (semicolon < 0 ? extension : extension.substring(0, semicolon)).trim().toLowerCase(Locale.ROOT);
            if (!name.isEmpty()) {
                names.add(name);
            }
        }
        return names;
    }

    /**
     * @param backendHeaders a verified 101 answer
     * @return the RSV bits the first frame of a message may set: none without extensions, RSV1 with
     *     permessage-deflate alone, any with other extensions
     */
    static int rsvFirst(HttpFields backendHeaders) {
        List<String> extensions = extensionNames(backendHeaders.getValuesList(HttpHeader.SEC_WEBSOCKET_EXTENSIONS));
        return extensions.isEmpty() ? 0
            : extensions.stream().allMatch("permessage-deflate"::equals) ? FrameRules.RSV1 : FrameRules.RSV_ALL;
    }

    /**
     * Fills the client's 101 answer from the backend's verified one.
     *
     * @param backendHeaders the backend's 101, already {@link #verify verified}
     * @param extra headers the router adds (an affinity cookie, for example)
     * @param out the client's response headers
     */
    static void switchingHeaders(HttpFields backendHeaders, List<ResponseHeader> extra, HttpFields.Mutable out) {
        relayHeaders(backendHeaders, out);
        out.put(HttpHeader.UPGRADE, "websocket");
        out.put(HttpHeader.CONNECTION, "Upgrade");
        // verify() proved the backend's accept value is the one for the client's key: no second SHA-1.
        out.put(HttpHeader.SEC_WEBSOCKET_ACCEPT, backendHeaders.get(HttpHeader.SEC_WEBSOCKET_ACCEPT).trim());
        for (ResponseHeader header : extra) {
            out.add(header.name(), header.value());
        }
    }

    /**
     * The channels a backend's 101 names in {@code Wslb-Channels} (comma-separated, in one or several headers): the
     * valid names, each once, at most {@link Channels#MAX_CHANNELS_PER_CONNECTION}.
     *
     * @param backendHeaders the backend's 101
     * @param invalid receives the reason for each name left out
     * @return the channels, in the order named
     */
    static List<String> channels(HttpFields backendHeaders, Consumer<String> invalid) {
        List<String> values = backendHeaders.getValuesList(Channels.CHANNELS_HEADER);
        if (values.isEmpty()) {
            return List.of();
        }
        Set<String> names = new LinkedHashSet<>();
        for (String value : values) {
            for (String part : value.split(",", -1)) {
                String name = part.trim();
                if (name.isEmpty()) {
                    continue;
                }
                try {
                    Channels.checkName(name);
                } catch (IllegalArgumentException e) {
                    invalid.accept(e.getMessage());
                    continue;
                }
                if (names.size() >= Channels.MAX_CHANNELS_PER_CONNECTION) {
                    invalid.accept("more than " + Channels.MAX_CHANNELS_PER_CONNECTION + " channels");
                    break;
                }
                names.add(name);
            }
        }
        return List.copyOf(names);
    }

    /**
     * Copies the headers of a backend's answer that are safe to relay to the client: not hop-by-hop, not named in
     * the answer's {@code Connection} header.
     *
     * @param from the backend's answer
     * @param to the client's response headers
     */
    static void relayHeaders(HttpFields from, HttpFields.Mutable to) {
        Set<String> connectionNamed = connectionTokens(from.getValuesList(HttpHeader.CONNECTION));
        for (HttpField field : from) {
            String name = field.getLowerCaseName();
            if (!NOT_RELAYED.contains(name) && !connectionNamed.contains(name)) {
                to.add(field);
            }
        }
    }
}
