package io.wslb.examples.snippets;

// snippet-begin docs/scale-out.md
import io.wslb.Backend;
import io.wslb.WebSocketLoadBalancer;
import io.wslb.jetty.WebSocketLoadBalancerHandler;
import io.wslb.redis.RedisCluster;
import io.wslb.redis.RedisLink;
import io.wslb.strategies.AffinityResolvers;
import io.wslb.strategies.BalancingStrategies;
import java.net.URI;
import java.util.List;
import org.eclipse.jetty.server.Server;

/**
 * Two balancer instances that act as one over Redis: a room's clients reach the same chat backend through either
 * instance, least connections counts both instances' connections, and a drain on one reaches the other. In
 * production each instance runs in its own process, behind DNS or an L4 balancer; here both run in one.
 */
public final class TwoInstances {

    /** Runs two instances on ports 8081 and 8082 in front of two chat backends, until the process is stopped. */
    public static void main(String[] args) throws Exception {
        URI redis = URI.create("redis://127.0.0.1:6379");
        List<URI> chat = List.of(URI.create("ws://10.0.0.1:3000/ws"), URI.create("ws://10.0.0.2:3000/ws"));
        Instance a = Instance.start(8081, "lb-a", redis, chat);
        Instance b = Instance.start(8082, "lb-b", redis, chat);
        a.server().join();
        b.server().join();
    }

    /** One balancer instance: its Jetty server, and its part in the cluster, closed after the server stops. */
    public record Instance(Server server, RedisLink link, RedisCluster cluster) implements AutoCloseable {

        /** Starts an instance on {@code port} (0: any free port) at /ws, sharing what it knows through {@code redis}. */
        public static Instance start(int port, String id, URI redis, List<URI> chat) throws Exception {
            RedisLink link = RedisLink.connect(redis);                  // never blocks; Redis may be down
            RedisCluster cluster = RedisCluster.builder(link).build();
            WebSocketLoadBalancer balancer = WebSocketLoadBalancer.builder()
                .backend(Backend.of("chat-1", chat.get(0)))
                .backend(Backend.of("chat-2", chat.get(1)))
                .strategy(BalancingStrategies.leastConnections())      // counts every instance's connections
                .affinity(AffinityResolvers.queryParameter("room"))    // a room's clients on one backend...
                .sessionStore(cluster.sessionStore())                  // ...whichever instance they reach
                .build();
            Server server = new Server(port);
            server.setHandler(WebSocketLoadBalancerHandler.at("/ws", balancer));
            server.start();
            cluster.join(balancer, id);                                // shares counts and admin actions
            return new Instance(server, link, cluster);
        }

        @Override
        public void close() throws Exception {
            server.stop();
            cluster.close();
            link.close();
        }
    }
}
// snippet-end
