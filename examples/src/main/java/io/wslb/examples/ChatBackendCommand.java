package io.wslb.examples;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The {@code chat-backend} command: stateless chat backends ({@link ChatBackend}) that tag each connection with its
 * room and publish what users say through a balancer's admin API.
 *
 * <pre>{@code java -jar wslb-examples.jar chat-backend --port 9301 --port 9302 --publish-to http://127.0.0.1:9204}</pre>
 */
final class ChatBackendCommand {

    private ChatBackendCommand() {}

    static String help() {
        return """
            usage: java -jar wslb-examples.jar chat-backend --publish-to URL [--host HOST] [--port PORT ...]
                                                            [--admin-token-file PATH]

            Starts stateless chat backends and prints one 'chat backend listening on ws://HOST:PORT/' line each.
            A client connects through the balancer to /chat?room=ROOM&user=NAME; the backend tags the connection
            with the channel room:ROOM in its 101, and publishes each text a user sends, as
            {"room":ROOM,"user":NAME,"text":TEXT}, to that channel through the balancer's admin API: every client
            of the room gets it, on every balancer instance that shares the backend's Redis.

              --publish-to URL          a balancer's admin API, e.g. http://127.0.0.1:9204 (required)
              --admin-token-file PATH   the admin API's bearer token, when it has one
              --host HOST               address to bind (default 127.0.0.1)
              --port PORT               a port to listen on; repeat for several backends; 0 picks a free one
                                        (default 9301)
              --help                    this text""";
    }

    static int run(String[] args) throws Exception {
        Options options;
        List<Integer> ports = new ArrayList<>();
        URI publishTo;
        @Nullable String token = null;
        try {
            options = Options.parse(args, Set.of("host", "port", "publish-to", "admin-token-file"), Set.of("help"));
            if (options.has("help")) {
                System.out.println(help());
                return 0;
            }
            for (String raw : options.all("port").isEmpty() ? List.of("9301") : options.all("port")) {
                ports.add(Options.parsePort("--port", raw));
            }
            if (!options.has("publish-to")) {
                throw new Options.UsageException("--publish-to URL is required: the admin API of a balancer, e.g. http://127.0.0.1:9204");
            }
            String raw = options.get("publish-to", "");
            try {
                publishTo = URI.create(raw);
            } catch (IllegalArgumentException e) {
                throw new Options.UsageException("--publish-to " + raw + " is not a URL: " + e.getMessage());
            }
            if (!("http".equals(publishTo.getScheme()) || "https".equals(publishTo.getScheme())) || publishTo.getHost() == null) {
                throw new Options.UsageException("--publish-to needs an http:// or https:// URL with a host, got " + raw);
            }
            if (options.has("admin-token-file")) {
                token = new String(Options.secretFile("--admin-token-file", options.get("admin-token-file", "")), StandardCharsets.UTF_8)
                    .strip();
            }
        } catch (Options.UsageException e) {
            System.err.println(ProxyLauncher.usageError("chat-backend", e));
            return 2;
        }
        URI publish = publishTo;
        String secret = token;
        return BackendServers.serve("chat-backend", options.get("host", "127.0.0.1"), ports,
            (host, port) -> ChatBackend.start(host, port, publish, secret), backend -> "chat backend listening on " + backend.uri());
    }
}
