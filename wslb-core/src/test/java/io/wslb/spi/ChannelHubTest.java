package io.wslb.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wslb.ChannelMessage;
import io.wslb.Channels;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Who gets a published message, and the rules of subscriptions: valid names, a cap, all or nothing, no leftovers. */
class ChannelHubTest {

    private final ChannelHub hub = new ChannelHub();

    /** A connection that records what it was handed. */
    private record Recorder(String connectionId, String backendId, List<String> got) implements ChannelSubscriber {
        Recorder(String connectionId, String backendId) {
            this(connectionId, backendId, new CopyOnWriteArrayList<>());
        }

        @Override
        public void deliver(ChannelMessage message) {
            ByteBuffer payload = message.payload();
            byte[] bytes = new byte[payload.remaining()];
            payload.get(bytes);
            got.add(new String(bytes, StandardCharsets.UTF_8));
        }
    }

    @Test
    void aPublishReachesTheChannelsSubscribers_theBackendsConnections_orEveryone() {
        Recorder a = new Recorder(hub.nextConnectionId(), "chat-1");
        Recorder b = new Recorder(hub.nextConnectionId(), "chat-2");
        hub.register(a, List.of("room:7"));
        hub.register(b, List.of("room:8"));

        assertThat(hub.publish("room:7", ChannelMessage.text("to 7"))).isEqualTo(1);
        assertThat(hub.publishToBackend("chat-2", ChannelMessage.text("to chat-2"))).isEqualTo(1);
        assertThat(hub.publishToAll(ChannelMessage.text("to all"))).isEqualTo(2);

        assertThat(a.got()).containsExactly("to 7", "to all");
        assertThat(b.got()).containsExactly("to chat-2", "to all");
        assertThat(hub.publishedMessages()).isEqualTo(3);
        assertThat(hub.queuedMessages()).isEqualTo(4);
    }

    @Test
    void connectionIds_areUniqueAndCarryTheHubsPrefix() {
        String first = hub.nextConnectionId();
        String second = hub.nextConnectionId();
        assertThat(first).isNotEqualTo(second);
        assertThat(first.substring(0, first.indexOf('-'))).isEqualTo(second.substring(0, second.indexOf('-')))
            .isNotEqualTo(new ChannelHub().nextConnectionId().split("-")[0]);
    }

    @Test
    void aSubscribeWithOneBadName_orPastTheCap_addsNothing() {
        Recorder a = new Recorder(hub.nextConnectionId(), "chat-1");
        hub.register(a, List.of("one"));
        assertThatThrownBy(() -> hub.subscribe(a.connectionId(), List.of("two", "bad name"))).isInstanceOf(IllegalArgumentException.class);
        List<String> many = new ArrayList<>(IntStream.range(0, Channels.MAX_CHANNELS_PER_CONNECTION).mapToObj(i -> "c" + i).toList());
        assertThatThrownBy(() -> hub.subscribe(a.connectionId(), many)).hasMessageContaining("at most 64");
        assertThat(hub.channelsOf(a.connectionId())).containsExactly("one");
        assertThat(hub.subscribers("two")).isZero();
    }

    @Test
    void channelNames_areCheckedForLengthAndCharacters() {
        assertThat(Channels.checkName("room:7/a.b_c-d@e")).isEqualTo("room:7/a.b_c-d@e");
        assertThatThrownBy(() -> Channels.checkName("")).hasMessageContaining("1 to 128");
        assertThatThrownBy(() -> Channels.checkName("a,b")).hasMessageContaining("'a,b'");
        assertThatThrownBy(() -> Channels.checkName("new\nline")).hasMessageContaining("\\u000a");
        assertThatThrownBy(() -> hub.publish("a b", ChannelMessage.text("x"))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void anUnregisteredConnection_leavesNoChannelBehind_andItsIdIsUnknown() {
        Recorder a = new Recorder(hub.nextConnectionId(), "chat-1");
        hub.register(a, List.of("room:7", "user:1"));

        hub.unregister(a);

        assertThat(hub.subscribers("room:7")).isZero();
        assertThat(hub.connections()).isZero();
        assertThat(hub.publish("room:7", ChannelMessage.text("gone"))).isZero();
        assertThatThrownBy(() -> hub.channelsOf(a.connectionId())).isInstanceOf(NoSuchElementException.class);
        assertThatThrownBy(() -> hub.unsubscribe(a.connectionId(), List.of("room:7"))).isInstanceOf(NoSuchElementException.class);
        assertThat(a.got()).isEmpty();
    }

    @Test
    void messagesOverTheLimit_areRefused() {
        assertThatThrownBy(() -> ChannelMessage.binary(new byte[ChannelMessage.MAX_BYTES + 1])).hasMessageContaining("at most");
        assertThat(ChannelMessage.binary(new byte[] {1}).isText()).isFalse();
    }

    @Test
    void withATransport_publicationsGoThroughIt_andComeBackToDeliver_whileOneThatCannotLeavesThemLocal() {
        Recorder a = new Recorder(hub.nextConnectionId(), "chat-1");
        hub.register(a, List.of("room:7"));
        List<Publication> carried = new CopyOnWriteArrayList<>();
        boolean[] up = {true};
        hub.attach(publication -> up[0] && carried.add(publication));

        assertThat(hub.publish("room:7", ChannelMessage.text("via transport"))).as("this instance's subscribers").isEqualTo(1);
        assertThat(a.got()).as("not delivered until the transport brings it back").isEmpty();
        assertThat(carried).singleElement().satisfies(p -> {
            assertThat(p.target()).isEqualTo(Publication.Target.CHANNEL);
            assertThat(p.name()).isEqualTo("room:7");
        });
        assertThat(hub.deliver(carried.get(0))).isEqualTo(1);
        assertThat(a.got()).containsExactly("via transport");

        up[0] = false;
        hub.publishToBackend("chat-1", ChannelMessage.text("transport down"));
        assertThat(a.got()).as("delivered locally while the transport cannot").containsExactly("via transport", "transport down");
        assertThatThrownBy(() -> new Publication(Publication.Target.ALL, "x", ChannelMessage.text("y")))
            .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aChangeForAnotherInstancesId_goesThroughTheTransport_andTheHolderApplies_whileAnUnknownIdOfOursIsAnError() {
        ChannelHub other = new ChannelHub();
        Recorder there = new Recorder(other.nextConnectionId(), "chat-1");
        other.register(there, List.of("lobby"));
        List<SubscriptionChange> carried = new CopyOnWriteArrayList<>();
        hub.attach(new ChannelTransport() {
            @Override
            public boolean send(Publication publication) {
                return false;
            }

            @Override
            public boolean sendChange(SubscriptionChange change) {
                return carried.add(change);
            }
        });

        hub.subscribe(there.connectionId(), List.of("news"));
        hub.unsubscribe(there.connectionId(), List.of("lobby"));

        assertThat(carried).hasSize(2);
        assertThat(hub.apply(carried.get(0))).as("not held here").isFalse();
        assertThat(other.apply(carried.get(0))).isTrue();
        assertThat(other.apply(carried.get(1))).isTrue();
        assertThat(other.channelsOf(there.connectionId())).containsExactly("news");
        String ours = hub.nextConnectionId();
        assertThatThrownBy(() -> hub.subscribe(ours, List.of("news"))).isInstanceOf(NoSuchElementException.class);
        assertThatThrownBy(() -> hub.subscribe(there.connectionId(), List.of("bad name"))).isInstanceOf(IllegalArgumentException.class);
        assertThat(carried).as("nothing sent for an error").hasSize(2);
    }
}
