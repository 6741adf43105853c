package io.wslb.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.wslb.ChannelMessage;
import io.wslb.Channels;
import io.wslb.LiveBackend;
import io.wslb.RoutingContext;
import io.wslb.jetty.testing.ClientSocket;
import io.wslb.jetty.testing.Closer;
import io.wslb.jetty.testing.EchoBackend;
import io.wslb.jetty.testing.WsClient;
import io.wslb.spi.LoadBalancerRuntime;
import io.wslb.strategies.BalancingStrategies;
import io.wslb.testing.RedisServerExtension;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Broadcast between balancer instances over one real redis-server, with real Jetty balancers, backends and
 * WebSocket clients: a publication on one instance, or a {@code PUBLISH} by any Redis client, reaches the subscribed
 * clients of every instance once; while Redis is down a publication still reaches the clients of the instance it was
 * made on, and once Redis is back every instance's again; what is not a publication wslb can deliver is dropped
 * without stopping the next.
 *
 * <p>Each instance routes {@code /rooms} to the backend {@code rooms}, which tags its connections {@code room:7}, and
 * {@code /lobby} to the backend {@code lobby}, which tags them {@code lobby}; each test connects one client of each to
 * each instance. Messages published from one instance come back to it through Redis in the order they were
 * published, so a marker published last proves that nothing came twice or went astray before it.
 */
@Timeout(120)
@SuppressWarnings("try") // WsClient.close() may throw InterruptedException, as Jetty's stop() does
class RedisBroadcastTest {

    @RegisterExtension
    static final RedisServerExtension REDIS = new RedisServerExtension();

    private static final Duration PATIENCE = Duration.ofSeconds(15);
    /** Quick to notice an outage and a return, so that the test does not wait long. */
    private static final UnaryOperator<RedisLink.Builder> QUICK_LINK = b -> b.timeout(Duration.ofMillis(300)).probeInterval(Duration.ofMillis(100));

    private final Closer closer = new Closer();
    private EchoBackend rooms;
    private EchoBackend lobby;
    private WsClient client;

    /** The clients of one instance: one on room:7, one on lobby. */
    private record Clients(ClientSocket room, ClientSocket lobby) {}

    @BeforeEach
    void backends() throws Exception {
        rooms = closer.add(EchoBackend.start("rooms"));
        rooms.headerOn101(Channels.CHANNELS_HEADER, "room:7");
        lobby = closer.add(EchoBackend.start("lobby"));
        lobby.headerOn101(Channels.CHANNELS_HEADER, "lobby");
        client = closer.add(WsClient.start());
    }

    @AfterEach
    void closeAll() throws Exception {
        closer.close();
    }

    @Test
    void aPublishOnOneInstance_reachesTheChannelsClientsOnEveryInstance_onceEach_textAndBinary_andNoOtherClient() throws Exception {
        BalancerInstance a = instance("lb-a", "bc-channel:");
        BalancerInstance b = instance("lb-b", "bc-channel:");
        Clients onA = connect(a);
        Clients onB = connect(b);

        assertThat(a.balancer.channels().publish("room:7", ChannelMessage.text("hello room 7"))).as("A's own subscribers").isEqualTo(1);
        a.balancer.channels().publish("room:7", ChannelMessage.binary(new byte[] {0, (byte) 0xFF, 7}));
        a.balancer.channels().publish("room:7", ChannelMessage.text("end of room 7"));
        a.balancer.channels().publish("room:7", ChannelMessage.binary(new byte[] {42}));
        a.balancer.channels().publish("lobby", ChannelMessage.text("lobby only"));

        for (Clients clients : List.of(onA, onB)) {
            assertThat(clients.room().nextText()).isEqualTo("hello room 7");
            assertThat(clients.room().nextText()).as("once: the next text is the next publication").isEqualTo("end of room 7");
            assertThat(clients.room().nextBinary()).containsExactly(0, 0xFF, 7);
            assertThat(clients.room().nextBinary()).as("once").containsExactly(42);
            assertThat(clients.lobby().nextText()).as("nothing of room:7 before the lobby's own").isEqualTo("lobby only");
            assertThat(clients.room().echo("still mine")).as("and nothing of the lobby's").isEqualTo("still mine");
        }
        assertThat(status(a)).containsEntry("subscribed", true).containsEntry("published", 5L).containsEntry("localOnly", 0L);
        await().atMost(PATIENCE).untilAsserted(() -> assertThat(status(b)).containsEntry("received", 5L).containsEntry("published", 0L));
    }

