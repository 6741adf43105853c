package io.wslb.examples.snippets;

import io.micrometer.core.instrument.MeterRegistry;
import io.wslb.AccessLog;
import io.wslb.AdmissionLimits;
import io.wslb.Backend;
import io.wslb.BackendHealth;
import io.wslb.BackendPool;
import io.wslb.HealthCheck;
import io.wslb.LiveBackend;
import io.wslb.OutlierDetection;
import io.wslb.Timeouts;
import io.wslb.WebSocketLoadBalancer;
import io.wslb.WebSocketLoadBalancerBuilder;
import io.wslb.jetty.AdminHandler;
import io.wslb.jetty.ProxyServerConnector;
import io.wslb.micrometer.WslbMetrics;
import io.wslb.strategies.BalancingStrategies;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.server.Server;

/**
 * The Java blocks of docs/operations.md, each the body (or part of the body) of one method here, so that the build
 * compiles them and a test runs each against real backends. A region between {@code snippet-begin} and
 * {@code snippet-end} is copied into the page exactly, less its indentation.
 */
public final class OperationsSnippets {

    private OperationsSnippets() {
    }

    /**
     * Capacity: per-backend caps, a backup and a global cap.
     *
     * @param chat1 the first backend
     * @param chat2 the second backend
     * @param overflow the backup
     * @return the balancer
     */
    public static WebSocketLoadBalancer capacity(URI chat1, URI chat2, URI overflow) {
        // snippet-begin docs/operations.md
        WebSocketLoadBalancer lb = WebSocketLoadBalancer.builder()
            .backend(Backend.of("chat-1", chat1).withMaxConnections(20_000))
            .backend(Backend.of("chat-2", chat2).withMaxConnections(20_000))
            .backend(Backend.of("overflow", overflow).asBackup())
            .admissionLimits(AdmissionLimits.unlimited().withMaxConnections(50_000))
            .strategy(BalancingStrategies.leastConnections())
            .build();
        // snippet-end
        return lb;
    }

    /**
     * Passive health: outlier detection set, then turned off.
     *
     * @param builder the balancer being composed
     */
    public static void outlierDetection(WebSocketLoadBalancerBuilder builder) {
        // snippet-begin docs/operations.md
        builder.outlierDetection(OutlierDetection.of(3, Duration.ofSeconds(10), Duration.ofMinutes(2), 0.5));
        builder.outlierDetection(OutlierDetection.disabled());
        // snippet-end
    }

    /**
     * Active health checks: an HTTP check, then (replacing it) a WebSocket check with ping.
     *
     * @param builder the balancer being composed
     */
    public static void healthCheck(WebSocketLoadBalancerBuilder builder) {
        // snippet-begin docs/operations.md
        builder.healthCheck(HealthCheck.http("/health"));                                  // GET, healthy on 2xx
        builder.healthCheck(HealthCheck.webSocket("/ws").withPing(true)                    // a real upgrade, ping, pong
            .withInterval(Duration.ofSeconds(2)).withTimeout(Duration.ofSeconds(1)).withThresholds(2, 3));
        // snippet-end
    }

    /**
     * Slow start.
     *
     * @param builder the balancer being composed
     */
    public static void slowStart(WebSocketLoadBalancerBuilder builder) {
        // snippet-begin docs/operations.md
        builder.slowStart(Duration.ofSeconds(30));   // launcher: --slow-start 30s
        // snippet-end
    }

    /**
     * Changes the pool at runtime: adds chat-3, reweights chat-1, drains chat-2, resumes it, then removes it.
     *
     * @param lb a balancer with backends chat-1 and chat-2
     * @param chat3 the backend to add
     */
    @SuppressWarnings("NullAway") // the page's snippet reads chat-1, which the caller guarantees, without a null check
    public static void changeThePool(WebSocketLoadBalancer lb, URI chat3) {
        // snippet-begin docs/operations.md
        BackendPool pool = lb.pool();
        pool.add(Backend.of("chat-3", chat3));                                   // new connections may go there at once
        pool.update(pool.get("chat-1").backend().withWeight(3));                 // reweight: open connections untouched
        pool.drain("chat-2", Duration.ofMinutes(2));                             // deploy: empty it gently
        pool.resume("chat-2");                                                   // back in service, slow start applies
        pool.remove("chat-2", Duration.ofSeconds(30));                           // drain, then forget
        // snippet-end
    }

