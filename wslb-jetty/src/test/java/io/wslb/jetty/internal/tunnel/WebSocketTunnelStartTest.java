package io.wslb.jetty.internal.tunnel;

import static org.assertj.core.api.Assertions.assertThat;

import io.wslb.Backend;
import io.wslb.CloseCause;
import io.wslb.ConnectionEnd;
import io.wslb.HandshakeRequest;
import io.wslb.LoadBalancerListener;
import io.wslb.WebSocketLoadBalancer;
import io.wslb.jetty.internal.ProxyContext;
import io.wslb.spi.LoadBalancerRuntime;
import io.wslb.spi.Route;
import io.wslb.strategies.BalancingStrategies;
import io.wslb.testing.Frame;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.io.ArrayByteBufferPool;
import org.eclipse.jetty.io.ByteArrayEndPoint;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * How a tunnel starts once both handshakes are done, on in-memory endpoints that count their reads: a leg with
 * nothing handed over is not read until it is readable, and bytes handed over are forwarded at once.
 */
class WebSocketTunnelStartTest {
    private final ScheduledExecutorScheduler scheduler = new ScheduledExecutorScheduler();
    private final CountingEndPoint clientEndPoint = new CountingEndPoint();
    private final CountingEndPoint backendEndPoint = new CountingEndPoint();
    private final List<CloseCause> closed = new CopyOnWriteArrayList<>();
    private WebSocketTunnel tunnel;

    @BeforeEach
    void tunnelBetweenTwoInMemoryEndPoints() throws Exception {
        scheduler.start();
        WebSocketLoadBalancer balancer = WebSocketLoadBalancer.builder()
            .backend(Backend.of("b", URI.create("ws://127.0.0.1:1/")))
            .strategy(BalancingStrategies.roundRobin())
            .listener(new LoadBalancerListener() {
                @Override
                public void onClosed(Route route, ConnectionEnd end) {
                    closed.add(end.cause());
                }
            })
            .build();
        ProxyContext context = new ProxyContext(balancer, Runnable::run, scheduler, new ArrayByteBufferPool(), null);
        Route route = LoadBalancerRuntime.of(balancer).router().route(HandshakeRequest.builder().path("/chat").build()).toCompletableFuture().join();
        route.established(); // as when the backend's 101 arrived
        tunnel = new WebSocketTunnel(context, route, clientEndPoint, backendEndPoint, 0, 0, context.channels().nextConnectionId(), List.of());
        clientEndPoint.setConnection(tunnel.clientLeg());
        backendEndPoint.setConnection(tunnel.backendLeg());
    }

    @AfterEach
    void stop() throws Exception {
        clientEndPoint.close();
        backendEndPoint.close();
        scheduler.stop();
    }

    @Test
    void aStartingTunnelReadsNeitherSocketUntilItIsReadable_thenRelaysWhatArrives() {
        open();

        assertThat(clientEndPoint.fills.get()).isZero();
        assertThat(backendEndPoint.fills.get()).isZero();
        assertThat(clientEndPoint.isFillInterested()).isTrue();
        assertThat(backendEndPoint.isFillInterested()).isTrue();

        byte[] fromClient = maskedText("hello");
        clientEndPoint.addInput(ByteBuffer.wrap(fromClient));
        assertThat(bytes(backendEndPoint.takeOutput())).isEqualTo(fromClient);

        byte[] fromBackend = unmaskedText("world");
        backendEndPoint.addInput(ByteBuffer.wrap(fromBackend));
        assertThat(bytes(clientEndPoint.takeOutput())).isEqualTo(fromBackend);
    }

    @Test
    void bytesTheBackendSentWithIts101_reachTheClientAsTheTunnelStarts() {
        byte[] early = unmaskedText("early");
        tunnel.backendLeg().onUpgradeTo(ByteBuffer.wrap(early));

        open();

        assertThat(bytes(clientEndPoint.takeOutput())).isEqualTo(early);
        assertThat(clientEndPoint.fills.get()).isZero();
        assertThat(backendEndPoint.isFillInterested()).isTrue();
    }