    @Test
    void publishToBackend_andPublishToAll_reachEveryInstance() throws Exception {
        BalancerInstance a = instance("lb-a", "bc-targets:");
        BalancerInstance b = instance("lb-b", "bc-targets:");
        Clients onA = connect(a);
        Clients onB = connect(b);

        assertThat(a.balancer.channels().publishToBackend("rooms", ChannelMessage.text("to the rooms backend"))).isEqualTo(1);
        assertThat(a.balancer.channels().publishToAll(ChannelMessage.text("to all"))).isEqualTo(2);
        a.balancer.channels().publishToAll(ChannelMessage.binary(new byte[] {1, 2}));

        for (Clients clients : List.of(onA, onB)) {
            assertThat(clients.room().nextText()).isEqualTo("to the rooms backend");
            assertThat(clients.room().nextText()).isEqualTo("to all");
            assertThat(clients.lobby().nextText()).as("the lobby backend's clients did not get the rooms backend's").isEqualTo("to all");
            assertThat(clients.room().nextBinary()).containsExactly(1, 2);
            assertThat(clients.lobby().nextBinary()).containsExactly(1, 2);
        }
    }

    @Test
    void anExternalPublish_reachesTheClientsOfEveryInstance_textAsIs_andBytesUnderBin() throws Exception {
        BalancerInstance a = instance("lb-a", "bc-external:");
        BalancerInstance b = instance("lb-b", "bc-external:");
        Clients onA = connect(a);
        Clients onB = connect(b);
        byte[] notUtf8 = {(byte) 0xC3, 0x28, 0, (byte) 0xFF};

        // A raw RESP client, as redis-cli: the message is the text, nothing around it.
        assertThat(REDIS.server().command("PUBLISH", "bc-external:ch:room:7", "hello")).as("receivers: A and B").isEqualTo("2");
        REDIS.server().command("PUBLISH", "bc-external:backend:lobby", "to the lobby backend");
        REDIS.server().command("PUBLISH", "bc-external:all", "to all");
        // Lettuce, as any program: bytes that are no text, on the binary side.
        RedisClient lettuce = RedisClient.create(REDIS.uri().toString());
        try (StatefulRedisConnection<byte[], byte[]> raw = lettuce.connect(ByteArrayCodec.INSTANCE)) {
            raw.sync().publish("bc-external:bin:ch:room:7".getBytes(StandardCharsets.UTF_8), notUtf8);
        } finally {
            lettuce.shutdown();
        }

        for (Clients clients : List.of(onA, onB)) {
            assertThat(clients.room().nextText()).isEqualTo("hello");
            assertThat(clients.room().nextText()).isEqualTo("to all");
            assertThat(clients.room().nextBinary()).containsExactly(notUtf8);
            assertThat(clients.lobby().nextText()).isEqualTo("to the lobby backend");
            assertThat(clients.lobby().nextText()).isEqualTo("to all");
        }
    }

    @Test
    void aSubscriptionChangeForAConnectionOfAnotherInstance_reachesIt_fromTheApiOrAnyRedisClient() throws Exception {
        BalancerInstance a = instance("lb-a", "bc-control:");
        BalancerInstance b = instance("lb-b", "bc-control:");
        connect(a);
        Clients onB = connect(b);
        String idOnB = lobby.connections().get(lobby.connections().size() - 1).upgrade().header(Channels.CONNECTION_ID_HEADER);
        assertThat(b.balancer.channels().channelsOf(idOnB)).containsExactly("lobby");

        a.balancer.channels().subscribe(idOnB, List.of("news"));

        await("instance B applied A's change").atMost(PATIENCE).until(() -> b.balancer.channels().channelsOf(idOnB).contains("news"));
        a.balancer.channels().publish("news", ChannelMessage.text("for news readers"));
        assertThat(onB.lobby().nextText()).isEqualTo("for news readers");

        REDIS.server().command("PUBLISH", "bc-control:control", "unsubscribe " + idOnB + " news,lobby");
        await("instance B applied the external change").atMost(PATIENCE).until(() -> b.balancer.channels().channelsOf(idOnB).isEmpty());
        assertThatThrownBy(() -> a.balancer.channels().subscribe(LoadBalancerRuntime.of(a.balancer).channels().nextConnectionId(),
            List.of("news"))).as("an id of A's own that A does not hold").isInstanceOf(NoSuchElementException.class);
    }

