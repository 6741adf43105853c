package io.wslb.spi;

import static java.util.Objects.requireNonNull;

import io.wslb.ChannelMessage;
import io.wslb.Channels;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;

/**
 * The channels of one balancer ({@link io.wslb.WebSocketLoadBalancer#channels()}): which connection is subscribed to
 * what, and the fan-out of a published message to their queues. An adapter {@link #register registers} each proxied
 * connection with the channels its backend named and {@link #unregister unregisters} it when it ends.
 *
 * <pre>{@code
 * ChannelHub hub = LoadBalancerRuntime.of(lb).channels();
 * String id = hub.nextConnectionId();                    // sent to the backend in Wslb-Connection-Id
 * ChannelSubscriber subscriber = new ChannelSubscriber() {
 *     public String connectionId() { return id; }
 *     public String backendId() { return "chat-1"; }
 *     public void deliver(ChannelMessage message) { }    // queue it for the client
 * };
 * hub.register(subscriber, List.of("room:7"));           // once the backend's 101 named room:7
 * // ... when the connection ends:
 * hub.unregister(subscriber);
 * }</pre>
 */
public final class ChannelHub implements Channels {

    /** A connection's channels; guarded by itself. */
    private record Entry(ChannelSubscriber subscriber, Set<String> channels) {}

    private final ConcurrentHashMap<String, Entry> byId = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Set<ChannelSubscriber>> byChannel = new ConcurrentHashMap<>();
    private final String idPrefix;
    private final AtomicLong ids = new AtomicLong();
    private final LongAdder published = new LongAdder();
    private final LongAdder queued = new LongAdder();
    private final LongAdder dropped = new LongAdder();
    private final LongAdder delivered = new LongAdder();
    private volatile @Nullable ChannelTransport transport;

    /** A hub whose connection ids start with a random prefix, so that the ids of two instances never meet. */
    public ChannelHub() {
        this.idPrefix = Long.toString(ThreadLocalRandom.current().nextLong(1L << 40, 1L << 41), 36);
    }

    /** @return a new connection id: this hub's prefix, a dash and a sequence number */
    public String nextConnectionId() {
        return idPrefix + "-" + ids.incrementAndGet();
    }

    /**
     * @param subscriber a connection that starts now
     * @param channels the channels its backend named (invalid names are the caller's to drop before)
     * @throws IllegalStateException if its id is registered already
     */
    public void register(ChannelSubscriber subscriber, Collection<String> channels) {
        requireNonNull(subscriber, "subscriber");
        Entry entry = new Entry(subscriber, ConcurrentHashMap.newKeySet());
        if (byId.putIfAbsent(subscriber.connectionId(), entry) != null) {
            throw new IllegalStateException("connection id " + subscriber.connectionId() + " is registered already");
        }
        add(entry, channels);
    }

    /** @param subscriber a connection that ended; its channels are left (ignored if it was not registered) */
    public void unregister(ChannelSubscriber subscriber) {
        Entry entry = byId.remove(subscriber.connectionId());
        if (entry == null) {
            return;
        }
        synchronized (entry) {
            for (String channel : entry.channels()) {
                leave(channel, subscriber);
            }
            entry.channels().clear();
        }
    }

    /**
     * Sends every publication made through this hub's API by {@code transport} from now on (see
     * {@link ChannelTransport}); null detaches it, and publications are delivered locally again.
     *
     * @param transport the transport, or null
     */
    public void attach(@Nullable ChannelTransport transport) {
        this.transport = transport;
    }

    /**
     * Delivers a publication to this instance's connections: what a transport calls with what it received.
     *
     * @param publication what arrived
     * @return how many connections it was queued for
     */
    public int deliver(Publication publication) {
        ChannelMessage message = publication.message();
        return switch (publication.target()) {
            case CHANNEL -> {
                Set<ChannelSubscriber> subscribers = byChannel.get(publication.name());
                yield subscribers == null ? 0 : deliver(subscribers, message);
            }
            case BACKEND -> deliverWhere(message, publication.name());
            case ALL -> deliverWhere(message, null);
        };
    }

    /**
     * An adapter tells that a connection's queue was full and it dropped the oldest message.
     *
     * @param messages how many were dropped
     */
    public void dropped(long messages) {
        dropped.add(messages);
    }

    /**
     * An adapter tells that queued messages were handed to a client's socket.
     *
     * @param messages how many
     */
    public void delivered(long messages) {
        delivered.add(messages);
    }

    /** @return queued messages handed to their client's socket */
    public long deliveredMessages() {
        return delivered.sum();
    }

    /** @return messages published through this hub (one per call, whatever the subscribers) */
    public long publishedMessages() {
        return published.sum();
    }

    /** @return messages queued for connections (one per subscriber reached) */
    public long queuedMessages() {
        return queued.sum();
    }

    /** @return queued messages dropped because their client did not take them in time */
    public long droppedMessages() {
        return dropped.sum();
    }

    /** @return connections registered now */
    public int connections() {
        return byId.size();
    }

    @Override
    public int publish(String channel, ChannelMessage message) {
        return publish(new Publication(Publication.Target.CHANNEL, channel, message));
    }

    @Override
    public int publishToAll(ChannelMessage message) {
        return publish(new Publication(Publication.Target.ALL, "", message));
    }

    @Override
    public int publishToBackend(String backendId, ChannelMessage message) {
        return publish(new Publication(Publication.Target.BACKEND, backendId, message));
    }

    /**
     * Through the transport when one is attached and can take it (the message comes back to {@link #deliver}), else
     * straight to this instance's connections.
     *
     * @return this instance's connections it is for: queued now, or when the transport brings it back
     */
    private int publish(Publication publication) {
        published.increment();
        ChannelTransport via = transport;
        if (via != null && via.send(publication)) {
            return localCount(publication);
        }
        return deliver(publication);
    }