    @Test
    void aBackendSocketClosedBeforeTheTunnelStarts_getsTheClient1011_andTheRouteClosedWithTheClient() {
        closeAsTheSelectorDoes(backendEndPoint);

        open();

        byte[] toClient = bytes(clientEndPoint.takeOutput());
        assertThat(toClient).hasSizeGreaterThanOrEqualTo(4);
        assertThat(toClient[0] & 0xFF).isEqualTo(0x88);
        assertThat(((toClient[2] & 0xFF) << 8) | (toClient[3] & 0xFF)).isEqualTo(1011);
        assertThat(closed).isEmpty();

        closeAsTheSelectorDoes(clientEndPoint);

        assertThat(closed).containsExactly(CloseCause.BACKEND_GONE);
    }

    @Test
    void aBackendSocketWhoseCloseWentToTheHandshakeConnection_isStillCountedWhenItsLegOpens() {
        backendEndPoint.close(); // reported to the connection before the upgrade, not to the leg

        open();
        assertThat(clientEndPoint.takeOutput().remaining()).isPositive(); // the client's 1011
        closeAsTheSelectorDoes(clientEndPoint);

        assertThat(closed).containsExactly(CloseCause.BACKEND_GONE);
    }

    @Test
    void aClientSocketWhoseCloseWentToTheHttpConnection_isStillCountedWhenItsLegOpens() {
        clientEndPoint.close(); // reported to Jetty's HTTP connection before the upgrade, not to the leg

        open();
        closeAsTheSelectorDoes(backendEndPoint);

        assertThat(closed).hasSize(1);
    }

    @Test
    void aLegWhoseCloseIsReportedTwice_tellsItsListenersOnce() {
        AtomicInteger heard = new AtomicInteger();
        tunnel.backendLeg().addEventListener(new Connection.Listener() {
            @Override
            public void onClosed(Connection connection) {
                heard.incrementAndGet();
            }
        });
        closeAsTheSelectorDoes(backendEndPoint);

        open(); // the backend leg opens on a closed socket and reports its close again

        assertThat(heard).hasValue(1);
    }

    @Test
    void aTunnelWhoseTwoSocketsClosedBeforeItStarted_reportsItsRouteClosedOnceAsItStarts() {
        closeAsTheSelectorDoes(backendEndPoint);
        closeAsTheSelectorDoes(clientEndPoint);
        assertThat(closed).isEmpty();

        open();

        assertThat(closed).hasSize(1);
    }

    /** Closes the endpoint, then tells its connection, as Jetty's selector does for a socket's endpoint. */
    private static void closeAsTheSelectorDoes(CountingEndPoint endPoint) {
        endPoint.close();
        endPoint.getConnection().onClose(null);
    }

    /** As Jetty opens the legs: the backend's when its 101 was read, then the client's after its 101 went out. */
    private void open() {
        tunnel.backendLeg().onOpen();
        tunnel.clientLeg().onOpen();
    }

    private static byte[] bytes(ByteBuffer buffer) {
        return BufferUtil.toArray(buffer);
    }

    private static byte[] unmaskedText(String text) {
        return Frame.of(0x1, text.getBytes(StandardCharsets.UTF_8)).encode();
    }

    private static byte[] maskedText(String text) {
        return Frame.of(0x1, text.getBytes(StandardCharsets.UTF_8)).masked().encode();
    }

    /** An in-memory endpoint that counts the reads made of it. */
    private static final class CountingEndPoint extends ByteArrayEndPoint {
        final AtomicInteger fills = new AtomicInteger();

        @Override
        public int fill(ByteBuffer buffer) throws IOException {
            fills.incrementAndGet();
            return super.fill(buffer);
        }
    }
}
