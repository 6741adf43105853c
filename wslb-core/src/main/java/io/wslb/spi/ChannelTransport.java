package io.wslb.spi;

/**
 * Carries publications to every balancer instance (this one included), such as Redis Pub/Sub: attached to a
 * {@link ChannelHub}, it takes every publication made through the hub's {@link io.wslb.Channels} API, and hands
 * what it receives to {@link ChannelHub#deliver}. While it cannot carry a publication it says so, and the hub
 * delivers it to this instance's connections itself: an outage costs the other instances, never the local ones.
 *
 * <pre>{@code
 * ChannelHub hub = LoadBalancerRuntime.of(lb).channels();
 * hub.attach(publication -> {
 *     hub.deliver(publication);   // a transport of one instance: straight back
 *     return true;
 * });
 * }</pre>
 */
@FunctionalInterface
public interface ChannelTransport {

    /**
     * Sends a publication to every instance, without blocking.
     *
     * @param publication what to send
     * @return true if it was handed on (it will come back to this instance's {@link ChannelHub#deliver}); false if
     *     the transport cannot now, and the hub delivers it locally instead
     */
    boolean send(Publication publication);

    /**
     * Sends a change of a connection's channels to every instance, where the one that holds the connection applies
     * it ({@link ChannelHub#apply}); the hub calls it for an id that another instance made.
     *
     * @param change what to change
     * @return true if it was handed on; false (the default) if this transport carries no changes, or cannot now
     */
    default boolean sendChange(SubscriptionChange change) {
        return false;
    }
}
