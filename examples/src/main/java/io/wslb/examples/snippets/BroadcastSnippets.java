package io.wslb.examples.snippets;

import io.wslb.ChannelMessage;
import io.wslb.Channels;
import io.wslb.WebSocketLoadBalancer;

/**
 * The Java blocks of docs/broadcast.md, each the body of one method here, so that the build compiles them and a test
 * runs each against real backends. A region between {@code snippet-begin} and {@code snippet-end} is copied into the
 * page exactly, less its indentation.
 */
public final class BroadcastSnippets {

    private BroadcastSnippets() {
    }

    /**
     * Publishing from Java.
     *
     * @param lb a balancer with a backend chat-2
     * @return how many of this instance's connections the room's message is for
     */
    public static int publish(WebSocketLoadBalancer lb) {
        // snippet-begin docs/broadcast.md
        Channels channels = lb.channels();
        int here = channels.publish("room:7", ChannelMessage.text("{\"from\":\"ops\",\"text\":\"hello room 7\"}"));
        channels.publishToBackend("chat-2", ChannelMessage.text("chat-2 restarts in 5 minutes"));
        channels.publishToAll(ChannelMessage.binary(new byte[] {1, 2, 3}));
        // snippet-end
        return here;
    }
}
