package io.wslb.jetty.e2e;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.wslb.Backend;
import io.wslb.ChannelMessage;
import io.wslb.Channels;
import io.wslb.jetty.testing.BackendConnection;
import io.wslb.jetty.testing.Balancers;
import io.wslb.jetty.testing.ClientSocket;
import io.wslb.jetty.testing.Closer;
import io.wslb.jetty.testing.EchoBackend;
import io.wslb.jetty.testing.EventLog;
import io.wslb.jetty.testing.LoadBalancerProxy;
import io.wslb.jetty.testing.ScriptedBackend;
import io.wslb.jetty.testing.WsClient;
import io.wslb.spi.LoadBalancerRuntime;
import io.wslb.testing.Frame;
import io.wslb.testing.RawHttpResponse;
import io.wslb.testing.RawWebSocketConnection;
import java.time.Duration;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.websocket.api.ExtensionConfig;
import org.eclipse.jetty.websocket.client.ClientUpgradeRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Channels on one instance: a backend tags a connection in its 101, a message published to the channel reaches
 * exactly its clients as one whole message between the backend's own, the tag never reaches the client, and a client
 * cannot forge one.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ChannelsTest {

    private final Closer closer = new Closer();
    private final EventLog events = new EventLog();

    @AfterEach
    void stop() throws Exception {
        closer.close();
    }

    private static String idOf(BackendConnection connection) {
        return connection.upgrade().header(Channels.CONNECTION_ID_HEADER);
    }

    @Test
    void aPublishReachesTheTaggedClientsOnly_andTheTagNeverReachesTheClient() throws Exception {
        EchoBackend rooms = closer.add(EchoBackend.start("rooms"));
        rooms.headerOn101(Channels.CHANNELS_HEADER, "room:7, user:42");
        EchoBackend lobby = closer.add(EchoBackend.start("lobby"));
        LoadBalancerProxy proxy = closer.add(LoadBalancerProxy.handler("/", Balancers.roundRobin(events, rooms.backend(), lobby.backend()).build()));
        RawWebSocketConnection tagged = closer.add(RawWebSocketConnection.open(proxy.port()));
        RawHttpResponse answer = tagged.upgrade("/chat");
        assertThat(answer.status()).isEqualTo(101);
        assertThat(answer.header(Channels.CHANNELS_HEADER)).as("the tag is for the balancer only").isNull();
        WsClient client = closer.add(WsClient.start());
        ClientSocket other = client.connect(proxy.uri("/chat"));
        Channels channels = proxy.balancer().channels();

        int queued = channels.publish("room:7", ChannelMessage.text("hello room 7"));

        assertThat(queued).isEqualTo(1);
        assertThat(new String(tagged.readMessage().payload(), UTF_8)).isEqualTo("hello room 7");
        assertThat(other.echo("only my echo")).as("an untagged client gets nothing").isEqualTo("only my echo");
        String id = idOf(rooms.connections().get(0));
        assertThat(channels.channelsOf(id)).containsExactlyInAnyOrder("room:7", "user:42");
        assertThat(channels.subscribers("room:7")).isEqualTo(1);
        assertThat(channels.publish("room:8", ChannelMessage.text("nobody"))).isZero();
    }

    @Test
    void headersAClientForges_areRemovedBeforeTheBackend() throws Exception {
        EchoBackend backend = closer.add(EchoBackend.start("a"));
        LoadBalancerProxy proxy = closer.add(LoadBalancerProxy.handler("/", Balancers.roundRobin(events, backend.backend()).build()));
        RawWebSocketConnection raw = closer.add(RawWebSocketConnection.open(proxy.port()));

        assertThat(raw.upgrade("/", "Wslb-Channels: admin:all", "Wslb-Connection-Id: forged-1").status()).isEqualTo(101);

        BackendConnection.Upgrade seen = backend.connections().get(0).upgrade();
        assertThat(seen.headers(Channels.CHANNELS_HEADER)).isEmpty();
        assertThat(seen.headers(Channels.CONNECTION_ID_HEADER)).singleElement().isNotEqualTo("forged-1");
        assertThat(proxy.balancer().channels().subscribers("admin:all")).isZero();
    }

    @Test
    void subscribeByIdLater_andUnsubscribe_unknownIdsAndBadNamesAreErrors() throws Exception {
        EchoBackend backend = closer.add(EchoBackend.start("a"));
        LoadBalancerProxy proxy = closer.add(LoadBalancerProxy.handler("/", Balancers.roundRobin(events, backend.backend()).build()));
        WsClient client = closer.add(WsClient.start());
        ClientSocket socket = client.connect(proxy.uri("/"));
        String id = idOf(backend.connections().get(0));
        Channels channels = proxy.balancer().channels();
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(channels.channelsOf(id)).isEmpty());

        channels.subscribe(id, List.of("news", "team/ops"));
        channels.publish("team/ops", ChannelMessage.text("paged"));
        assertThat(socket.nextText()).isEqualTo("paged");
        channels.unsubscribe(id, List.of("team/ops"));
        assertThat(channels.publish("team/ops", ChannelMessage.text("again"))).isZero();
        assertThat(channels.channelsOf(id)).containsExactly("news");

        assertThatThrownBy(() -> channels.subscribe("nobody-1", List.of("news"))).isInstanceOf(NoSuchElementException.class)
            .hasMessageContaining("nobody-1");
        assertThatThrownBy(() -> channels.subscribe(id, List.of("two words"))).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("letters, digits");
        assertThatThrownBy(() -> channels.subscribe(id, List.of("x".repeat(129)))).hasMessageContaining("1 to 128");
        assertThat(channels.channelsOf(id)).as("a refused subscribe adds nothing").containsExactly("news");

        socket.close(1000, "bye");
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
            assertThatThrownBy(() -> channels.channelsOf(id)).isInstanceOf(NoSuchElementException.class));
        assertThat(channels.subscribers("news")).as("an ended connection leaves its channels").isZero();
    }

    @Test
    void anInjectedMessage_neverSplitsAFragmentedBackendMessage() throws Exception {
        CountDownLatch firstHalfSent = new CountDownLatch(1);
        CountDownLatch published = new CountDownLatch(1);
        ScriptedBackend backend = closer.add(ScriptedBackend.start(path -> peer -> {
            peer.answer101(Channels.CHANNELS_HEADER + ": ticker");
            peer.sendFrame(false, Frame.TEXT, "first half, ".getBytes(UTF_8));
            firstHalfSent.countDown();
            try {
                published.await(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            peer.sendFrame(false, Frame.CONTINUATION, "second half, ".getBytes(UTF_8));
            peer.sendFrame(true, Frame.CONTINUATION, "end".getBytes(UTF_8));
            peer.sendFrame(true, Frame.TEXT, "after".getBytes(UTF_8));
            peer.readToEnd();
        }));
        LoadBalancerProxy proxy = closer.add(LoadBalancerProxy.handler("/", Balancers.roundRobin(events, Backend.of("s", backend.uri())).build()));
        RawWebSocketConnection raw = closer.add(RawWebSocketConnection.open(proxy.port()));
        assertThat(raw.upgrade("/").status()).isEqualTo(101);
        Frame first = raw.read();
        assertThat(first.fin()).isFalse();
        assertThat(firstHalfSent.await(5, TimeUnit.SECONDS)).isTrue();

        assertThat(proxy.balancer().channels().publish("ticker", ChannelMessage.text("injected"))).isEqualTo(1);
        published.countDown();

        Frame second = raw.read();
        Frame third = raw.read();
        assertThat(second.opcode()).as("the fragmented message goes on, uninterrupted").isEqualTo(Frame.CONTINUATION);
        assertThat(third.opcode()).isEqualTo(Frame.CONTINUATION);
        assertThat(third.fin()).isTrue();
        // Then the injected message, whole, at the first boundary between messages the relay is at: before or after
        // the backend's next message, depending on whether that one arrived in the same read.
        List<String> rest = List.of(new String(raw.readMessage().payload(), UTF_8), new String(raw.readMessage().payload(), UTF_8));
        assertThat(rest).containsExactlyInAnyOrder("injected", "after");
    }

    @Test
    void withPermessageDeflate_theInjectedMessageIsUncompressed_andTheClientStillInflatesTheBackends() throws Exception {
        EchoBackend backend = closer.add(EchoBackend.start("a"));
        backend.headerOn101(Channels.CHANNELS_HEADER, "news");
        LoadBalancerProxy proxy = closer.add(LoadBalancerProxy.handler("/", Balancers.roundRobin(events, backend.backend()).build()));
        WsClient client = closer.add(WsClient.start());
        ClientUpgradeRequest request = new ClientUpgradeRequest(proxy.uri("/"));
        request.addExtensions("permessage-deflate");
        ClientSocket socket = client.connect(request);
        assertThat(socket.session().getUpgradeResponse().getExtensions()).extracting(ExtensionConfig::getName)
            .contains("permessage-deflate");
        String compressible = "abcabcabc ".repeat(5_000);

        for (int i = 0; i < 3; i++) {
            assertThat(socket.echo(compressible + i)).isEqualTo(compressible + i);
            proxy.balancer().channels().publish("news", ChannelMessage.text("news " + i));
            assertThat(socket.nextText()).isEqualTo("news " + i);
        }
        assertThat(socket.echo("still inflating")).isEqualTo("still inflating");
    }

    @Test
    void aClientThatNeverReads_costsABoundedQueue_andTheDropsAreCounted() throws Exception {
        EchoBackend backend = closer.add(EchoBackend.start("a"));
        backend.headerOn101(Channels.CHANNELS_HEADER, "firehose");
        LoadBalancerProxy proxy = closer.add(LoadBalancerProxy.handler("/", Balancers.roundRobin(events, backend.backend()).build()));
        RawWebSocketConnection stuck = closer.add(RawWebSocketConnection.open(proxy.port()));
        assertThat(stuck.upgrade("/").status()).isEqualTo(101);
        WsClient client = closer.add(WsClient.start());
        ClientSocket reader = client.connect(proxy.uri("/"));
        Channels channels = proxy.balancer().channels();
        byte[] kilobytes = new byte[16 * 1024];

        for (int i = 0; i < 5_000; i++) {
            channels.publish("firehose", ChannelMessage.binary(kilobytes));
        }

        // 80 MB were published to a client that reads nothing: the balancer keeps its queue of 64 messages and what the
        // socket's buffers took, and drops the rest (counted) instead of holding the 80 MB.
        long dropped = LoadBalancerRuntime.of(proxy.balancer()).channels().droppedMessages();
        assertThat(dropped).as("what neither the queue nor the sockets took").isGreaterThan(5_000 - 64 - 1_000);
        assertThat(reader.echo("others unaffected")).isEqualTo("others unaffected");
        assertThat(channels.subscribers("firehose")).isEqualTo(2);
        assertThat(channels.publish("firehose", ChannelMessage.text("still subscribed"))).isEqualTo(2);
    }
}