    @Test
    void redisDown_aPublishReachesThisInstancesClients_andNothingFails_redisBack_everyInstanceAgain() throws Exception {
        BalancerInstance a = instance("lb-a", "bc-outage:");
        BalancerInstance b = instance("lb-b", "bc-outage:");
        Clients onA = connect(a);
        Clients onB = connect(b);

        REDIS.server().stop();
        // At once, before A noticed: the PUBLISH fails (or is not sent), and A's client gets it all the same.
        assertThat(a.balancer.channels().publish("room:7", ChannelMessage.text("just after the stop"))).isEqualTo(1);
        assertThat(onA.room().nextText()).isEqualTo("just after the stop");
        await("A degraded").atMost(PATIENCE).until(() -> !a.link.state().isUp());
        assertThat(a.balancer.channels().publish("room:7", ChannelMessage.text("during the outage"))).isEqualTo(1);
        assertThat(a.balancer.channels().publishToAll(ChannelMessage.text("all, during the outage"))).isEqualTo(2);
        assertThat(onA.room().nextText()).isEqualTo("during the outage");
        assertThat(onA.room().nextText()).isEqualTo("all, during the outage");
        assertThat(onA.lobby().nextText()).isEqualTo("all, during the outage");
        assertThat(status(a)).containsEntry("subscribed", false);
        long aside = (Long) status(a).get("localOnly") + (Long) status(a).get("publishFailed");
        assertThat(aside).as("publications that reached A's clients only").isEqualTo(3);

        REDIS.server().restart();
        await("both subscribed again").atMost(PATIENCE).until(() -> subscribed(a) && subscribed(b));
        a.balancer.channels().publish("room:7", ChannelMessage.text("after the outage"));
        a.balancer.channels().publishToAll(ChannelMessage.text("all, after the outage"));

        assertThat(onA.room().nextText()).as("once, not once more from Redis").isEqualTo("after the outage");
        assertThat(onB.room().nextText()).as("B's client missed what was published on A during the outage, and only that")
            .isEqualTo("after the outage");
        for (Clients clients : List.of(onA, onB)) {
            assertThat(clients.room().nextText()).isEqualTo("all, after the outage");
            assertThat(clients.lobby().nextText()).isEqualTo("all, after the outage");
        }
        // And the other way: what B publishes reaches A's clients again.
        b.balancer.channels().publishToAll(ChannelMessage.text("from B"));
        for (Clients clients : List.of(onA, onB)) {
            assertThat(clients.room().nextText()).isEqualTo("from B");
            assertThat(clients.lobby().nextText()).isEqualTo("from B");
        }
    }

    @Test
    void redisFrozen_aPublishSentBeforeTheLinkNoticed_timesOut_andStillReachesThisInstancesClients_once() throws Exception {
        // Probes far apart: the link learns of the freeze from the PUBLISH's timeout, most likely before a probe
        // checks the Pub/Sub connection, which would then live through the freeze if the broadcast did not close it.
        BalancerInstance a = instance("lb-a", "bc-frozen:", b -> b.timeout(Duration.ofMillis(300)).probeInterval(Duration.ofSeconds(5)));
        Clients onA = connect(a);

        try (LogCapture log = new LogCapture()) {
            REDIS.server().freeze();
            // The link is up and subscribed until a command goes unanswered for 300 ms: this PUBLISH is sent, and fails.
            assertThat(a.balancer.channels().publish("room:7", ChannelMessage.text("sent into a frozen Redis"))).isEqualTo(1);
            assertThat(onA.room().nextText()).as("delivered here when the PUBLISH failed").isEqualTo("sent into a frozen Redis");
            assertThat(status(a)).containsEntry("published", 1L).containsEntry("publishFailed", 1L).containsEntry("localOnly", 0L);
            assertThat(log.lines("WARN", "RedisBroadcast", "did not reach Redis")).hasSize(1);
        }
        REDIS.server().thaw();
        await("subscribed again").atMost(PATIENCE).until(() -> subscribed(a));
        a.balancer.channels().publish("room:7", ChannelMessage.text("after the thaw"));
        // Redis ran the frozen PUBLISH when thawed, before any subscription made since.
        assertThat(onA.room().nextText()).as("the frozen PUBLISH, run after the thaw, did not come back").isEqualTo("after the thaw");
    }

