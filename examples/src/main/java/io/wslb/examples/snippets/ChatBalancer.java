package io.wslb.examples.snippets;

// snippet-begin README.md
import io.wslb.Backend;
import io.wslb.WebSocketLoadBalancer;
import io.wslb.jetty.WebSocketLoadBalancerHandler;
import io.wslb.strategies.AffinityResolvers;
import io.wslb.strategies.BalancingStrategies;
import java.net.URI;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.handler.DefaultHandler;

/** A chat service's balancer: clients connect to ws://HOST:8080/ws and reach one of the chat backends. */
public final class ChatBalancer {

    /** Runs the balancer on port 8080 in front of two chat backends, until the process is stopped. */
    public static void main(String[] args) throws Exception {
        Server server = start(8080, URI.create("ws://10.0.0.1:3000/ws"), URI.create("ws://10.0.0.2:3000/ws"));
        server.join();
    }

    /** Starts a Jetty server on {@code port} (0: any free port) with the balancer at /ws, in front of two backends. */
    public static Server start(int port, URI chat1, URI chat2) throws Exception {
        WebSocketLoadBalancer lb = WebSocketLoadBalancer.builder()
            .backend(Backend.of("chat-1", chat1))
            .backend(Backend.of("chat-2", chat2))
            .strategy(BalancingStrategies.leastConnections())
            .affinity(AffinityResolvers.cookie("WSLB"))   // optional: the same browser, the same backend (a signed cookie)
            .build();

        Server server = new Server(port);                  // or the Jetty server you already run
        Handler yourApplication = new DefaultHandler();    // your own handlers: pages, REST, ...
        server.setHandler(new Handler.Sequence(WebSocketLoadBalancerHandler.at("/ws", lb), yourApplication));
        server.start();
        return server;
    }
}
// snippet-end
