package io.wslb.spi;

import io.wslb.ChannelMessage;

/**
 * A proxied connection as the {@link ChannelHub} sees it: what an adapter registers for each connection, so that
 * published messages reach its client.
 *
 * <pre>{@code
 * Queue<ChannelMessage> queue = new ConcurrentLinkedQueue<>();   // bounded in a real adapter
 * ChannelSubscriber subscriber = new ChannelSubscriber() {
 *     public String connectionId() { return "k3x9a-17"; }
 *     public String backendId() { return "chat-1"; }
 *     public void deliver(ChannelMessage message) { queue.offer(message); }   // never blocks
 * };
 * }</pre>
 */
public interface ChannelSubscriber {

    /** @return the connection's id, unique among this balancer's connections */
    String connectionId();

    /** @return the id of the connection's backend */
    String backendId();

    /**
     * Queues a message for the client; called on the publisher's thread, so it must not block. What a full queue
     * does (drop the oldest, close the connection) is the subscriber's policy.
     *
     * @param message what to deliver
     */
    void deliver(ChannelMessage message);
}
