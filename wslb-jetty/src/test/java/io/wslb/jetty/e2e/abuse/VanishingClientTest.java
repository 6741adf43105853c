package io.wslb.jetty.e2e.abuse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.wslb.Backend;
import io.wslb.CloseCause;
import io.wslb.RejectCause;
import io.wslb.WebSocketLoadBalancerBuilder;
import io.wslb.jetty.testing.Balancers;
import io.wslb.jetty.testing.EventLog;
import io.wslb.jetty.testing.ScriptedBackend;
import io.wslb.testing.Frame;
import io.wslb.testing.RawWebSocketConnection;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Clients that leave at every stage of a handshake or a message: nothing stays open, the others are served. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class VanishingClientTest extends AbuseTestBase {

    @Override
    WebSocketLoadBalancerBuilder balancer(Backend scripted) {
        // Timeouts far beyond the test's waits: whatever is cleaned up was cleaned up because the client left.
        return super.balancer(scripted)
            .timeouts(Balancers.TIMEOUTS.withConnect(Duration.ofMinutes(2)).withUpgrade(Duration.ofMinutes(2))).maxAttempts(1);
    }

    private static void leave(RawWebSocketConnection raw, boolean reset) throws Exception {
        if (reset) {
            raw.abort();
        } else {
            raw.close();
        }
    }

    @Test
    void clientsVanishingMidHandshake_withAFinOrAReset_leaveNothingBehind() throws Exception {
        scripts.put("/pending", ScriptedBackend.SILENT);
        int rejectedBefore = events.rejected.size();
        // While the backend upgrade is pending: the backend holds the request and never answers.
        List<RawWebSocketConnection> pending = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            RawWebSocketConnection raw = RawWebSocketConnection.open(proxy.port());
            raw.write(raw.upgradeRequest("/pending", RawWebSocketConnection.newKey()));
            pending.add(raw);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> backend.peers("/pending").size() == 10);
        // Half a request head, then gone; a whole head, then gone at once (whatever stage the proxy reached).
        for (int i = 0; i < 20; i++) {
            RawWebSocketConnection raw = RawWebSocketConnection.open(proxy.port());
            String head = raw.upgradeRequest("/gone-" + i, RawWebSocketConnection.newKey());
            raw.write(i % 4 < 2 ? head.substring(0, head.length() / 2) : head);
            leave(raw, i % 2 == 0);
        }
        harness.duringAbuse();
        for (int i = 0; i < pending.size(); i++) {
            leave(pending.get(i), i % 2 == 0);
        }

        for (ScriptedBackend.Peer peer : backend.peers("/pending")) {
            await("the proxy closes the pending backend attempt " + peer).atMost(Duration.ofSeconds(10))
                .until(() -> peer.ended().isDone());
            assertThat(peer.ended().join()).isEqualTo("eof");
            assertThat(peer.bytesAfterHead()).isZero();
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> events.rejected.size() - rejectedBefore >= 10);
        assertThat(events.rejected.subList(rejectedBefore, events.rejected.size()))
            .filteredOn(r -> r.path().equals("/pending")).hasSize(10)
            .extracting(EventLog.Rejected::cause).containsOnly(RejectCause.CLIENT_GONE);
        for (ScriptedBackend.Peer peer : backend.peers()) {
            if (peer.head() != null && peer.path().startsWith("/gone-")) {
                await("backend connection of a vanished client closed: " + peer).atMost(Duration.ofSeconds(10))
                    .until(() -> peer.ended().isDone());
            }
        }
    }

    @Test
    void clientsVanishingMidMessage_leaveNothingBehind_andTheBackendNeverGetsTheHalfMessage() throws Exception {
        int closedBefore = events.closed.size();
        List<RawWebSocketConnection> sockets = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            RawWebSocketConnection raw = RawWebSocketConnection.open(proxy.port());
            sockets.add(raw);
            assertThat(raw.upgrade("/mid-" + i).status()).isEqualTo(101);
            // Half of a 1000-byte frame: its header and 500 bytes of payload.
            raw.write(Frame.of(0x2, new byte[0]).masked(new byte[] {5, 6, 7, 8}).headerAnnouncing(1000));
            raw.write(new byte[500]);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> backend.peers().stream()
            .filter(p -> p.head() != null && p.path().startsWith("/mid-")).mapToLong(ScriptedBackend.Peer::bytesAfterHead).sum() >= 20 * 508);
        harness.duringAbuse();
        for (int i = 0; i < sockets.size(); i++) {
            leave(sockets.get(i), i % 2 == 0);
        }

        for (int i = 0; i < sockets.size(); i++) {
            ScriptedBackend.Peer peer = backend.peers("/mid-" + i).get(0);
            await("backend connection " + i + " closed by the proxy").atMost(Duration.ofSeconds(10)).until(() -> peer.ended().isDone());
            // The proxy cannot put a close frame in the middle of a frame: it ends the stream, and the half frame
            // never becomes a message on the backend.
            assertThat(peer.ended().join()).as("how backend connection %d ended", i).isEqualTo("eof");
            assertThat(peer.frames()).as("complete frames backend connection %d received", i).isEmpty();
        }
        // Only the bystanders' tunnels stay open.
        await().atMost(Duration.ofSeconds(10)).until(() -> events.closed.size() - closedBefore == 20
            && proxy.handler().getOpenConnections() == BYSTANDERS);
        assertThat(events.closed.subList(closedBefore, events.closed.size())).hasSize(20)
            .extracting(EventLog.Closed::cause).containsOnly(CloseCause.CLIENT_GONE);
    }

    @Test
    void aClientLeavingWhileTheBackendTcpConnectIsInFlight_isCleanedUpWithoutWaitingForTheConnectTimeout() throws Exception {
        // A listener whose accept queue is full: the kernel drops further SYNs, so a connect to it stays in flight.
        ServerSocket unaccepting = new ServerSocket();
        List<Socket> fillers = new ArrayList<>();
        try {
            unaccepting.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 1);
            while (fillers.size() < 16) {
                Socket filler = new Socket();
                fillers.add(filler);
                try {
                    filler.connect(unaccepting.getLocalSocketAddress(), 300);
                } catch (SocketTimeoutException full) {
                    break;
                }
            }
            assertThat(fillers.get(fillers.size() - 1).isConnected()).as("the accept queue filled up").isFalse();
            proxy.balancer().pool().add(Backend.of("unaccepting", URI.create("ws://127.0.0.1:" + unaccepting.getLocalPort())));
            proxy.balancer().pool().markUnhealthy("scripted"); // new clients go to the unaccepting backend only
            int rejectedBefore = events.rejected.size();

            RawWebSocketConnection raw = RawWebSocketConnection.open(proxy.port());
            raw.write(raw.upgradeRequest("/in-flight", RawWebSocketConnection.newKey()));
            await().atMost(Duration.ofSeconds(5)).until(() -> proxy.activeConnections().getOrDefault("unaccepting", 0) == 1);
            harness.duringAbuse();
            raw.abort();

            // The connect timeout is two minutes: the proxy must let go because the client left.
            await("the route to the unaccepting backend released").atMost(Duration.ofSeconds(10))
                .until(() -> proxy.activeConnections().getOrDefault("unaccepting", 0) == 0);
            await().atMost(Duration.ofSeconds(10)).until(() -> events.rejected.size() > rejectedBefore);
            assertThat(events.rejected.subList(rejectedBefore, events.rejected.size())).singleElement()
                .extracting(EventLog.Rejected::cause).isEqualTo(RejectCause.CLIENT_GONE);
            assertThat(events.opened).doesNotContain("unaccepting");
        } finally {
            proxy.balancer().pool().markHealthy("scripted");
            for (Socket filler : fillers) {
                filler.close();
            }
            unaccepting.close();
        }
    }
}
