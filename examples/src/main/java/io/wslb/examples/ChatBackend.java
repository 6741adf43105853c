package io.wslb.examples;

import io.wslb.Channels;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.server.WebSocketUpgradeHandler;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A chat backend that keeps no state about its clients: it tags each connection with its room in its 101
 * ({@code Wslb-Channels: room:NAME}) and publishes each message a user sends to that room through the balancer's
 * admin API, which reaches the room's clients on every balancer instance (through Redis when the instances share
 * one). No list of connections, no Redis subscription: the balancer does the fan-out.
 *
 * <pre>{@code java -jar wslb-examples.jar chat-backend --port 9301 --publish-to http://127.0.0.1:9204   # see ChatBackendCommand}</pre>
 *
 * <p>A client connects through the balancer to {@code /chat?room=7&user=ada}; when it sends {@code hi}, every
 * client of room 7 gets {@code {"room":"7","user":"ada","text":"hi"}}.
 */
public final class ChatBackend implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ChatBackend.class);
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1,64}");

    private final Server server;
    private final ServerConnector connector;
    private final String host;
    private final AtomicLong failedPublishes = new AtomicLong();

    private ChatBackend(Server server, ServerConnector connector, String host) {
        this.server = server;
        this.connector = connector;
        this.host = host;
    }

    /**
     * @param host address to bind
     * @param port port, 0 for any free one
     * @param publishTo the admin API of a balancer instance, such as {@code http://127.0.0.1:9204}
     * @param token its bearer token, or null
     * @return the started backend
     * @throws Exception when it cannot start
     */
    static ChatBackend start(String host, int port, URI publishTo, @Nullable String token) throws Exception {
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server, 1, 1);
        connector.setHost(host);
        connector.setPort(port);
        server.addConnector(connector);
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        ChatBackend backend = new ChatBackend(server, connector, host);
        server.setHandler(WebSocketUpgradeHandler.from(server, container -> {
            container.setIdleTimeout(Duration.ofMinutes(10));
            container.addMapping("/*", (request, response, callback) -> {
                String room = parameter(request.getHttpURI().getQuery(), "room", "lobby");
                String user = parameter(request.getHttpURI().getQuery(), "user", "anonymous");
                if (!NAME.matcher(room).matches() || !NAME.matcher(user).matches()) {
                    response.setStatus(400);
                    callback.succeeded();
                    return null;
                }
                // The tag: the balancer subscribes this connection to the room's channel and removes the header.
                response.getHeaders().put(Channels.CHANNELS_HEADER, "room:" + room);
                return new Member(room, user, publishTo, token, http, backend);
            });
        }));
        try {
            server.start();
        } catch (Exception e) {
            server.stop();
            throw e;
        }
        return backend;
    }

    /** @return the backend's URI, to give the balancer as a backend */
    String uri() {
        return "ws://" + host + ":" + connector.getLocalPort() + "/";
    }

    /** @return publishes the admin API refused or did not answer */
    long failedPublishes() {
        return failedPublishes.get();
    }

    @Override
    public void close() throws Exception {
        server.stop();
    }

    private static String parameter(@Nullable String query, String name, String otherwise) {
        if (query == null) {
            return otherwise;
        }
        for (String pair : query.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0 && pair.substring(0, eq).equals(name)) {
                return pair.substring(eq + 1);
            }
        }
        return otherwise;
    }

    /** @return {@code text} as a JSON string literal */
    static String json(String text) {
        StringBuilder out = new StringBuilder("\"");
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }

    /** One user in one room: what they send goes to the room through the balancer (public: Jetty calls it by reflection). */
    public static final class Member implements Session.Listener.AutoDemanding {
        private final String room;
        private final String user;
        private final URI publish;
        private final @Nullable String token;
        private final HttpClient http;
        private final ChatBackend backend;

        Member(String room, String user, URI publishTo, @Nullable String token, HttpClient http, ChatBackend backend) {
            this.room = room;
            this.user = user;
            this.publish = publishTo.resolve("/channels/room:" + room + "/messages");
            this.token = token;
            this.http = http;
            this.backend = backend;
        }

        @Override
        public void onWebSocketText(String message) {
            String line = "{\"room\":" + json(room) + ",\"user\":" + json(user) + ",\"text\":" + json(message) + "}";
            HttpRequest.Builder request = HttpRequest.newBuilder(publish).timeout(Duration.ofSeconds(5))
                .POST(HttpRequest.BodyPublishers.ofString("{\"text\":" + json(line) + "}"));
            if (token != null) {
                request.header("Authorization", "Bearer " + token);
            }
            http.sendAsync(request.build(), HttpResponse.BodyHandlers.discarding()).whenComplete((response, failure) -> {
                if (failure != null || response.statusCode() != 202) {
                    long failed = backend.failedPublishes.incrementAndGet();
                    if (failed == 1 || failed % 100 == 0) { // the first, then one line per hundred: never a flood
                        LOG.warn("publishing to room {} failed ({} failures so far): {}", room, failed,
                            failure != null ? failure.toString() : "status " + response.statusCode());
                    }
                }
            });
        }
    }
}
