package io.wslb.jetty.testing;

import io.wslb.Backend;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.ssl.SslHandshakeListener;
import org.eclipse.jetty.server.ConnectionFactory;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.websocket.server.ServerUpgradeRequest;
import org.eclipse.jetty.websocket.server.ServerUpgradeResponse;
import org.eclipse.jetty.websocket.server.WebSocketUpgradeHandler;
import org.jspecify.annotations.Nullable;

/**
 * A real Jetty WebSocket server on 127.0.0.1 and an ephemeral port that echoes text and binary messages (up to
 * 4 MiB), answers pings (Jetty does), and records every TCP connection, every upgrade request and every
 * WebSocket connection it accepted. It can be told to refuse upgrades, to pick a subprotocol, and it can be
 * {@linkplain #kill() killed} abruptly.
 */
@SuppressWarnings("try") // close() may throw InterruptedException, as Jetty's stop() does
public final class EchoBackend implements AutoCloseable {

    /** Largest message the backend accepts (and so echoes). */
    public static final long MAX_MESSAGE = 4L << 20;

    private record Refusal(int status, String body) {}

    private final String name;
    private final Server server;
    private final ServerConnector connector;
    private final AtomicInteger tcpConnections = new AtomicInteger();
    private final List<BackendConnection.Upgrade> upgrades = new CopyOnWriteArrayList<>();
    private final List<BackendConnection> connections = new CopyOnWriteArrayList<>();
    private volatile Refusal refusal;
    private volatile String setCookie;
    /** Headers every 101 carries from now on (such as Wslb-Channels). */
    private final Map<String, String> headersOn101 = new ConcurrentHashMap<>();
    private volatile Function<List<String>, String> subprotocolChooser = offered -> null;

    private final SslContextFactory.@Nullable Server tls;
    private final List<String> serverNamesSeen = new CopyOnWriteArrayList<>();

    private EchoBackend(String name, SslContextFactory.@Nullable Server tls) {
        this.name = name;
        this.tls = tls;
        QueuedThreadPool threads = new QueuedThreadPool(32, 4);
        threads.setName("backend-" + name);
        this.server = new Server(threads);
        ConnectionFactory[] factories = tls == null
            ? new ConnectionFactory[] {new HttpConnectionFactory()}
            : new ConnectionFactory[] {new SslConnectionFactory(tls, "http/1.1"), new HttpConnectionFactory()};
        this.connector = new ServerConnector(server, 1, 1, factories) {
            @Override
            protected void onEndPointOpened(EndPoint endpoint) {
                tcpConnections.incrementAndGet();
                super.onEndPointOpened(endpoint);
            }
        };
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        connector.addBean(new SslHandshakeListener() {
            @Override
            public void handshakeSucceeded(Event event) {
                List<SNIServerName> names = event.getSSLEngine().getSession() instanceof ExtendedSSLSession session
                    ? session.getRequestedServerNames() : List.of();
                serverNamesSeen.add(names.isEmpty() ? "" : ((SNIHostName) names.get(0)).getAsciiName());
            }
        });
        server.addConnector(connector);
        server.setHandler(WebSocketUpgradeHandler.from(server, container -> {
            container.setMaxTextMessageSize(MAX_MESSAGE);
            container.setMaxBinaryMessageSize(MAX_MESSAGE);
            container.setIdleTimeout(Duration.ofSeconds(30));
            container.addMapping("/*", this::create);
        }));
    }

    /**
     * @param name the backend's name, also its {@link Backend} id
     * @return a started backend
     * @throws Exception if it cannot start
     */
    public static EchoBackend start(String name) throws Exception {
        EchoBackend backend = new EchoBackend(name, null);
        backend.server.start();
        return backend;
    }

    /**
     * @param name the backend's name, also its {@link Backend} id
     * @param tls its TLS settings: it serves {@code wss://} only
     * @return a started backend whose {@link #uri()} is {@code wss://127.0.0.1:port}
     * @throws Exception if it cannot start
     */
    public static EchoBackend startTls(String name, SslContextFactory.Server tls) throws Exception {
        EchoBackend backend = new EchoBackend(name, tls);
        backend.server.start();
        return backend;
    }

    /** @return the SNI host names of the TLS handshakes so far ("" for a handshake without SNI) */
    public List<String> serverNamesSeen() {
        return List.copyOf(serverNamesSeen);
    }

