package io.wslb.jetty.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.wslb.Channels;
import io.wslb.WebSocketLoadBalancer;
import io.wslb.jetty.testing.Balancers;
import io.wslb.jetty.testing.ClientSocket;
import io.wslb.jetty.testing.Closer;
import io.wslb.jetty.testing.EchoBackend;
import io.wslb.jetty.testing.EventLog;
import io.wslb.jetty.testing.LoadBalancerProxy;
import io.wslb.jetty.testing.WsClient;
import io.wslb.spi.ChannelHub;
import io.wslb.spi.ChannelTransport;
import io.wslb.spi.LoadBalancerRuntime;
import io.wslb.spi.Publication;
import io.wslb.spi.SubscriptionChange;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The channel endpoints of the admin API, under its token: publish to a channel, a backend's connections or all;
 * a channel's subscribers; a connection's channels, changed by id. Bad names and bodies are 400, unknown ids 404.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ChannelEndpointsTest {

    private static final String TOKEN = "s3cret-T0ken";

    private final Closer closer = new Closer();
    private EchoBackend rooms;
    private EchoBackend lobby;
    private AdminServer admin;
    private WebSocketLoadBalancer balancer;
    private ClientSocket inRoom;
    private ClientSocket inLobby;

    @BeforeEach
    void start() throws Exception {
        rooms = closer.add(EchoBackend.start("rooms"));
        rooms.headerOn101(Channels.CHANNELS_HEADER, "room:7");
        lobby = closer.add(EchoBackend.start("lobby"));
        balancer = Balancers.roundRobin(new EventLog(), rooms.backend(), lobby.backend()).build();
        LoadBalancerProxy proxy = closer.add(LoadBalancerProxy.handler("/", balancer));
        admin = closer.add(AdminServer.start(balancer, b -> b.bearerToken(TOKEN), ""));
        WsClient client = closer.add(WsClient.start());
        ClientSocket first = client.connect(proxy.uri("/"));
        ClientSocket second = client.connect(proxy.uri("/"));
        assertThat(first.echo("probe-1")).isEqualTo("probe-1");
        assertThat(second.echo("probe-2")).isEqualTo("probe-2");
        boolean firstInRoom = rooms.connections().get(0).texts().contains("probe-1");
        inRoom = firstInRoom ? first : second;
        inLobby = firstInRoom ? second : first;
    }

    @AfterEach
    void stop() throws Exception {
        closer.close();
    }

    @Test
    void publishToAChannel_reachesItsSubscribers_andNeedsTheToken() throws Exception {
        assertThat(admin.post("/channels/room:7/messages", "{\"text\":\"hello room 7\"}").status()).isEqualTo(401);
        admin.withToken(TOKEN);

        AdminServer.Answer published = admin.post("/channels/room:7/messages", "{\"text\":\"hello room 7\"}");

        assertThat(published.status()).isEqualTo(202);
        assertThat(published.json()).containsEntry("target", "channel").containsEntry("name", "room:7");
        assertThat(((Number) published.json().get("localConnections")).intValue()).isEqualTo(1);
        assertThat(inRoom.nextText()).isEqualTo("hello room 7");
        assertThat(inLobby.echo("nothing for me")).isEqualTo("nothing for me");
        assertThat(((Number) admin.get("/channels/room:7").json().get("subscribers")).intValue()).isEqualTo(1);
    }

    @Test
    void publishToABackend_andToAll_binaryAsBase64() throws Exception {
        admin.withToken(TOKEN);

        assertThat(admin.post("/backends/lobby/messages", "{\"text\":\"lobby only\"}").status()).isEqualTo(202);
        assertThat(inLobby.nextText()).isEqualTo("lobby only");
        String bytes = Base64.getEncoder().encodeToString(new byte[] {1, 2, 3});
        assertThat(admin.post("/messages", "{\"binary\":\"" + bytes + "\"}").status()).isEqualTo(202);

        assertThat(inRoom.nextBinary()).containsExactly(1, 2, 3);
        assertThat(inLobby.nextBinary()).containsExactly(1, 2, 3);
        assertThat(admin.post("/backends/nobody/messages", "{\"text\":\"x\"}").status()).isEqualTo(404);
    }

    @Test
    void aConnectionsChannels_areListedAndChangedByItsId() throws Exception {
        admin.withToken(TOKEN);
        String id = lobby.connections().get(0).upgrade().header(Channels.CONNECTION_ID_HEADER);

        AdminServer.Answer changed = admin.post("/connections/" + id + "/channels", "{\"subscribe\":\"news, team/ops\"}");

        assertThat(changed.status()).isEqualTo(200);
        assertThat(changed.json().get("channels")).isEqualTo(List.of("news", "team/ops"));
        assertThat(admin.post("/channels/team/ops/messages", "{\"text\":\"paged\"}").status()).isEqualTo(202);
        assertThat(inLobby.nextText()).isEqualTo("paged");
        admin.post("/connections/" + id + "/channels", "{\"unsubscribe\":\"team/ops\"}");
        assertThat(admin.get("/connections/" + id).json().get("channels")).isEqualTo(List.of("news"));
    }

    @Test
    void badNamesAndBodies_are400_unknownConnections404() throws Exception {
        admin.withToken(TOKEN);

        assertThat(admin.post("/channels/bad%20name/messages", "{\"text\":\"x\"}").status()).isEqualTo(400);
        assertThat(admin.post("/channels/room:7/messages", "{}").error()).contains("exactly one of");
        assertThat(admin.post("/channels/room:7/messages", "{\"text\":\"a\",\"binary\":\"AQ==\"}").status()).isEqualTo(400);
        assertThat(admin.post("/channels/room:7/messages", "{\"binary\":\"not base64!\"}").error()).contains("base64");
        assertThat(admin.post("/channels/room:7/messages", "{\"html\":\"x\"}").status()).isEqualTo(400);
        assertThat(admin.post("/connections/nobody-1/channels", "{\"subscribe\":\"news\"}").status()).isEqualTo(404);
        assertThat(admin.get("/connections/nobody-1").status()).isEqualTo(404);
        String id = rooms.connections().get(0).upgrade().header(Channels.CONNECTION_ID_HEADER);
        assertThat(admin.post("/connections/" + id + "/channels", "{\"subscribe\":\"ok,not ok\"}").status()).isEqualTo(400);
        assertThat(admin.get("/connections/" + id).json().get("channels")).as("nothing added").isEqualTo(List.of("room:7"));
        assertThat(admin.get("/channels/room:7/messages").status()).isEqualTo(405);
    }

    @Test
    void aChangeForAnotherInstancesConnection_isForwardedThroughTheTransport_202() throws Exception {
        admin.withToken(TOKEN);
        List<SubscriptionChange> sent = new CopyOnWriteArrayList<>();
        LoadBalancerRuntime.of(balancer).channels().attach(new ChannelTransport() {
            @Override
            public boolean send(Publication publication) {
                return false;
            }

            @Override
            public boolean sendChange(SubscriptionChange change) {
                return sent.add(change);
            }
        });
        String elsewhere = new ChannelHub().nextConnectionId();

        AdminServer.Answer answer = admin.post("/connections/" + elsewhere + "/channels", "{\"subscribe\":\"news\"}");

        assertThat(answer.status()).isEqualTo(202);
        assertThat(answer.json()).containsEntry("forwarded", true);
        assertThat(sent).singleElement().satisfies(change -> assertThat(change.subscribe()).containsExactly("news"));
    }
}
