package io.wslb.jetty.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.wslb.WebSocketLoadBalancer;
import io.wslb.jetty.testing.BackendConnection;
import io.wslb.jetty.testing.Balancers;
import io.wslb.jetty.testing.ClientSocket;
import io.wslb.jetty.testing.Closer;
import io.wslb.jetty.testing.EchoBackends;
import io.wslb.jetty.testing.EventLog;
import io.wslb.jetty.testing.LoadBalancerProxy;
import io.wslb.jetty.testing.WsClient;
import io.wslb.strategies.AffinityResolvers;
import io.wslb.strategies.BalancingStrategies;
import io.wslb.testing.RawHttpResponse;
import io.wslb.testing.RawWebSocketConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.websocket.client.ClientUpgradeRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Where connections go: round robin, least connections, cookie affinity. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class BalancingTest {

    private final Closer closer = new Closer();
    private final EventLog events = new EventLog();

    @AfterEach
    void stop() throws Exception {
        closer.close();
    }

    @Test
    void roundRobin_spreadsThirtyConnectionsOverThreeBackendsTenEach() throws Exception {
        EchoBackends backends = closer.add(EchoBackends.start(3));
        LoadBalancerProxy proxy = closer.add(LoadBalancerProxy.handler("/", Balancers.roundRobin(events, backends.members()).build()));
        WsClient client = closer.add(WsClient.start());

        List<CompletableFuture<ClientSocket>> pending = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            pending.add(CompletableFuture.supplyAsync(() -> {
                try {
                    return client.connect(proxy.uri("/"));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }));
        }
        List<ClientSocket> sockets = new ArrayList<>();
        for (CompletableFuture<ClientSocket> p : pending) {
            sockets.add(p.get(10, TimeUnit.SECONDS));
        }

        assertThat(backends.connectionsPerBackend()).isEqualTo(Map.of("b1", 10, "b2", 10, "b3", 10));
        assertThat(proxy.activeConnections()).isEqualTo(Map.of("b1", 10, "b2", 10, "b3", 10));
        // The tunnel is counted once Jetty has installed it, a moment after the client read its 101.
        await().atMost(Duration.ofSeconds(3)).until(() -> proxy.handler().getOpenConnections() == 30);
        for (int i = 0; i < sockets.size(); i++) {
            assertThat(sockets.get(i).echo("n" + i)).isEqualTo("n" + i);
        }

        for (ClientSocket s : sockets) {
            s.close(1000, "done");
        }
        proxy.awaitNothingOpen();
    }

    @Test
    void leastConnections_sendsNewConnectionsToTheEmptierBackend() throws Exception {
        EchoBackends backends = closer.add(EchoBackends.start(2));
        WebSocketLoadBalancer lb = Balancers.roundRobin(events, backends.members())
            .strategy(BalancingStrategies.leastConnections()).build();
        LoadBalancerProxy proxy = closer.add(LoadBalancerProxy.handler("/", lb));
        WsClient client = closer.add(WsClient.start());

        // Four connections one after the other: least connections alternates, 2 and 2.
        List<ClientSocket> first = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            first.add(connectTagged(client, proxy, "first-" + i));
        }
        assertThat(proxy.activeConnections()).isEqualTo(Map.of("b1", 2, "b2", 2));

        // Close both of b1's: b1 has 0, b2 has 2.
        for (int i = 0; i < 4; i++) {
            if (backends.connectionWith("X-Test-Id", "first-" + i).backend().name().equals("b1")) {
                first.get(i).close(1000, "leave b1");
            }
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> proxy.activeConnections().equals(Map.of("b1", 0, "b2", 2)));

        // The next two must both go to b1 (0 < 2, then 1 < 2).
        connectTagged(client, proxy, "second-0");
        connectTagged(client, proxy, "second-1");

        assertThat(backends.connectionWith("X-Test-Id", "second-0").backend().name()).isEqualTo("b1");
        assertThat(backends.connectionWith("X-Test-Id", "second-1").backend().name()).isEqualTo("b1");
        assertThat(proxy.activeConnections()).isEqualTo(Map.of("b1", 2, "b2", 2));

        client.close();
        proxy.awaitNothingOpen();
    }

    private static ClientSocket connectTagged(WsClient client, LoadBalancerProxy proxy, String tag) throws Exception {
        ClientUpgradeRequest request = new ClientUpgradeRequest(proxy.uri("/"));
        request.setHeader("X-Test-Id", tag);
        return client.connect(request);
    }

    @Test
    void cookieAffinity_setsACookieOnThe101AndReconnectsWithItLandOnTheSameBackend() throws Exception {
        EchoBackends backends = closer.add(EchoBackends.start(3));
        WebSocketLoadBalancer lb = Balancers.roundRobin(events, backends.members())
            .affinity(AffinityResolvers.cookie("WSLB"))
            .build();
        LoadBalancerProxy proxy = closer.add(LoadBalancerProxy.handler("/", lb));

        String cookie;
        String home;
        try (RawWebSocketConnection raw = RawWebSocketConnection.open(proxy.port())) {
            RawHttpResponse answer = raw.upgrade("/", "X-Test-Id: first");
            assertThat(answer.status()).isEqualTo(101);
            String setCookie = answer.header("Set-Cookie");
            assertThat(setCookie).as(answer.toString()).isNotNull().startsWith("WSLB=");
            cookie = setCookie.split(";", 2)[0];
            home = backends.connectionWith("X-Test-Id", "first").backend().name();
            closeCleanly(raw);
        }

        for (int i = 0; i < 5; i++) {
            try (RawWebSocketConnection raw = RawWebSocketConnection.open(proxy.port())) {
                RawHttpResponse answer = raw.upgrade("/", "Cookie: " + cookie, "X-Test-Id: again-" + i);
                assertThat(answer.status()).isEqualTo(101);
                assertThat(backends.connectionWith("X-Test-Id", "again-" + i).backend().name())
                    .as("reconnect %d with %s", i, cookie).isEqualTo(home);
                closeCleanly(raw);
            }
        }

        Set<String> spread = new HashSet<>();
        for (int i = 0; i < 6; i++) {
            try (RawWebSocketConnection raw = RawWebSocketConnection.open(proxy.port())) {
                RawHttpResponse answer = raw.upgrade("/", "X-Test-Id: fresh-" + i);
                assertThat(answer.status()).isEqualTo(101);
                String landed = backends.connectionWith("X-Test-Id", "fresh-" + i).backend().name();
                String issued = answer.header("Set-Cookie");
                assertThat(issued).startsWith("WSLB=");
                // The cookie names the backend (signed): the same backend, the same cookie; another, another.
                if (landed.equals(home)) {
                    assertThat(issued.split(";", 2)[0]).isEqualTo(cookie);
                } else {
                    assertThat(issued.split(";", 2)[0]).isNotEqualTo(cookie);
                }
                spread.add(landed);
                closeCleanly(raw);
            }
        }
        assertThat(spread).as("backends of clients without the cookie").containsExactlyInAnyOrder("b1", "b2", "b3");
        proxy.awaitNothingOpen();
    }

    @Test
    void backendSetCookie_reachesItsClientButIsNeverSentOnAnotherClientsUpgrade() throws Exception {
        EchoBackends backends = closer.add(EchoBackends.start(1));
        backends.get(0).setCookieOn101("backendSession=b1-private; Path=/");
        LoadBalancerProxy proxy = closer.add(LoadBalancerProxy.handler("/", Balancers.roundRobin(events, backends.members()).build()));

        try (RawWebSocketConnection raw = RawWebSocketConnection.open(proxy.port())) {
            RawHttpResponse answer = raw.upgrade("/");
            assertThat(answer.status()).isEqualTo(101);
            assertThat(answer.headers("Set-Cookie")).as(answer.toString()).contains("backendSession=b1-private; Path=/");
            closeCleanly(raw);
        }
        try (RawWebSocketConnection raw = RawWebSocketConnection.open(proxy.port())) {
            assertThat(raw.upgrade("/").status()).isEqualTo(101);
            closeCleanly(raw);
        }

        List<BackendConnection.Upgrade> upgrades = backends.get(0).upgrades();
        assertThat(upgrades).hasSize(2);
        assertThat(upgrades.get(1).headers("Cookie")).as("a cookie the proxy kept from the first client's backend").isEmpty();
        proxy.awaitNothingOpen();
    }

    private static void closeCleanly(RawWebSocketConnection raw) throws Exception {
        assertThat(raw.closeNormally().closeStatus()).isEqualTo(1000);
    }
}
