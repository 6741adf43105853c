package io.wslb.jetty.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.wslb.Backend;
import io.wslb.BackendHealth;
import io.wslb.HealthCheck;
import io.wslb.OutlierDetection;
import io.wslb.jetty.testing.Balancers;
import io.wslb.jetty.testing.ClientSocket;
import io.wslb.jetty.testing.Closer;
import io.wslb.jetty.testing.EchoBackend;
import io.wslb.jetty.testing.EventLog;
import io.wslb.jetty.testing.LoadBalancerProxy;
import io.wslb.jetty.testing.WsClient;
import io.wslb.testing.Fault;
import io.wslb.testing.FaultProxy;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Active health checks take a failing backend out and put it back, off the request path. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HealthCheckTest {

    private static final Duration INTERVAL = Duration.ofMillis(200);

    private final Closer closer = new Closer();
    private final EventLog events = new EventLog();

    @AfterEach
    void stop() throws Exception {
        closer.close();
    }

    @Test
    void aBackendThatAcceptsButNeverAnswers_failsTheWebSocketCheck_clientsGoElsewhere_andItComesBackWhenItAnswers()
        throws Exception {
        EchoBackend good = closer.add(EchoBackend.start("good"));
        EchoBackend behind = closer.add(EchoBackend.start("stuck"));
        FaultProxy fault = closer.add(FaultProxy.to(new InetSocketAddress("127.0.0.1", behind.port())));
        Backend stuck = Backend.of("stuck", URI.create("ws://127.0.0.1:" + fault.port()));
        LoadBalancerProxy proxy = closer.add(LoadBalancerProxy.handler("/",
            Balancers.roundRobin(events, stuck, good.backend())
                .outlierDetection(OutlierDetection.disabled())
                .healthCheck(HealthCheck.webSocket("/health-probe").withPing(true).withInterval(INTERVAL)
                    .withTimeout(Duration.ofMillis(150)).withThresholds(2, 2))
                .build()));
        WsClient client = closer.add(WsClient.start());
        await().atMost(Duration.ofSeconds(5)).until(() -> behind.upgrades().size() >= 2);

        fault.set(Fault.BLACKHOLE);
        await().atMost(Duration.ofSeconds(5))
            .until(() -> proxy.balancer().pool().get("stuck").health() == BackendHealth.UNHEALTHY);
        long clientsOnGood = clientUpgrades(good);
        for (int i = 0; i < 6; i++) {
            ClientSocket socket = client.connect(proxy.uri("/chat"));
            assertThat(socket.echo("hi " + i)).isEqualTo("hi " + i);
            socket.close(1000, "done");
        }
        assertThat(clientUpgrades(good) - clientsOnGood).as("client upgrades on the good backend").isEqualTo(6);
        assertThat(clientUpgrades(behind)).as("client upgrades on the stuck backend").isZero();
        assertThat(events.retried).isEmpty();

        fault.set(Fault.PASS);
        await().atMost(Duration.ofSeconds(5))
            .until(() -> proxy.balancer().pool().get("stuck").health() == BackendHealth.HEALTHY);
    }

    @Test
    void anHttpCheck_followsTheStatusOfTheHealthEndpoint() throws Exception {
        AtomicInteger status = new AtomicInteger(200);
        AtomicInteger probes = new AtomicInteger();
        int port = healthEndpoint(status, probes);
        Backend checked = Backend.of("checked", URI.create("ws://127.0.0.1:" + port));
        Backend other = Backend.of("other", URI.create("ws://127.0.0.1:" + healthEndpoint(new AtomicInteger(200), new AtomicInteger())));
        LoadBalancerProxy proxy = closer.add(LoadBalancerProxy.handler("/",
            Balancers.roundRobin(events, checked, other)
                .healthCheck(HealthCheck.http("/health").withInterval(INTERVAL).withThresholds(2, 3))
                .build()));

        await().atMost(Duration.ofSeconds(5)).until(() -> probes.get() >= 3);
        assertThat(proxy.balancer().pool().get("checked").health()).isEqualTo(BackendHealth.HEALTHY);

        status.set(503);
        await().atMost(Duration.ofSeconds(5))
            .until(() -> proxy.balancer().pool().get("checked").health() == BackendHealth.UNHEALTHY);
        assertThat(proxy.balancer().pool().eligible()).extracting(b -> b.id()).containsExactly("other");

        status.set(204);
        await().atMost(Duration.ofSeconds(5))
            .until(() -> proxy.balancer().pool().get("checked").health() == BackendHealth.HEALTHY);
    }

    @Test
    void stoppingTheProxy_stopsTheProbes() throws Exception {
        AtomicInteger probes = new AtomicInteger();
        int port = healthEndpoint(new AtomicInteger(200), probes);
        Backend checked = Backend.of("checked", URI.create("ws://127.0.0.1:" + port));
        LoadBalancerProxy proxy = LoadBalancerProxy.handler("/",
            Balancers.roundRobin(events, checked).healthCheck(HealthCheck.http("/health").withInterval(INTERVAL)).build());
        await().atMost(Duration.ofSeconds(5)).until(() -> probes.get() >= 2);

        proxy.close();
        int afterStop = probes.get();

        // Five intervals later no further probe has arrived (at most one already in flight at the stop).
        await().pollDelay(INTERVAL.multipliedBy(5)).atMost(Duration.ofSeconds(5))
            .untilAsserted(() -> assertThat(probes.get()).isLessThanOrEqualTo(afterStop + 1));
    }

    private static long clientUpgrades(EchoBackend backend) {
        return backend.upgrades().stream().filter(u -> u.path().equals("/chat")).count();
    }

    /** A Jetty server whose {@code GET /health} answers the given status and counts the probes; returns its port. */
    private int healthEndpoint(AtomicInteger status, AtomicInteger probes) throws Exception {
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server, 1, 1);
        connector.setHost("127.0.0.1");
        server.addConnector(connector);
        server.setHandler(new Handler.Abstract.NonBlocking() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                if (!Request.getPathInContext(request).equals("/health")) {
                    return false;
                }
                probes.incrementAndGet();
                response.setStatus(status.get());
                callback.succeeded();
                return true;
            }
        });
        server.start();
        closer.add(server::stop);
        return connector.getLocalPort();
    }
}