    /**
     * A shutdown spread over a window, and the server's stop timeout to match.
     *
     * @param builder the balancer being composed
     * @param server the server the balancer will be mounted in
     */
    public static void shutdownWindow(WebSocketLoadBalancerBuilder builder, Server server) {
        // snippet-begin docs/operations.md
        builder.shutdownWindow(Duration.ofSeconds(30));              // launcher: --shutdown-window 30s
        server.setStopTimeout(Duration.ofSeconds(35).toMillis());   // the launcher does this for you
        // snippet-end
    }

    /**
     * Liveness pings.
     *
     * @param builder the balancer being composed
     */
    public static void pingInterval(WebSocketLoadBalancerBuilder builder) {
        // snippet-begin docs/operations.md
        builder.timeouts(Timeouts.defaults().withPingInterval(Duration.ofSeconds(30)));   // launcher: --ping-interval 30s
        // snippet-end
    }

    /**
     * Micrometer meters.
     *
     * @param builder the balancer being composed, with its backends and strategy
     * @param registry where the meters go (Prometheus's registry, for one)
     * @return the balancer, its meters bound
     */
    public static WebSocketLoadBalancer metrics(WebSocketLoadBalancerBuilder builder, MeterRegistry registry) {
        // snippet-begin docs/operations.md
        WslbMetrics metrics = WslbMetrics.create();
        WebSocketLoadBalancer lb = builder.listener(metrics.listener()).build();   // the listener sees every connection
        metrics.binder(lb).bindTo(registry);   // the application's registry; launcher: --metrics (Prometheus)
        // snippet-end
        return lb;
    }

    /**
     * The access log.
     *
     * @param builder the balancer being composed
     */
    public static void accessLog(WebSocketLoadBalancerBuilder builder) {
        // snippet-begin docs/operations.md
        builder.listener(AccessLog.toLogger());   // INFO lines on the logger io.wslb.access; launcher: --access-log stdout
        // snippet-end
    }

    /**
     * The admin API on a server of its own, on loopback.
     *
     * @param lb the balancer it manages
     * @param token the bearer token every request must carry
     * @param adminPort its port (0: any free port)
     * @return the started admin server
     * @throws Exception if it does not start
     */
    public static Server admin(WebSocketLoadBalancer lb, String token, int adminPort) throws Exception {
        // snippet-begin docs/operations.md
        Server admin = new Server();
        ProxyServerConnector local = new ProxyServerConnector(admin, 1);
        local.setHandshakeTimeout(Duration.ofSeconds(10));   // a request head must arrive within 10 s
        local.setHost("127.0.0.1");
        local.setPort(adminPort);   // 9204, say
        admin.addConnector(local);
        admin.setHandler(AdminHandler.builder(lb).bearerToken(token).build());
        admin.start();
        // snippet-end
        return admin;
    }

    /**
     * Listens to the pool's events.
     *
     * @param lb the balancer
     * @param log where health changes and drains are logged
     * @param panicking set while the pool is in panic mode
     */
    public static void listen(WebSocketLoadBalancer lb, org.slf4j.Logger log, AtomicBoolean panicking) {
        // snippet-begin docs/operations.md
        lb.pool().addListener(new BackendPool.Listener() {
            public void onHealthChanged(LiveBackend b, BackendHealth previous) { log.info("{}: {} -> {}", b.id(), previous, b.health()); }
            public void onDraining(LiveBackend b, Duration window, boolean forget) { log.info("draining {}", b.id()); }
            public void onPanic(boolean panic) { panicking.set(panic); }
        });
        // snippet-end
    }
}
