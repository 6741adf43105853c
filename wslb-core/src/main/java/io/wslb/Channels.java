package io.wslb;

import io.wslb.internal.ChannelNames;
import java.util.Collection;
import java.util.NoSuchElementException;
import java.util.Set;

/**
 * Broadcast through the balancer: a backend tags a connection with channels (the {@value #CHANNELS_HEADER} header of
 * its 101, or {@link #subscribe} later with the connection's id, which it received in the
 * {@value #CONNECTION_ID_HEADER} request header), and a message published to a channel reaches every client
 * connection subscribed to it as one whole WebSocket message, injected between two whole messages of its backend.
 * Delivery is at most once: each connection has a bounded queue, and a client too slow to take its messages loses
 * the oldest. The balancer's {@link WebSocketLoadBalancer#channels()}:
 *
 * <pre>{@code
 * Channels channels = lb.channels();
 * int queued = channels.publish("room:7", ChannelMessage.text("{\"from\":\"ops\",\"text\":\"hello room 7\"}"));
 * channels.publishToBackend("chat-2", ChannelMessage.text("chat-2 restarts in 5 minutes"));
 * }</pre>
 */
public interface Channels {

    /** The response header of a backend's 101 naming the connection's channels, comma-separated; never relayed. */
    String CHANNELS_HEADER = "Wslb-Channels";
    /** The request header that tells a backend the connection's id; one a client sends is removed. */
    String CONNECTION_ID_HEADER = "Wslb-Connection-Id";
    /** The longest channel name. */
    int MAX_NAME_LENGTH = 128;
    /** The most channels one connection may be subscribed to. */
    int MAX_CHANNELS_PER_CONNECTION = 64;

    /**
     * Checks a channel name: 1 to {@value #MAX_NAME_LENGTH} characters among letters, digits and {@code . _ - : @ /}
     * (so that names travel in headers, URL paths and Redis keys as they are).
     *
     * @param name a channel name
     * @return the name
     * @throws IllegalArgumentException naming what is wrong
     */
    static String checkName(String name) {
        return ChannelNames.check(name);
    }

    /**
     * Publishes to the clients subscribed to a channel: on every instance when the balancer's channels have a
     * transport between instances (Redis), else on this one.
     *
     * @param channel a valid channel name
     * @param message what to deliver
     * @return how many of this instance's connections it is for (0 when none is subscribed here)
     */
    int publish(String channel, ChannelMessage message);

    /**
     * @param message what to deliver to every proxied connection (of every instance, with a transport)
     * @return how many of this instance's connections it is for
     */
    int publishToAll(ChannelMessage message);

    /**
     * @param backendId a backend's id
     * @param message what to deliver to every connection of that backend (on every instance, with a transport)
     * @return how many of this instance's connections it is for
     */
    int publishToBackend(String backendId, ChannelMessage message);

    /**
     * @param connectionId a connection's id, as its backend received it; with a transport between instances, an id
     *     another instance made is sent to it
     * @param channels valid channel names to add
     * @throws NoSuchElementException for an id of no open connection (of this instance's ids, with a transport)
     * @throws IllegalArgumentException for an invalid name, or past {@value #MAX_CHANNELS_PER_CONNECTION} channels
     */
    void subscribe(String connectionId, Collection<String> channels);

    /**
     * @param connectionId a connection's id; with a transport, an id another instance made is sent to it
     * @param channels channel names to remove (those it is not subscribed to are ignored)
     * @throws NoSuchElementException for an id of no open connection (of this instance's ids, with a transport)
     */
    void unsubscribe(String connectionId, Collection<String> channels);

    /**
     * @param connectionId a connection's id
     * @return its channels, a snapshot
     * @throws NoSuchElementException for an id of no open connection
     */
    Set<String> channelsOf(String connectionId);

    /**
     * @param channel a channel name
     * @return how many connections of this instance are subscribed to it
     */
    int subscribers(String channel);
}
