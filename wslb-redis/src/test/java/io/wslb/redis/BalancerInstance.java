package io.wslb.redis;

import static org.awaitility.Awaitility.await;

import io.wslb.Backend;
import io.wslb.BalancingStrategy;
import io.wslb.WebSocketLoadBalancer;
import io.wslb.WebSocketLoadBalancerBuilder;
import io.wslb.jetty.testing.BackendConnection;
import io.wslb.jetty.testing.Balancers;
import io.wslb.jetty.testing.ClientSocket;
import io.wslb.jetty.testing.EchoBackend;
import io.wslb.jetty.testing.EchoBackends;
import io.wslb.jetty.testing.EventLog;
import io.wslb.jetty.testing.LoadBalancerProxy;
import io.wslb.jetty.testing.WsClient;
import io.wslb.strategies.AffinityResolvers;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;

/**
 * One balancer instance of a cluster, as a deployment runs it: a Jetty server ({@link LoadBalancerProxy}) mounting
 * its own balancer, with query-parameter affinity ({@code ?room=KEY}), its own {@link RedisLink} and its own
 * {@link RedisCluster} joined under its own instance id. Several of them over one redis-server act as one.
 */
@SuppressWarnings("try") // close() may throw InterruptedException, as Jetty's stop() does
final class BalancerInstance implements AutoCloseable {

    /** The affinity parameter: {@code /chat?room=KEY}. */
    static final String ROOM = "room";

    final String id;
    final RedisLink link;
    final RedisCluster cluster;
    final WebSocketLoadBalancer balancer;
    final LoadBalancerProxy proxy;
    /** What the balancer reported: backends chosen, connections opened and closed, handshakes rejected. */
    final EventLog events;
    /** Every change of the link's status since the instance started serving, in order. */
    final List<RedisLink.Status> linkChanges;

    private BalancerInstance(String id, RedisLink link, RedisCluster cluster, WebSocketLoadBalancer balancer, LoadBalancerProxy proxy,
                             EventLog events, List<RedisLink.Status> linkChanges) {
        this.id = id;
        this.link = link;
        this.cluster = cluster;
        this.balancer = balancer;
        this.proxy = proxy;
        this.events = events;
        this.linkChanges = linkChanges;
    }

    /**
     * Starts an instance and waits (15 s at most) until its link is up, so that what follows is shared.
     *
     * @param id the instance id
     * @param redis the redis-server
     * @param keyPrefix one per test, so that the tests of a class sharing a server do not meet
     * @param backends the pool as configured
     * @param strategy the balancing strategy
     * @param linkSettings changes to the link's defaults (none: {@code b -> b})
     * @param clusterSettings changes to the cluster's defaults besides the key prefix (none: {@code b -> b})
     */
    static BalancerInstance start(String id, URI redis, String keyPrefix, List<Backend> backends, BalancingStrategy strategy,
                                  UnaryOperator<RedisLink.Builder> linkSettings, UnaryOperator<RedisCluster.Builder> clusterSettings)
        throws Exception {
        RedisLink link = linkSettings.apply(RedisLink.builder().uri(redis)).build();
        RedisCluster cluster = null;
        try {
            cluster = clusterSettings.apply(RedisCluster.builder(link)).keyPrefix(keyPrefix).build();
            EventLog events = new EventLog();
            WebSocketLoadBalancerBuilder builder = WebSocketLoadBalancer.builder()
                .strategy(strategy)
                .timeouts(Balancers.TIMEOUTS)
                .affinity(AffinityResolvers.queryParameter(ROOM))
                .sessionStore(cluster.sessionStore())
                .listener(events);
            backends.forEach(builder::backend);
            WebSocketLoadBalancer balancer = builder.build();
            List<RedisLink.Status> changes = new CopyOnWriteArrayList<>();
            link.addListener((before, now) -> changes.add(now.status()));
            await(id + "'s link up").atMost(Duration.ofSeconds(15)).until(() -> link.state().isUp());
            // From here on, every change of the link's status is an event of the test.
            changes.clear();
            cluster.join(balancer, id);
            LoadBalancerProxy proxy = LoadBalancerProxy.handler("/", balancer);
            return new BalancerInstance(id, link, cluster, balancer, proxy, events, changes);
        } catch (Exception | Error e) {
            if (cluster != null) {
                cluster.close();
            }
            link.close();
            throw e;
        }
    }

    /** {@return the URI of a connection with this affinity key, tagged so that a backend's record of it can be found} */
    URI uri(String key, String tag) {
        return proxy.uri("/chat?" + ROOM + "=" + URLEncoder.encode(key, StandardCharsets.UTF_8) + "&tag=" + tag);
    }

    /**
     * One visit of a client: connects through this instance with the key, exchanges one echo, closes, and tells which
     * backend it reached.
     *
     * @param tag unique among the visits of the test
     * @return the name of the backend that held the connection
     */
    String visit(WsClient client, EchoBackends backends, String key, String tag) throws Exception {
        ClientSocket socket = client.connect(uri(key, tag));
        String text = "hello " + tag;
        String echoed = socket.echo(text);
        if (!text.equals(echoed)) {
            throw new AssertionError("echo through " + id + ": sent '" + text + "', got '" + echoed + "'");
        }
        socket.close(1000, "done");
        return backendOf(backends, tag);
    }

    /**
     * @param tag the tag of a connection that was upgraded
     * @return the name of the backend that accepted it
     * @throws AssertionError unless exactly one backend did
     */
    static String backendOf(EchoBackends backends, String tag) {
        List<String> found = new ArrayList<>();
        for (EchoBackend backend : backends.all()) {
            for (BackendConnection c : backend.connections()) {
                if (c.upgrade().query() != null && c.upgrade().query().endsWith("&tag=" + tag)) {
                    found.add(backend.name());
                }
            }
        }
        if (found.size() != 1) {
            throw new AssertionError("expected one backend connection tagged " + tag + ", found " + found);
        }
        return found.get(0);
    }

    @Override
    public void close() throws Exception {
        try {
            proxy.close();
        } finally {
            cluster.close();
            link.close();
        }
    }

    @Override
    public String toString() {
        return id + " " + link.state().status();
    }
}
