package io.wslb.jetty.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.wslb.Backend;
import io.wslb.OutlierDetection;
import io.wslb.RejectCause;
import io.wslb.jetty.testing.Balancers;
import io.wslb.jetty.testing.ClientSocket;
import io.wslb.jetty.testing.Closer;
import io.wslb.jetty.testing.EchoBackends;
import io.wslb.jetty.testing.EventLog;
import io.wslb.jetty.testing.LoadBalancerProxy;
import io.wslb.jetty.testing.Ports;
import io.wslb.jetty.testing.WsClient;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Round robin over three backends while the middle one refuses every connection and outlier ejection is off (the
 * launcher's {@code --eject-after 0}): each of its turns is retried on a live backend, and the retries must not shift
 * the rotation, or the backend after the dead one takes its share twice.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RoundRobinWithADeadBackendTest {

    private final Closer closer = new Closer();
    private final EventLog events = new EventLog();

    @AfterEach
    void stop() throws Exception {
        closer.close();
    }

    @Test
    void roundRobin_withOneOfThreeBackendsRefusing_theTwoLiveOnesShareThirtySequentialConnectionsFifteenEach()
        throws Exception {
        EchoBackends live = closer.add(EchoBackends.start(2));
        Backend dead = Backend.of("dead", URI.create("ws://127.0.0.1:" + Ports.closedPort()));
        LoadBalancerProxy proxy = closer.add(LoadBalancerProxy.handler("/",
            Balancers.roundRobin(events, List.of(live.members().get(0), dead, live.members().get(1)))
                .outlierDetection(OutlierDetection.disabled())
                .build()));
        WsClient client = closer.add(WsClient.start());

        for (int i = 0; i < 30; i++) {
            ClientSocket socket = client.connect(proxy.uri("/"));
            assertThat(socket.echo("n" + i)).isEqualTo("n" + i);
            socket.close(1000, "done");
        }

        assertThat(events.retried).as("each of the dead backend's turns, and only those, was retried")
            .hasSize(10).containsOnly(new EventLog.Retried("dead", RejectCause.BACKEND_UNREACHABLE));
        Map<String, Integer> perBackend = live.connectionsPerBackend();
        assertThat(Math.abs(perBackend.get("b1") - perBackend.get("b2")))
            .as("b1 and b2 share the 30 connections within one: %s", perBackend).isLessThanOrEqualTo(1);
        assertThat(perBackend.get("b1") + perBackend.get("b2")).isEqualTo(30);
        proxy.awaitNothingOpen();
    }
}
