package io.wslb.jetty;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

import io.wslb.WebSocketLoadBalancer;
import io.wslb.jetty.internal.admin.AdminApi;
import io.wslb.jetty.internal.admin.BodyReader;
import io.wslb.jetty.internal.admin.HealthHistory;
import io.wslb.jetty.internal.admin.Json;
import io.wslb.jetty.internal.admin.StatusPage;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Supplier;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An opt-in JSON admin API for a {@link WebSocketLoadBalancer}, as a non-blocking Jetty core {@link Handler}: it
 * shows the pool (health, drain state, connection counts and each backend's recent health history) and lets an
 * operator add, reweight, drain, resume, remove and mark backends healthy or unhealthy. Paths are relative to
 * where the handler is mounted:
 *
 * <ul>
 *   <li>{@code GET /} – a live status page for a browser (HTML, served without the token; it asks for the token
 *       and sends it with every request it makes to the endpoints below)</li>
 *   <li>{@code GET /status} – the balancer and every backend: {@code panic}, {@code openConnections},
 *       {@code maxConnections} (0: no cap), {@code pendingHandshakes}, {@code backends}, then any
 *       {@link Builder#statusSection section}; each backend has its configuration, a one-word {@code state}
 *       ({@code healthy}, {@code standby}, {@code full}, {@code draining}, {@code unhealthy}, {@code ejected} or
 *       {@code removed}; the worst wins), its {@code effectiveWeight} (its weight under slow start, 0 while it takes
 *       no new connection), its counts ({@code activeConnections}, {@code peerConnections},
 *       {@code totalConnections} attempts and {@code failedAttempts} before the client's 101) and its
 *       {@code history}</li>
 *   <li>{@code GET /backends/{id}} – one backend</li>
 *   <li>{@code POST /backends} {@code {"uri":"ws://10.0.0.3:3000/ws","id":"c","weight":2,"maxConnections":100,"backup":false}}
 *       – adds a backend (only {@code uri} required; 201, 409 if the id is taken)</li>
 *   <li>{@code POST /backends/{id}/weight} {@code {"weight":3}} – reweights it (open connections stay)</li>
 *   <li>{@code POST /backends/{id}/drain} {@code {"window":"30s"}} – drains it (202; window optional, default 0s;
 *       {@code 500ms}, {@code 30s}, {@code 5m}, {@code 2h} or ISO-8601 {@code PT30S})</li>
 *   <li>{@code POST /backends/{id}/resume} – ends a drain</li>
 *   <li>{@code POST /backends/{id}/remove} {@code {"window":"30s"}} – drains it, then forgets it (202)</li>
 *   <li>{@code POST /backends/{id}/health} {@code {"healthy":false}} – an operator's health override</li>
 *   <li>{@code POST /channels/{name}/messages} {@code {"text":"hi"}} or {@code {"binary":"AQID"}} (base64) – publishes to
 *       a channel's connections (202); {@code POST /backends/{id}/messages} to a backend's, {@code POST /messages} to
 *       all; with a transport between instances, to every instance's</li>
 *   <li>{@code GET /channels/{name}} – its subscribers here; {@code GET /connections/{id}} – a connection's channels;
 *       {@code POST /connections/{id}/channels} {@code {"subscribe":"room:7,user:42","unsubscribe":"lobby"}}</li>
 * </ul>
 *
 * <p>Errors are {@code {"error":"..."}} with 400 (malformed JSON, wrong types, invalid values), 401 (bearer token
 * missing or wrong, when one is configured), 404 (unknown path or backend), 405 (with {@code Allow}), 409 and 413
 * (a body over {@value #MAX_BODY_BYTES} bytes); the body of a refused request is read (up to that size) before the
 * answer, so that a client still sending it reads the answer instead of a reset. The API can change the pool, so
 * serve it on its own connector or server bound to a private interface, set a token, and bound the time a client
 * may take to send its request head ({@link ProxyServerConnector#setHandshakeTimeout}; Jetty's idle timeout
 * restarts with every byte, so it does not stop a client that sends one every few seconds):
 *
 * <pre>{@code
 * Server admin = new Server();
 * ProxyServerConnector local = new ProxyServerConnector(admin, 1);
 * local.setHandshakeTimeout(Duration.ofSeconds(10));
 * local.setHost("127.0.0.1");
 * local.setPort(9090);
 * admin.addConnector(local);
 * admin.setHandler(AdminHandler.builder(lb).bearerToken(System.getenv("WSLB_ADMIN_TOKEN")).build());
 * admin.start();
 * // curl -H "Authorization: Bearer $WSLB_ADMIN_TOKEN" -d '{"window":"30s"}' http://127.0.0.1:9090/backends/a/drain
 * }</pre>
 *
 * <p>The history is recorded while the handler is started, by a listener on the balancer's pool.
 */
public final class AdminHandler extends Handler.Abstract.NonBlocking {

    /**
     * Past {@link #MAX_BODY_BYTES}, how much of a body is still read (and dropped) before the 413, so that the
     * answer reaches the client instead of being lost to the reset that closing on unread bytes causes.
     */
    private static final long DISCARD_LIMIT = 1024 * 1024;

    /** The largest request body accepted, in bytes (64 KiB); a larger one gets 413. */
    public static final int MAX_BODY_BYTES = 64 * 1024;
    /** Default {@link Builder#historySize}: 20 entries per backend. */
    public static final int DEFAULT_HISTORY_SIZE = 20;

    private static final Logger LOG = LoggerFactory.getLogger(AdminHandler.class);
    private static final String JSON = "application/json; charset=utf-8";

    private final WebSocketLoadBalancer balancer;
    private final byte @Nullable [] tokenHash;
    private final HealthHistory history;
    private final AdminApi api;
    /** Read-only text endpoints added by modules beside the balancer (the Prometheus scrape), by path. */
    private final Map<String, TextEndpoint> texts;

    /** A {@code GET} endpoint whose body a supplier produces, such as a metrics scrape. */
    private record TextEndpoint(String contentType, Supplier<String> body) {}

    private AdminHandler(Builder b) {
        this.texts = Map.copyOf(b.texts);
        this.balancer = b.balancer;
        this.tokenHash = b.token == null ? null : sha256(b.token);
        this.history = new HealthHistory(b.historySize, b.clock);
        this.api = new AdminApi(balancer, history, b.sections);
    }

    /**
     * @param balancer the balancer to administer
     * @return a builder; {@code AdminHandler.builder(lb).build()} is an API without a token
     */
    public static Builder builder(WebSocketLoadBalancer balancer) {
        return new Builder(requireNonNull(balancer, "balancer"));
    }

    /** @return the balancer this handler administers */
    public WebSocketLoadBalancer balancer() {
        return balancer;
    }

    @Override
    protected void doStart() throws Exception {
        balancer.pool().addListener(history);
        super.doStart();
    }

    @Override
    protected void doStop() throws Exception {
        super.doStop();
        balancer.pool().removeListener(history);
        history.clear();
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        AdminApi.Route route = null;
        AdminApi.Failure failure = null;
        String path = Request.getPathInContext(request);
        TextEndpoint text = texts.get(path);
        if (text == null) {
            try {
                route = AdminApi.route(path, request.getMethod());
            } catch (AdminApi.Failure f) {
                failure = f;
            }
        }
        if (route != null && route.endpoint() == AdminApi.Endpoint.PAGE) {
            // The page holds no data and changes nothing: it is served without the token, which it then sends with
            // each of its requests to the JSON API.
            afterBody(request, response, callback, () -> page(response, callback));
            return true;
        }
        if (!authorized(request)) {
            response.getHeaders().put(HttpHeader.WWW_AUTHENTICATE, "Bearer realm=\"wslb\"");
            afterBody(request, response, callback, () -> error(response, callback, 401,
                "missing or wrong bearer token: send the header 'Authorization: Bearer <token>'"));
            return true;
        }
        if (text != null) {
            if (!request.getMethod().equals("GET")) {
                response.getHeaders().put(HttpHeader.ALLOW, "GET");
                afterBody(request, response, callback, () -> error(response, callback, 405,
                    request.getMethod() + " is not allowed on " + path + "; use GET"));
            } else {
                afterBody(request, response, callback, () -> text(response, callback, text));
            }
            return true;
        }
        if (route == null) {
            AdminApi.Failure refused = requireNonNull(failure, "a path without a route has its failure");
            afterBody(request, response, callback, () -> fail(response, callback, refused));
            return true;
        }
        AdminApi.Route found = route;
        if (!found.endpoint().method().equals("POST")) {
            afterBody(request, response, callback, () -> answer(request, response, callback, () -> api.call(found, "")));
            return true;
        }
        if (request.getLength() > DISCARD_LIMIT) {
            tooLarge(response, callback, false);
            return true;
        }
        BodyReader.read(request, MAX_BODY_BYTES, DISCARD_LIMIT, new BodyReader.Done() {
            @Override
            public void body(byte[] bytes) {
                answer(request, response, callback, () -> api.call(found, utf8(bytes)));
            }

            @Override
            public void tooLarge(boolean drained) {
                AdminHandler.tooLarge(response, callback, drained);
            }

            @Override
            public void failed(Throwable failure) {
                callback.failed(failure);
            }
        });
        return true;
    }

    /**
     * Reads and drops the body of a request that is answered without it (refused, or a method without a body),
     * then answers: an answer sent while body bytes are still on their way is lost to the reset that those bytes
     * cause when they reach the closed connection. A body over {@value #MAX_BODY_BYTES} bytes is not waited for:
     * the answer says {@code Connection: close} at once.
     */
    private static void afterBody(Request request, Response response, Callback callback, Runnable answer) {
        if (request.getLength() == 0) {
            answer.run();
            return;
        }
        if (request.getLength() > MAX_BODY_BYTES) {
            response.getHeaders().put(HttpHeader.CONNECTION, "close");
            answer.run();
            return;
        }
        BodyReader.read(request, 0, MAX_BODY_BYTES, new BodyReader.Done() {
            @Override
            public void body(byte[] bytes) {
                answer.run();
            }

            @Override
            public void tooLarge(boolean drained) {
                if (!drained) {
                    response.getHeaders().put(HttpHeader.CONNECTION, "close");
                }
                answer.run();
            }

            @Override
            public void failed(Throwable failure) {
                callback.failed(failure);
            }
        });
    }

    private boolean authorized(Request request) {
        byte[] expected = tokenHash;
        if (expected == null) {
            return true;
        }
        String header = request.getHeaders().get(HttpHeader.AUTHORIZATION);
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return false;
        }
        // Digests have one length whatever the token, so the comparison takes the same time for every wrong one.
        return MessageDigest.isEqual(expected, sha256(header.substring(7).trim()));
    }

    private void answer(Request request, Response response, Callback callback, Supplier<AdminApi.Reply> call) {
        AdminApi.Reply reply;
        try {
            reply = call.get();
        } catch (AdminApi.Failure failure) {
            fail(response, callback, failure);
            return;
        } catch (IllegalArgumentException e) {
            error(response, callback, 400, String.valueOf(e.getMessage()));
            return;
        } catch (RuntimeException e) {
            LOG.warn("admin request failed", e);
            error(response, callback, 500, "internal error: " + e);
            return;
        }
        if (reply.change() != null) {
            LOG.info("admin API, {}: {}", Request.getRemoteAddr(request), reply.change());
        }
        if (reply.location() != null) {
            response.getHeaders().put(HttpHeader.LOCATION, reply.location());
        }
        send(response, callback, reply.status(), reply.body());
    }

    private static void fail(Response response, Callback callback, AdminApi.Failure failure) {
        if (failure.allow != null) {
            response.getHeaders().put(HttpHeader.ALLOW, failure.allow);
        }
        error(response, callback, failure.status, String.valueOf(failure.getMessage()));
    }

    private static void tooLarge(Response response, Callback callback, boolean drained) {
        if (!drained) {
            response.getHeaders().put(HttpHeader.CONNECTION, "close");
        }
        error(response, callback, 413, "request body over " + MAX_BODY_BYTES + " bytes");
    }

    private static void error(Response response, Callback callback, int status, String message) {
        send(response, callback, status, Map.of("error", message));
    }

    private static void text(Response response, Callback callback, TextEndpoint endpoint) {
        byte[] body;
        try {
            body = endpoint.body().get().getBytes(UTF_8);
        } catch (RuntimeException e) {
            LOG.warn("admin text endpoint failed", e);
            error(response, callback, 500, "internal error: " + e);
            return;
        }
        response.setStatus(200);
        HttpFields.Mutable headers = response.getHeaders();
        headers.put(HttpHeader.CONTENT_TYPE, endpoint.contentType());
        headers.put(HttpHeader.CACHE_CONTROL, "no-store");
        headers.put(HttpHeader.CONTENT_LENGTH, body.length);
        response.write(true, ByteBuffer.wrap(body), callback);
    }

    /** The status page, with headers that keep it from being cached, sniffed, framed or made to load anything else. */
    private static void page(Response response, Callback callback) {
        byte[] html = StatusPage.html();
        response.setStatus(200);
        HttpFields.Mutable headers = response.getHeaders();
        headers.put(HttpHeader.CONTENT_TYPE, "text/html; charset=utf-8");
        headers.put(HttpHeader.CACHE_CONTROL, "no-store");
        headers.put("Content-Security-Policy", StatusPage.contentSecurityPolicy());
        headers.put("X-Content-Type-Options", "nosniff");
        headers.put("X-Frame-Options", "DENY");
        headers.put("Referrer-Policy", "no-referrer");
        headers.put(HttpHeader.CONTENT_LENGTH, html.length);
        response.write(true, ByteBuffer.wrap(html), callback);
    }

    private static void send(Response response, Callback callback, int status, Object body) {
        byte[] bytes = Json.write(body).getBytes(UTF_8);
        response.setStatus(status);
        HttpFields.Mutable headers = response.getHeaders();
        headers.put(HttpHeader.CONTENT_TYPE, JSON);
        headers.put(HttpHeader.CACHE_CONTROL, "no-store");
        headers.put("X-Content-Type-Options", "nosniff");
        headers.put(HttpHeader.CONTENT_LENGTH, bytes.length);
        response.write(true, ByteBuffer.wrap(bytes), callback);
    }

    private static String utf8(byte[] bytes) {
        try {
            return UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("request body is not valid UTF-8", e);
        }
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    @Override
    public String toString() {
        return "AdminHandler{" + balancer + (tokenHash == null ? ", no token" : ", bearer token") + "}";
    }

    /**
     * Builds an {@link AdminHandler}; every setting is optional and checked when set.
     *
     * <pre>{@code
     * AdminHandler admin = AdminHandler.builder(lb)
     *     .bearerToken("s3cret-t0ken")
     *     .historySize(50)
     *     .build();
     * }</pre>
     */
    public static final class Builder {
        private final WebSocketLoadBalancer balancer;
        private @Nullable String token;
        private int historySize = DEFAULT_HISTORY_SIZE;
        private Clock clock = Clock.systemUTC();
        private final Map<String, Supplier<? extends Map<String, ?>>> sections = new LinkedHashMap<>();
        private final Map<String, TextEndpoint> texts = new LinkedHashMap<>();

        private Builder(WebSocketLoadBalancer balancer) {
            this.balancer = balancer;
        }

        /**
         * @param token the secret every request must carry as {@code Authorization: Bearer <token>}; printable
         *     ASCII without spaces; without one (the default) the API is open to whoever reaches it
         * @return this
         */
        public Builder bearerToken(String token) {
            requireNonNull(token, "token");
            if (token.isBlank()) {
                throw new IllegalArgumentException("bearer token must not be blank");
            }
            if (!token.chars().allMatch(c -> c > 0x20 && c < 0x7F)) {
                throw new IllegalArgumentException("bearer token must be printable ASCII without spaces");
            }
            this.token = token;
            return this;
        }

        /**
         * @param size how many health changes and drain starts to keep per backend; 1 or more; default
         *     {@value AdminHandler#DEFAULT_HISTORY_SIZE}
         * @return this
         */
        public Builder historySize(int size) {
            if (size < 1) {
                throw new IllegalArgumentException("historySize must be at least 1, got " + size);
            }
            this.historySize = size;
            return this;
        }

        /**
         * @param clock where the history's timestamps come from; default {@link Clock#systemUTC()} (tests pass a
         *     fixed one)
         * @return this
         */
        public Builder clock(Clock clock) {
            this.clock = requireNonNull(clock, "clock");
            return this;
        }

        /**
         * Adds a section to {@code GET /status}, produced each time the status is asked for: what a module beside
         * the balancer reports (for example the state of a Redis link). The section is a map of JSON values (strings,
         * numbers, booleans, null, lists and maps of them). The status page shows a section named {@code redis} in
         * its summary: its {@code state} ({@code UP} in green, anything else in red) and {@code lastError}.
         *
         * @param name the section's field in the status; not one the status uses itself ({@code panic},
         *     {@code openConnections}, {@code maxConnections}, {@code pendingHandshakes}, {@code backends}) nor one
         *     added already
         * @param section produces the section; it must not block
         * @return this
         */
        public Builder statusSection(String name, Supplier<? extends Map<String, ?>> section) {
            requireNonNull(name, "name");
            requireNonNull(section, "section");
            if (name.isBlank() || AdminApi.STATUS_FIELDS.contains(name) || sections.containsKey(name)) {
                throw new IllegalArgumentException("statusSection name '" + name + "' is blank or taken (taken: "
                    + new TreeSet<>(AdminApi.STATUS_FIELDS) + " and " + sections.keySet() + ")");
            }
            sections.put(name, section);
            return this;
        }

        /**
         * Adds a read-only {@code GET /{name}} endpoint whose body {@code body} produces at each request, under the same
         * bearer token as the rest of the API: what a module beside the balancer serves, such as a Prometheus scrape.
         *
         * <pre>{@code
         * Supplier<String> scrape = () -> "up 1\n"; // in practice a registry's scrape, such as Prometheus's
         * AdminHandler.builder(lb).textEndpoint("metrics", "text/plain; version=0.0.4; charset=utf-8", scrape);
         * }</pre>
         *
         * @param name the path segment: lowercase letters, digits and dashes; not one the API uses ({@code status},
         *     {@code backends}) nor one added already
         * @param contentType the {@code Content-Type} of the answer
         * @param body produces the body; it must not block for long (it runs on the admin server's thread)
         * @return this
         */
        public Builder textEndpoint(String name, String contentType, Supplier<String> body) {
            requireNonNull(name, "name");
            requireNonNull(contentType, "contentType");
            requireNonNull(body, "body");
            if (!name.matches("[a-z0-9-]+") || name.equals("status") || name.equals("backends")
                || texts.containsKey("/" + name)) {
                throw new IllegalArgumentException("textEndpoint name '" + name + "' must be lowercase letters, digits and"
                    + " dashes, and not status, backends or one added already (added: " + texts.keySet() + ")");
            }
            if (contentType.isBlank()) {
                throw new IllegalArgumentException("textEndpoint contentType must not be blank");
            }
            texts.put("/" + name, new TextEndpoint(contentType, body));
            return this;
        }

        /** @return the handler, to set on a server (or add to a handler tree) */
        public AdminHandler build() {
            return new AdminHandler(this);
        }
    }
}
