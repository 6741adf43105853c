package io.wslb.examples;

import io.wslb.Backend;
import io.wslb.BalancingStrategy;
import io.wslb.LiveBackend;
import io.wslb.WebSocketLoadBalancer;
import io.wslb.WebSocketLoadBalancerBuilder;
import io.wslb.jetty.WebSocketLoadBalancerHandler;
import io.wslb.strategies.BalancingStrategies;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.jspecify.annotations.Nullable;

/**
 * The {@code custom-strategy} command: a balancing strategy written in a dozen lines and used from code.
 * Clients that send {@code X-Zone: eu} go to the backends labelled {@code zone=eu}; everyone else is balanced
 * by least connections.
 *
 * <pre>{@code java -jar wslb-examples.jar custom-strategy}</pre>
 */
final class CustomStrategyExample {

    private CustomStrategyExample() {}

    /** The strategy: prefer backends in the client's zone, least connections among the rest. */
    static BalancingStrategy zoneAware() {
        BalancingStrategy fallback = BalancingStrategies.leastConnections();
        return (candidates, context) -> {
            String zone = context.request().header("X-Zone");
            if (zone != null) {
                List<LiveBackend> inZone = new ArrayList<>();
                for (LiveBackend b : candidates) {
                    if (zone.equals(b.backend().metadata().get("zone"))) {
                        inZone.add(b);
                    }
                }
                if (!inZone.isEmpty()) {
                    return fallback.pick(inZone, context);
                }
            }
            return fallback.pick(candidates, context);
        };
    }

    static int run(String[] args) throws Exception {
        if (args.length > 0) {
            System.out.println(args[0].equals("--help")
                ? "usage: java -jar wslb-examples.jar custom-strategy\n\nRuns a balancer with a zone-aware strategy over"
                    + " three echo backends\n(echo-1 in zone eu, echo-2 and echo-3 in zone us), connects six clients"
                    + " and prints\nwhich backend served each; exits when done."
                : "error: custom-strategy takes no options");
            return args[0].equals("--help") ? 0 : 2;
        }
        List<EchoServer> backends = new ArrayList<>();
        WebSocketLoadBalancerBuilder builder = WebSocketLoadBalancer.builder().strategy(zoneAware());
        for (int i = 1; i <= 3; i++) {
            EchoServer echo = EchoServer.start("127.0.0.1", 0, "echo-" + i);
            backends.add(echo);
            builder.backend(Backend.of("echo-" + i, URI.create(echo.uri())).withMetadata("zone", i == 1 ? "eu" : "us"));
        }
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        server.addConnector(connector);
        server.setHandler(WebSocketLoadBalancerHandler.at("/", builder.build()));
        server.start();
        try {
            HttpClient http = HttpClient.newHttpClient();
            List<WebSocket> open = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                String zone = i % 2 == 0 ? "eu" : null;
                CompletableFuture<String> greeting = new CompletableFuture<>();
                WebSocket.Builder ws = http.newWebSocketBuilder();
                if (zone != null) {
                    ws.header("X-Zone", zone);
                }
                open.add(ws.buildAsync(URI.create("ws://127.0.0.1:" + connector.getLocalPort() + "/"), new WebSocket.Listener() {
                    @Override
                    public @Nullable CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
                        greeting.complete(data.toString());
                        return null;
                    }
                }).get(5, TimeUnit.SECONDS));
                System.out.printf("client %d (X-Zone: %s) -> %s%n", i + 1, zone == null ? "none" : zone,
                    greeting.get(5, TimeUnit.SECONDS));
            }
            for (WebSocket ws : open) {
                ws.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(5, TimeUnit.SECONDS);
            }
        } finally {
            server.stop();
            for (EchoServer backend : backends) {
                backend.close();
            }
        }
        return 0;
    }
}
