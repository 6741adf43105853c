package io.wslb.jetty.e2e.abuse;

import io.wslb.Backend;
import io.wslb.WebSocketLoadBalancer;
import io.wslb.WebSocketLoadBalancerBuilder;
import io.wslb.jetty.testing.AbuseHarness;
import io.wslb.jetty.testing.Balancers;
import io.wslb.jetty.testing.Closer;
import io.wslb.jetty.testing.EventLog;
import io.wslb.jetty.testing.LoadBalancerProxy;
import io.wslb.jetty.testing.ScriptedBackend;
import io.wslb.jetty.testing.WsClient;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * Every abuse test runs on a tracked proxy in front of one {@link ScriptedBackend} (an echo server unless a path
 * has a script of its own), wrapped in an {@link AbuseHarness}: four bystanders echo through the proxy on
 * {@value #BYSTANDER_PATH} for the whole test, and after the test ({@code @AfterEach}, so no test can skip it)
 * every round trip must have succeeded and threads, open files and pool buffers must be back to the baseline.
 */
abstract class AbuseTestBase {

    static final String BYSTANDER_PATH = "/bystander";
    static final int BYSTANDERS = 4;

    final Closer closer = new Closer();
    final EventLog events = new EventLog();
    final Map<String, ScriptedBackend.Script> scripts = new ConcurrentHashMap<>();
    ScriptedBackend backend;
    LoadBalancerProxy proxy;
    WsClient client;
    AbuseHarness harness;

    /** @return the balancer settings of this class (the pool is the scripted backend, id "scripted") */
    WebSocketLoadBalancerBuilder balancer(Backend scripted) {
        return Balancers.roundRobin(events, scripted);
    }

    /** @return true to listen on a {@code ProxyServerConnector} */
    boolean onProxyConnector() {
        return false;
    }

    @BeforeEach
    void startProxyAndBystanders() throws Exception {
        backend = closer.add(ScriptedBackend.start(path -> scripts.getOrDefault(path, ScriptedBackend.ECHO)));
        WebSocketLoadBalancer lb = balancer(Backend.of("scripted", backend.uri())).build();
        proxy = closer.add(onProxyConnector() ? LoadBalancerProxy.handlerTrackedOnProxyConnector("/", lb)
            : LoadBalancerProxy.handlerTracked("/", lb));
        client = closer.add(WsClient.start());
        harness = closer.add(AbuseHarness.start(proxy, client, BYSTANDER_PATH, BYSTANDERS));
    }

    @AfterEach
    void bystandersServedAndEverythingBackToBaseline() throws Exception {
        try {
            harness.finish();
        } finally {
            closer.close();
        }
    }

    /** @return the Host header value for the proxy */
    String host() {
        return "127.0.0.1:" + proxy.port();
    }
}
