package io.wslb.jetty.internal.admin;

import io.wslb.Backend;
import io.wslb.BackendPool;
import io.wslb.ChannelMessage;
import io.wslb.Channels;
import io.wslb.LiveBackend;
import io.wslb.WebSocketLoadBalancer;
import io.wslb.jetty.Durations;
import io.wslb.spi.LoadBalancerRuntime;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The admin endpoints, free of HTTP plumbing: {@link #route} maps a path to an {@link Endpoint}, {@link #call}
 * runs it against the balancer's pool and returns a {@link Reply} whose body {@link Json} writes. Client errors
 * are {@link Failure}s (with their status) or {@link IllegalArgumentException}s (400).
 *
 * <pre>{@code
 * AdminApi api = new AdminApi(balancer, history, Map.of());
 * AdminApi.Route route = AdminApi.route("/backends/a/weight", "POST"); // WEIGHT of "a"
 * AdminApi.Reply reply = api.call(route, "{\"weight\":3}");        // 200, the backend object
 * }</pre>
 */
public final class AdminApi {

    /** The longest drain window accepted. */
    public static final Duration MAX_WINDOW = Duration.ofHours(24);

    private static final Set<String> ADD_FIELDS = Set.of("id", "uri", "weight", "maxConnections", "backup");

    /** An endpoint of the admin API. */
    public enum Endpoint {
        /** {@code GET /}: the status page, which the HTTP handler serves itself (it is not JSON). */ PAGE,
        /** {@code GET /status}. */ STATUS,
        /** {@code POST /backends}. */ ADD,
        /** {@code GET /backends/{id}}. */ BACKEND,
        /** {@code POST /backends/{id}/weight}. */ WEIGHT,
        /** {@code POST /backends/{id}/drain}. */ DRAIN,
        /** {@code POST /backends/{id}/resume}. */ RESUME,
        /** {@code POST /backends/{id}/remove}. */ REMOVE,
        /** {@code POST /backends/{id}/health}. */ HEALTH,
        /** {@code POST /channels/{name}/messages}: publish to a channel. */ PUBLISH_CHANNEL,
        /** {@code POST /backends/{id}/messages}: publish to a backend's connections. */ PUBLISH_BACKEND,
        /** {@code POST /messages}: publish to every connection. */ PUBLISH_ALL,
        /** {@code GET /channels/{name}}: a channel's subscribers on this instance. */ CHANNEL,
        /** {@code GET /connections/{id}}: a connection's channels. */ CONNECTION,
        /** {@code POST /connections/{id}/channels}: subscribe or unsubscribe a connection. */ SUBSCRIPTIONS;

        /** @return the one HTTP method it answers */
        public String method() {
            return this == PAGE || this == STATUS || this == BACKEND || this == CHANNEL || this == CONNECTION ? "GET" : "POST";
        }
    }

    /**
     * @param endpoint what is asked
     * @param id the backend id in the path, or null
     */
    public record Route(Endpoint endpoint, @Nullable String id) {}

    /**
     * @param status the HTTP status
     * @param body what {@link Json#write} turns into the response body
     * @param location a {@code Location} header value relative to the request URI, or null
     */
    public record Reply(int status, Object body, @Nullable String location, @Nullable String change) {
        Reply(int status, Object body, @Nullable String location) {
            this(status, body, location, null);
        }
    }

    /** A client error with its HTTP status (404, 405 with the {@code Allow} value, 409). */
    public static final class Failure extends RuntimeException {
        /** The HTTP status. */
        public final int status;
        /** The {@code Allow} header value of a 405, else null. */
        public final @Nullable String allow;

        Failure(int status, String message, @Nullable String allow) {
            super(message, null, false, false);
            this.status = status;
            this.allow = allow;
        }
    }

    private final WebSocketLoadBalancer balancer;
    private final BackendPool pool;
    private final HealthHistory history;
    private final Map<String, Supplier<? extends Map<String, ?>>> sections;

    /**
     * @param balancer the balancer to show and steer
     * @param history where the backends' history is read from
     * @param sections further sections of the status, by name, each produced when the status is asked for
     */
    public AdminApi(WebSocketLoadBalancer balancer, HealthHistory history, Map<String, Supplier<? extends Map<String, ?>>> sections) {
        this.balancer = balancer;
        this.pool = balancer.pool();
        this.history = history;
        // Sorted once here: the status lists its sections by name. Map.copyOf rejects null names and suppliers.
        this.sections = Collections.unmodifiableMap(new TreeMap<>(Map.copyOf(sections)));
    }

    /** The names the status itself uses, which a further section may not take. */
    public static final Set<String> STATUS_FIELDS = Set.of("panic", "openConnections", "maxConnections", "pendingHandshakes",
        "backends");

    /**
     * @param path the request path below the mount point, such as {@code /backends/a/drain}
     * @param method the request method
     * @return the route
     * @throws Failure 404 for an unknown path, 405 for a known path and another method
     */
    public static Route route(String path, String method) {
        String[] parts = path.split("/", -1);
        Route route = null;
        if (path.startsWith("/channels/") && path.length() > "/channels/".length()) {
            // A channel name may hold '/': the name is everything between the prefix and an ending /messages.
            String rest = path.substring("/channels/".length());
            route = rest.endsWith("/messages") && rest.length() > "/messages".length()
                ? new Route(Endpoint.PUBLISH_CHANNEL, rest.substring(0, rest.length() - "/messages".length()))
                : new Route(Endpoint.CHANNEL, rest);
        } else if (parts.length >= 3 && parts.length <= 4 && parts[0].isEmpty() && parts[1].equals("connections") && !parts[2].isEmpty()) {
            route = parts.length == 3 ? new Route(Endpoint.CONNECTION, parts[2])
                : parts[3].equals("channels") ? new Route(Endpoint.SUBSCRIPTIONS, parts[2]) : null;
        } else if (parts.length == 2 && parts[0].isEmpty() && parts[1].equals("messages")) {
            route = new Route(Endpoint.PUBLISH_ALL, null);
        } else if (parts.length == 2 && parts[0].isEmpty()) {
            route = parts[1].isEmpty() ? new Route(Endpoint.PAGE, null)
                : parts[1].equals("status") ? new Route(Endpoint.STATUS, null)
                : parts[1].equals("backends") ? new Route(Endpoint.ADD, null) : null;
        } else if (parts.length >= 3 && parts.length <= 4 && parts[0].isEmpty() && parts[1].equals("backends") && !parts[2].isEmpty()) {
            Endpoint endpoint = parts.length == 3 ? Endpoint.BACKEND : switch (parts[3]) {
                case "weight" -> Endpoint.WEIGHT;
                case "drain" -> Endpoint.DRAIN;
                case "resume" -> Endpoint.RESUME;
                case "remove" -> Endpoint.REMOVE;
                case "health" -> Endpoint.HEALTH;
                case "messages" -> Endpoint.PUBLISH_BACKEND;
                default -> null;
            };
            route = endpoint == null ? null : new Route(endpoint, parts[2]);
        }
        if (route == null) {
            throw new Failure(404, "no such endpoint: " + path
                + " (try GET /, GET /status, GET /backends/{id}, POST /backends, POST /backends/{id}/weight|drain|resume|remove|health|messages,"
                + " POST /channels/{name}/messages, GET /channels/{name}, POST /messages, GET /connections/{id},"
                + " POST /connections/{id}/channels)", null);
        }
        if (!route.endpoint().method().equals(method)) {
            throw new Failure(405, method + " is not allowed on " + path + "; use " + route.endpoint().method(),
                route.endpoint().method());
        }
        return route;
    }

    /**
     * @param route a route from {@link #route}
     * @param body the request body, empty when there is none
     * @return the reply
     * @throws Failure for an unknown backend (404) or an id in use (409)
     * @throws IllegalArgumentException for a malformed body or invalid values (400)
     */
    public Reply call(Route route, String body) {
        String id = route.id();
        return switch (route.endpoint()) {
            case PAGE -> throw new IllegalStateException("the status page is HTML, served by the HTTP handler");
            case STATUS -> new Reply(200, status(), null);
            case ADD -> add(FlatJson.parse(body));
            case BACKEND -> new Reply(200, describe(require(id)), null);
            case WEIGHT -> {
                FlatJson json = fields(body, Set.of("weight"));
                if (json.fields().get("weight") == null) {
                    throw new IllegalArgumentException("\"weight\" is required, e.g. {\"weight\":3}");
                }
                LiveBackend live = require(id);
                int before = live.backend().weight();
                Backend reweighted = live.backend().withWeight(json.integer("weight", 0));
                yield new Reply(200, describe(pool.update(reweighted)), null,
                    "backend " + live.id() + ": weight " + before + " -> " + reweighted.weight());
            }
            case DRAIN, REMOVE -> {
                Duration window = window(fields(body, Set.of("window")).string("window"));
                LiveBackend live = require(id);
                boolean found = route.endpoint() == Endpoint.DRAIN ? pool.drain(live.id(), window) : pool.remove(live.id(), window);
                if (!found) {
                    throw unknown(live.id());
                }
                String over = window.isZero() ? "at once" : "over " + window;
                yield new Reply(202, describe(live), null, "backend " + live.id() + ": "
                    + (route.endpoint() == Endpoint.DRAIN ? "draining " + over : "removed, its connections closed " + over));
            }
            case RESUME -> {
                fields(body, Set.of());
                LiveBackend live = require(id);
                pool.resume(live.id());
                yield new Reply(200, describe(live), null, "backend " + live.id() + ": resumed");
            }
            case HEALTH -> {
                FlatJson json = fields(body, Set.of("healthy"));
                if (!(json.fields().get("healthy") instanceof Boolean healthy)) {
                    throw new IllegalArgumentException("\"healthy\" is required and must be true or false, e.g. {\"healthy\":false}");
                }
                LiveBackend live = require(id);
                if (healthy) {
                    pool.markHealthy(live.id());
                } else {
                    pool.markUnhealthy(live.id());
                }
                yield new Reply(200, describe(live), null, "backend " + live.id() + ": marked "
                    + (healthy ? "healthy" : "unhealthy"));
            }
            case PUBLISH_CHANNEL -> {
                String channel = Channels.checkName(requireId(id));
                yield published("channel", channel, balancer.channels().publish(channel, message(body)));
            }
            case PUBLISH_BACKEND -> {
                LiveBackend live = require(id);
                yield published("backend", live.id(), balancer.channels().publishToBackend(live.id(), message(body)));
            }
            case PUBLISH_ALL -> published("all", "", balancer.channels().publishToAll(message(body)));
            case CHANNEL -> {
                String channel = Channels.checkName(requireId(id));
                yield new Reply(200, Map.of("channel", channel, "subscribers", balancer.channels().subscribers(channel)), null);
            }
            case CONNECTION -> connection(requireId(id));
            case SUBSCRIPTIONS -> {
                FlatJson json = fields(body, Set.of("subscribe", "unsubscribe"));
                List<String> subscribe = names(json.string("subscribe"));
                List<String> unsubscribe = names(json.string("unsubscribe"));
                if (subscribe.isEmpty() && unsubscribe.isEmpty()) {
                    throw new IllegalArgumentException("give \"subscribe\" or \"unsubscribe\", channel names separated by commas,"
                        + " e.g. {\"subscribe\":\"room:7,user:42\"}");
                }
                String connection = requireId(id);
                try {
                    if (!subscribe.isEmpty()) {
                        balancer.channels().subscribe(connection, subscribe);
                    }
                    if (!unsubscribe.isEmpty()) {
                        balancer.channels().unsubscribe(connection, unsubscribe);
                    }
                } catch (NoSuchElementException e) {
                    throw new Failure(404, String.valueOf(e.getMessage()), null);
                }
                if (!LoadBalancerRuntime.of(balancer).channels().holds(connection)) {
                    // Another instance's connection: the change went to it through the transport.
                    yield new Reply(202, Map.of("connection", connection, "forwarded", true), null);
                }
                yield connection(connection);
            }
        };
    }

    private static String requireId(@Nullable String id) {
        if (id == null) {
            throw new IllegalStateException("the route carries its name");
        }
        return id;
    }

    private Reply connection(String id) {
        try {
            List<String> channels = new ArrayList<>(balancer.channels().channelsOf(id));
            Collections.sort(channels);
            return new Reply(200, Map.of("connection", id, "channels", channels), null);
        } catch (NoSuchElementException e) {
            throw new Failure(404, String.valueOf(e.getMessage()), null);
        }
    }

    /** @return the channel names of a comma-separated list, each checked; empty for null */
    private static List<String> names(@Nullable String list) {
        if (list == null) {
            return List.of();
        }
        List<String> names = new ArrayList<>();
        for (String part : list.split(",", -1)) {
            String name = part.trim();
            if (!name.isEmpty()) {
                names.add(Channels.checkName(name));
            }
        }
        return names;
    }

    /** @return the message of a publish body: exactly one of {@code text} or {@code binary} (base64) */
    private static ChannelMessage message(String body) {
        FlatJson json = fields(body, Set.of("text", "binary"));
        String text = json.string("text");
        String binary = json.string("binary");
        if ((text == null) == (binary == null)) {
            throw new IllegalArgumentException("give exactly one of \"text\" (a string) or \"binary\" (base64),"
                + " e.g. {\"text\":\"hello room 7\"}");
        }
        if (text != null) {
            return ChannelMessage.text(text);
        }
        try {
            return ChannelMessage.binary(Base64.getDecoder().decode(binary));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("\"binary\" is not valid base64: " + e.getMessage(), e);
        }
    }

    private static Reply published(String target, String name, int localConnections) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("target", target);
        if (!name.isEmpty()) {
            out.put("name", name);
        }
        out.put("localConnections", localConnections);
        return new Reply(202, out, null);
    }

    private static FlatJson fields(String body, Set<String> allowed) {
        FlatJson json = FlatJson.parse(body);
        json.allowOnly(allowed);
        return json;
    }

    private Reply add(FlatJson json) {
        json.allowOnly(ADD_FIELDS);
        String uriText = json.string("uri");
        if (uriText == null) {
            throw new IllegalArgumentException("\"uri\" is required, e.g. {\"uri\":\"ws://10.0.0.1:3000/ws\"}");
        }
        URI uri;
        try {
            uri = new URI(uriText);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("\"uri\" is not a valid URI: " + e.getMessage(), e);
        }
        String id = json.string("id");
        if (id == null && (uri.getHost() == null || uri.getHost().isEmpty())) {
            throw new IllegalArgumentException("\"uri\" must be an absolute ws:// or wss:// URI with a host, got " + uriText);
        }
        Backend base = id == null ? Backend.of(uri) : Backend.of(id, uri);
        Backend backend = new Backend(base.id(), base.uri(), json.integer("weight", 1), Map.of(),
            json.integer("maxConnections", 0), json.bool("backup", false));
        if (pool.get(backend.id()) != null) {
            throw new Failure(409, "backend id '" + backend.id() + "' is already in the pool", null);
        }
        LiveBackend live;
        try {
            live = pool.add(backend);
        } catch (IllegalArgumentException e) { // added by someone else since the check above
            throw new Failure(409, String.valueOf(e.getMessage()), null);
        }
        return new Reply(201, describe(live), "backends/" + live.id(), "added backend " + live.id() + " " + backend.uri()
            + " (weight " + backend.weight() + ", maxConnections " + backend.maxConnections() + ", backup "
            + backend.backup() + ")");
    }

    private LiveBackend require(@Nullable String id) {
        LiveBackend live = id == null ? null : pool.get(id);
        if (live == null) {
            throw unknown(String.valueOf(id));
        }
        return live;
    }

    private static Failure unknown(String id) {
        return new Failure(404, "no backend with id '" + id + "' in the pool", null);
    }

    private Map<String, Object> status() {
        List<Object> backends = new ArrayList<>();
        for (LiveBackend live : pool.backends()) {
            backends.add(describe(live));
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("panic", pool.panic());
        out.put("openConnections", LoadBalancerRuntime.of(balancer).router().openConnections());
        out.put("maxConnections", balancer.admissionLimits().maxConnections().orElse(0)); // 0: no cap, as before
        out.put("pendingHandshakes", LoadBalancerRuntime.of(balancer).router().pendingHandshakes());
        out.put("backends", backends);
        for (Map.Entry<String, Supplier<? extends Map<String, ?>>> section : sections.entrySet()) {
            Object value;
            try {
                value = section.getValue().get();
            } catch (RuntimeException e) { // a section's bug must not take the whole status down with it
                value = Map.of("error", String.valueOf(e));
            }
            out.put(section.getKey(), value);
        }
        return out;
    }

    private Map<String, Object> describe(LiveBackend live) {
        Backend b = live.backend();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("id", live.id());
        out.put("state", state(live));
        out.put("uri", b.uri().toString());
        out.put("weight", b.weight());
        out.put("effectiveWeight", number(LoadBalancerRuntime.of(balancer).router().effectiveWeight(live)));
        out.put("maxConnections", b.maxConnections());
        out.put("backup", b.backup());
        out.put("metadata", b.metadata());
        out.put("health", live.health());
        out.put("draining", live.draining());
        out.put("full", live.full());
        out.put("activeConnections", live.activeConnections());
        out.put("peerConnections", live.peerConnections());
        out.put("totalConnections", live.totalConnections());
        out.put("failedAttempts", live.failedAttempts());
        out.put("history", history.of(live.id()));
        return out;
    }

    /**
     * One word for what an operator needs to know first, the worst condition winning: {@code removed} (left the
     * pool), {@code ejected} and {@code unhealthy} (its health), {@code draining}, {@code full} (at its connection
     * cap), {@code standby} (a healthy backup held back while primaries serve), else {@code healthy}.
     */
    private String state(LiveBackend live) {
        if (!live.inPool()) {
            return "removed";
        }
        return switch (live.health()) {
            case EJECTED -> "ejected";
            case UNHEALTHY -> "unhealthy";
            case HEALTHY -> live.draining() ? "draining"
                : live.full() ? "full"
                : pool.standby().contains(live) ? "standby"
                : "healthy";
        };
    }

    /** A whole number as such, else rounded to two decimals: a slow-start weight of 0.30000000000000004 reads 0.3. */
    private static Number number(double value) {
        if (value == Math.rint(value) && Math.abs(value) < Long.MAX_VALUE) {
            return (long) value;
        }
        return Math.round(value * 100) / 100.0;
    }

    /**
     * @param text a window such as {@code 500ms}, {@code 30s}, {@code 5m}, {@code 2h} or ISO-8601 {@code PT30S};
     *     null for none
     * @return the window, {@link Duration#ZERO} for null
     * @throws IllegalArgumentException when malformed, negative or above {@link #MAX_WINDOW}
     */
    public static Duration window(@Nullable String text) {
        if (text == null) {
            return Duration.ZERO;
        }
        Duration window;
        try {
            window = Durations.parse(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("\"window\": " + e.getMessage(), e);
        }
        if (window.compareTo(MAX_WINDOW) > 0) {
            throw new IllegalArgumentException("\"window\" must be from 0s to " + MAX_WINDOW.toHours() + "h, got \"" + text + "\"");
        }
        return window;
    }
}