    private int localCount(Publication publication) {
        return switch (publication.target()) {
            case CHANNEL -> subscribers(publication.name());
            case BACKEND -> (int) byId.values().stream().filter(e -> e.subscriber().backendId().equals(publication.name())).count();
            case ALL -> byId.size();
        };
    }

    /** @return how many connections of the backend (all of them when null) the message was queued for */
    private int deliverWhere(ChannelMessage message, @Nullable String backendId) {
        int count = 0;
        for (Entry entry : byId.values()) {
            if (backendId == null || entry.subscriber().backendId().equals(backendId)) {
                entry.subscriber().deliver(message);
                count++;
            }
        }
        queued.add(count);
        return count;
    }

    /**
     * {@inheritDoc} An id another instance made goes, through the transport, to the instance that holds it.
     */
    @Override
    public void subscribe(String connectionId, Collection<String> channels) {
        Entry entry = byId.get(requireNonNull(connectionId, "connectionId"));
        if (entry == null) {
            forward(new SubscriptionChange(connectionId, List.copyOf(channels), List.of()));
            return;
        }
        add(entry, channels);
    }

    /**
     * {@inheritDoc} An id another instance made goes, through the transport, to the instance that holds it.
     */
    @Override
    public void unsubscribe(String connectionId, Collection<String> channels) {
        Entry entry = byId.get(requireNonNull(connectionId, "connectionId"));
        if (entry == null) {
            forward(new SubscriptionChange(connectionId, List.of(), List.copyOf(channels)));
            return;
        }
        remove(entry, channels);
    }

    /**
     * @param connectionId a connection's id
     * @return true if this hub holds the connection now
     */
    public boolean holds(String connectionId) {
        return byId.containsKey(connectionId);
    }

    /**
     * Applies a change that a transport brought, if this hub holds its connection; what no instance holds is dropped.
     *
     * @param change the change
     * @return true if this hub held the connection and applied it
     * @throws IllegalArgumentException past {@value Channels#MAX_CHANNELS_PER_CONNECTION} channels (nothing added)
     */
    public boolean apply(SubscriptionChange change) {
        Entry entry = byId.get(change.connectionId());
        if (entry == null) {
            return false;
        }
        add(entry, change.subscribe());
        remove(entry, change.unsubscribe());
        return true;
    }

    /** Hands a change of an id this hub did not make to the transport; an id of its own that it does not hold is unknown. */
    private void forward(SubscriptionChange change) {
        ChannelTransport via = transport;
        boolean ours = change.connectionId().startsWith(idPrefix + "-");
        if (ours || via == null || !via.sendChange(change)) {
            throw new NoSuchElementException("no open connection with id '" + change.connectionId() + "'"
                + (ours || via == null ? "" : " here, and the change could not be sent to the other instances"));
        }
    }

    private void remove(Entry entry, Collection<String> channels) {
        synchronized (entry) {
            for (String channel : channels) {
                if (entry.channels().remove(channel)) {
                    leave(channel, entry.subscriber());
                }
            }
        }
    }

    @Override
    public Set<String> channelsOf(String connectionId) {
        Entry entry = require(connectionId);
        synchronized (entry) {
            return Set.copyOf(entry.channels());
        }
    }

    @Override
    public int subscribers(String channel) {
        Set<ChannelSubscriber> subscribers = byChannel.get(channel);
        return subscribers == null ? 0 : subscribers.size();
    }

    private int deliver(Set<ChannelSubscriber> subscribers, ChannelMessage message) {
        int count = 0;
        for (ChannelSubscriber subscriber : subscribers) {
            subscriber.deliver(message);
            count++;
        }
        queued.add(count);
        return count;
    }

    private Entry require(String connectionId) {
        requireNonNull(connectionId, "connectionId");
        Entry entry = byId.get(connectionId);
        if (entry == null) {
            throw new NoSuchElementException("no open connection with id '" + connectionId + "'");
        }
        return entry;
    }

    /** Adds channels to a connection, all or none: every name is checked and the cap counted first. */
    private void add(Entry entry, Collection<String> channels) {
        List<String> names = new ArrayList<>(channels.size());
        for (String channel : channels) {
            names.add(Channels.checkName(channel));
        }
        synchronized (entry) {
            long fresh = names.stream().distinct().filter(n -> !entry.channels().contains(n)).count();
            if (entry.channels().size() + fresh > MAX_CHANNELS_PER_CONNECTION) {
                throw new IllegalArgumentException("a connection has at most " + MAX_CHANNELS_PER_CONNECTION
                    + " channels; " + entry.subscriber().connectionId() + " has " + entry.channels().size() + " and "
                    + fresh + " more were asked");
            }
            if (byId.get(entry.subscriber().connectionId()) != entry) {
                return; // it ended meanwhile
            }
            for (String channel : names) {
                if (entry.channels().add(channel)) {
                    // Inside compute, so that a last subscriber leaving at the same moment cannot drop the set after
                    // this one was added to it.
                    byChannel.compute(channel, (name, set) -> {
                        Set<ChannelSubscriber> members = set != null ? set : ConcurrentHashMap.newKeySet();
                        members.add(entry.subscriber());
                        return members;
                    });
                }
            }
        }
    }

    /** Removes a subscriber from a channel, and the channel once nobody is subscribed. */
    private void leave(String channel, ChannelSubscriber subscriber) {
        byChannel.computeIfPresent(channel, (name, set) -> {
            set.remove(subscriber);
            return set.isEmpty() ? null : set;
        });
    }

    @Override
    public String toString() {
        return "ChannelHub{" + byId.size() + " connections, " + byChannel.size() + " channels}";
    }
}