    private Object create(ServerUpgradeRequest request, ServerUpgradeResponse response, org.eclipse.jetty.util.Callback callback) {
        Map<String, List<String>> headers = new LinkedHashMap<>();
        for (HttpField field : request.getHeaders()) {
            headers.computeIfAbsent(field.getLowerCaseName(), k -> new ArrayList<>()).add(field.getValue());
        }
        List<String> offered = List.copyOf(request.getSubProtocols());
        Refusal refused = refusal;
        String chosen = refused == null ? subprotocolChooser.apply(offered) : null;
        BackendConnection.Upgrade upgrade = new BackendConnection.Upgrade(request.getHttpURI().getPath(),
            request.getHttpURI().getQuery(), Map.copyOf(headers), offered, chosen);
        upgrades.add(upgrade);
        if (refused != null) {
            response.setStatus(refused.status());
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain;charset=utf-8");
            response.getHeaders().put("X-Refused-By", name);
            response.write(true, ByteBuffer.wrap(refused.body().getBytes(StandardCharsets.UTF_8)), callback);
            return null;
        }
        if (chosen != null) {
            response.setAcceptedSubProtocol(chosen);
        }
        headersOn101.forEach((name, value) -> response.getHeaders().add(name, value));
        String cookie = setCookie;
        if (cookie != null) {
            response.getHeaders().add(HttpHeader.SET_COOKIE, cookie);
        }
        BackendConnection connection = new BackendConnection(this, upgrade);
        // Recorded before the 101 goes out, so a client that has its 101 always finds its connection here.
        connections.add(connection);
        return connection;
    }

    /** @return the name, also the {@link Backend} id */
    public String name() {
        return name;
    }

    /** @return the port it listens on */
    public int port() {
        return connector.getLocalPort();
    }

    /** @return {@code ws://127.0.0.1:port}, or {@code wss://} for a TLS backend */
    public URI uri() {
        return URI.create((tls == null ? "ws" : "wss") + "://127.0.0.1:" + port());
    }

    /** @return a pool member for this backend with {@link #name()} as id and {@link #uri()} */
    public Backend backend() {
        return Backend.of(name, uri());
    }

    /**
     * @param path a path prefix such as {@code /base}
     * @return a pool member for this backend whose URI carries that path
     */
    public Backend backend(String path) {
        return Backend.of(name, URI.create(uri() + path));
    }

    /** @return TCP connections accepted so far (whatever was sent on them) */
    public int tcpConnections() {
        return tcpConnections.get();
    }

    /** @return upgrade requests received so far, refused ones included */
    public List<BackendConnection.Upgrade> upgrades() {
        return List.copyOf(upgrades);
    }

    /** @return WebSocket upgrades accepted so far (recorded before the 101 is sent), closed ones included */
    public List<BackendConnection> connections() {
        return List.copyOf(connections);
    }

    /** @return WebSocket connections open now */
    public List<BackendConnection> openConnections() {
        return connections.stream().filter(BackendConnection::isOpen).toList();
    }

    /**
     * @param header a request header name
     * @param value its value
     * @return the connections whose upgrade request carried that header value
     */
    public List<BackendConnection> connectionsWith(String header, String value) {
        return connections.stream().filter(c -> value.equals(c.upgrade().header(header))).toList();
    }

    /**
     * From now on refuse every upgrade with this status and plain-text body.
     *
     * @param status an HTTP status such as 403
     * @param body the body
     */
    public void refuseUpgrades(int status, String body) {
        this.refusal = new Refusal(status, body);
    }

    /**
     * From now on add this {@code Set-Cookie} value to every 101 answer.
     *
     * @param value the header value, such as {@code backend=b1; Path=/}
     */
    public void setCookieOn101(String value) {
        this.setCookie = value;
    }

    /**
     * From now on every 101 carries this header.
     *
     * @param name the header's name
     * @param value its value
     */
    public void headerOn101(String name, String value) {
        headersOn101.put(name, value);
    }

    /**
     * From now on accept the first of the client's offered subprotocols that is in {@code preferred}.
     *
     * @param preferred acceptable subprotocols
     */
    public void acceptSubprotocols(String... preferred) {
        List<String> ok = List.of(preferred);
        this.subprotocolChooser = offered -> offered.stream().filter(ok::contains).findFirst().orElse(null);
    }

    /**
     * Dies abruptly: stops accepting, closes every TCP connection without a close frame, and stops.
     *
     * @throws Exception if stopping fails
     */
    public void kill() throws Exception {
        connector.close();
        for (EndPoint endPoint : List.copyOf(connector.getConnectedEndPoints())) {
            endPoint.close();
        }
        server.stop();
    }

    @Override
    public void close() throws Exception {
        server.stop();
    }

    @Override
    public String toString() {
        return "EchoBackend[" + name + " " + uri() + ", tcp=" + tcpConnections + ", ws=" + connections.size() + "]";
    }
}