    @Test
    void whatIsNoPublication_isDroppedWithOneWarning_andTheNextGoodOneIsDelivered() throws Exception {
        BalancerInstance a = instance("lb-a", "bc-malformed:");
        Clients onA = connect(a);

        try (LogCapture log = new LogCapture()) {
            REDIS.server().command("PUBLISH", "bc-malformed:ch:room 7!", "a bad channel name");
            REDIS.server().command("PUBLISH", "bc-malformed:ch:" + "r".repeat(Channels.MAX_NAME_LENGTH + 1), "a name too long");
            REDIS.server().command("PUBLISH", "bc-malformed:backend:", "no backend");
            REDIS.server().command("PUBLISH", "bc-malformed:bin:nothing", "no target");
            REDIS.server().command("PUBLISH", "bc-malformed:ch:room:7", "x".repeat(ChannelMessage.MAX_BYTES + 1));
            RedisClient lettuce = RedisClient.create(REDIS.uri().toString());
            try (StatefulRedisConnection<byte[], byte[]> raw = lettuce.connect(ByteArrayCodec.INSTANCE)) {
                raw.sync().publish("bc-malformed:ch:room:7".getBytes(StandardCharsets.UTF_8), new byte[] {'n', 'o', (byte) 0xC3, 0x28});
            } finally {
                lettuce.shutdown();
            }
            REDIS.server().command("PUBLISH", "bc-malformed:ch:room:7", "good");

            assertThat(onA.room().nextText()).as("the first message that reached the client").isEqualTo("good");
            assertThat(onA.lobby().echo("unaffected")).isEqualTo("unaffected");
            assertThat(status(a)).containsEntry("dropped", 6L).containsEntry("received", 1L);
            assertThat(log.lines("WARN", "RedisBroadcast", "dropped a message")).as("one warning, not six").hasSize(1)
                .allMatch(line -> line.contains("room 7!"));
        }
        assertThat(a.link.state().isUp()).isTrue();
    }

    @Test
    void aPrefixWithGlobCharacters_matchesOnlyItself() throws Exception {
        BalancerInstance a = instance("lb-a", "bc[*]:");
        Clients onA = connect(a);

        assertThat(REDIS.server().command("PUBLISH", "bcX:ch:room:7", "another prefix")).isEqualTo("0");
        assertThat(REDIS.server().command("PUBLISH", "bc*:ch:room:7", "another prefix")).isEqualTo("0");
        assertThat(REDIS.server().command("PUBLISH", "bc[*]:ch:room:7", "mine")).isEqualTo("1");

        assertThat(onA.room().nextText()).isEqualTo("mine");
    }

    @Test
    void leavingTheCluster_unsubscribes_endsTheDeliveryThread_andPublicationsAreLocalAgain() throws Exception {
        BalancerInstance a = instance("lb-a", "bc-close:");
        Clients onA = connect(a);
        assertThat(REDIS.server().command("PUBLISH", "bc-close:ch:room:7", "while joined")).isEqualTo("1");
        assertThat(onA.room().nextText()).isEqualTo("while joined");

        a.cluster.close();

        await("unsubscribed").atMost(PATIENCE).until(() -> "0".equals(REDIS.server().command("PUBLISH", "bc-close:ch:room:7", "after")));
        await("the delivery thread ended").atMost(PATIENCE).until(() -> Thread.getAllStackTraces().keySet().stream()
            .noneMatch(t -> t.getName().equals("wslb-redis-broadcast") && t.isAlive()));
        assertThat(a.balancer.channels().publish("room:7", ChannelMessage.text("local again"))).isEqualTo(1);
        assertThat(onA.room().nextText()).isEqualTo("local again");
    }

    /** An instance that routes {@code /<backend id>} to that backend. */
    private BalancerInstance instance(String id, String prefix) throws Exception {
        return instance(id, prefix, QUICK_LINK);
    }

    private BalancerInstance instance(String id, String prefix, UnaryOperator<RedisLink.Builder> linkSettings) throws Exception {
        return closer.add(BalancerInstance.start(id, REDIS.uri(), prefix, List.of(rooms.backend(), lobby.backend()),
            BalancingStrategies.lowestScore((LiveBackend backend, RoutingContext context) ->
                context.request().path().endsWith("/" + backend.id()) ? 0 : 1),
            linkSettings, c -> c));
    }

    /** Connects one client of each channel through the instance, and waits until it subscribed them and Redis. */
    private Clients connect(BalancerInstance instance) throws Exception {
        Clients clients = new Clients(client.connect(instance.proxy.uri("/rooms")), client.connect(instance.proxy.uri("/lobby")));
        Channels channels = instance.balancer.channels();
        await(instance.id + " registered its clients and subscribed").atMost(PATIENCE)
            .until(() -> channels.subscribers("room:7") == 1 && channels.subscribers("lobby") == 1 && subscribed(instance));
        return clients;
    }

    private static boolean subscribed(BalancerInstance instance) {
        return Boolean.TRUE.equals(status(instance).get("subscribed"));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> status(BalancerInstance instance) {
        return (Map<String, Object>) instance.cluster.status().get("broadcast");
    }
}
