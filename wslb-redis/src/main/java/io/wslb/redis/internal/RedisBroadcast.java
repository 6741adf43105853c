package io.wslb.redis.internal;

import static java.util.Objects.requireNonNull;

import io.lettuce.core.RedisFuture;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.output.IntegerOutput;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import io.wslb.ChannelMessage;
import io.wslb.Channels;
import io.wslb.Ticker;
import io.wslb.spi.ChannelHub;
import io.wslb.spi.ChannelTransport;
import io.wslb.spi.Publication;
import io.wslb.spi.SubscriptionChange;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries the publications of a balancer's channels to every instance over Redis Pub/Sub: attached to the balancer's
 * {@link ChannelHub} as its {@link ChannelTransport}, it {@code PUBLISH}es what the hub's API publishes, and hands
 * to the hub what arrives on the channels below, whoever published it, so that any process that can {@code PUBLISH}
 * reaches the clients of every instance.
 *
 * <p><b>Redis channels</b>, under the cluster's key prefix ({@code wslb:} by default):
 *
 * <table>
 * <caption>Redis channels and what a message on them is</caption>
 * <tr><th>Redis channel</th><th>reaches</th><th>message</th></tr>
 * <tr><td>{@code <prefix>ch:<channel>}</td><td>the connections subscribed to the channel</td><td>text</td></tr>
 * <tr><td>{@code <prefix>backend:<id>}</td><td>the connections of the backend</td><td>text</td></tr>
 * <tr><td>{@code <prefix>all}</td><td>every connection</td><td>text</td></tr>
 * <tr><td>{@code <prefix>bin:ch:<channel>}, {@code <prefix>bin:backend:<id>}, {@code <prefix>bin:all}</td>
 *     <td>the same</td><td>binary</td></tr>
 * </table>
 *
 * <p><b>Payload</b>: the message's bytes exactly as published, nothing added: a text message is its UTF-8, so
 * {@code redis-cli PUBLISH wslb:ch:room:7 hello} reaches room:7's clients as the text message {@code hello}; a
 * binary message is its bytes as they are. Whether a message is text or binary is in the channel's name (the
 * {@code bin:} part), not in the payload, so that a plain text {@code PUBLISH} needs no marker and no payload can be
 * mistaken for one. What arrives is dropped, with a WARN at most once a minute and counted in the status, if its
 * channel name fails {@link Channels#checkName}, if it is larger than {@link ChannelMessage#MAX_BYTES}, if a text
 * message is not valid UTF-8 (a WebSocket client would close on it), or if deliveries are
 * {@value #MAX_PENDING_BYTES} bytes behind.
 *
 * <p><b>Subscription</b>: five {@code PSUBSCRIBE} patterns, {@code <prefix>ch:*}, {@code <prefix>backend:*},
 * {@code <prefix>all}, {@code <prefix>bin:*} and the control channel {@code <prefix>control} (the prefix escaped), rather than a {@code SUBSCRIBE} per channel
 * that has subscribers here: the hub tells nobody when a channel gains or loses its last connection, and a
 * subscription made as a connection arrives would miss what is published before Redis confirms it. The cost is that
 * every instance receives every publication, including those for channels it has no subscriber of; Redis matches
 * each {@code PUBLISH} against five patterns. The link makes the subscriptions again after every loss of its
 * Pub/Sub connection (Redis restarted, say), so delivery between instances resumes by itself. Two clusters sharing
 * a Redis need prefixes neither of which starts with the other, or one receives the other's publications.
 *
 * <p><b>Delivery</b>, at most once, as Redis Pub/Sub: while the link is up and the patterns are subscribed,
 * {@link #send} publishes without waiting and the message comes back to this instance through the subscription like
 * to any other, delivered once. Otherwise (Redis down, or the subscription not yet made again) {@link #send} says
 * no and the hub delivers to this instance's clients only: an outage costs the other instances, never this one. A
 * {@code PUBLISH} that fails once sent is delivered here in its failure callback, logged (once a minute at most) and
 * counted. Without an answer Redis may still run it later (frozen, then thawed), so the link then makes its Pub/Sub
 * connection again, which is not sent what was published before; one race is left: Redis ran the {@code PUBLISH}
 * and sent the message to this instance, but its answer came later than the timeout, and this instance's clients get
 * the message twice. Received messages are delivered in the order they arrived, one at a time, on a thread of the
 * broadcast's own ({@value #THREAD_NAME}), neither on Lettuce's I/O thread, which also reads the admin actions, nor on
 * the link's threads, which run its probes and the counts' heartbeats: a delivery wakes the relay of every connection
 * it is for, which writes to the client on the delivering thread (measured: 15 to 55 ms for one 1 KiB message to
 * 1,000 connections of one instance, on two shared cores).
 *
 * <pre>{@code
 * RedisBroadcast broadcast = RedisBroadcast.start(link, LoadBalancerRuntime.of(balancer).channels(), "wslb:");
 * Map<String, Object> status = broadcast.status();   // for the admin API's status
 * broadcast.close();                                  // before the link: publications are local again
 * }</pre>
 */
public final class RedisBroadcast implements ChannelTransport, AutoCloseable {

    /** Under the prefix: a channel's messages. */
    static final String CHANNEL = "ch:";
    /** Under the prefix: a backend's connections'. */
    static final String BACKEND = "backend:";
    /** Under the prefix: everyone's. */
    static final String ALL = "all";
    /** Under the prefix, before one of the others: the message is binary. */
    static final String BINARY = "bin:";
    /**
     * The Redis channel of changes to a connection's channels, under the prefix: text {@code subscribe <id> a,b} or
     * {@code unsubscribe <id> a,b}; the instance that holds the connection applies it, the others ignore it.
     */
    static final String CONTROL = "control";
    /**
     * How far deliveries may fall behind what arrives, in bytes (each message's payload and {@value #PENDING_OVERHEAD}
     * more), before arrivals are dropped: a bound on memory should delivering ever be slower than Redis sends (about
     * thirty-two of the largest messages).
     */
    static final long MAX_PENDING_BYTES = 32L * ChannelMessage.MAX_BYTES;
    /** What a message waiting for delivery costs besides its payload, against {@link #MAX_PENDING_BYTES}. */
    static final int PENDING_OVERHEAD = 256;
    /** The name of the thread that delivers what arrives. */
    static final String THREAD_NAME = "wslb-redis-broadcast";

    private static final Logger LOG = LoggerFactory.getLogger(RedisBroadcast.class);

    private final LettuceLink link;
    private final ChannelHub hub;
    private final String prefix;
    private final List<String> patterns;
    private final ExecutorService delivery;
    private final RateLimitedWarnings sendWarnings = new RateLimitedWarnings(LOG, Ticker.system());
    private final RateLimitedWarnings receiveWarnings = new RateLimitedWarnings(LOG, Ticker.system());
    private final AtomicLong pendingBytes = new AtomicLong();
    private final LongAdder published = new LongAdder();
    private final LongAdder publishFailed = new LongAdder();
    private final LongAdder localOnly = new LongAdder();
    private final LongAdder received = new LongAdder();
    private final LongAdder dropped = new LongAdder();
    private volatile boolean closed;

    private RedisBroadcast(LettuceLink link, ChannelHub hub, String prefix) {
        this.link = link;
        this.hub = hub;
        this.prefix = prefix;
        String escaped = escapeGlob(prefix);
        this.patterns = List.of(escaped + CHANNEL + "*", escaped + BACKEND + "*", escaped + ALL, escaped + BINARY + "*",
            escaped + CONTROL);
        this.delivery = Executors.newSingleThreadExecutor(task -> {
            Thread thread = new Thread(task, THREAD_NAME);
            thread.setDaemon(true);
            return thread;
        });
    }

    /**
     * Subscribes (now, or once the link is up) and attaches to the hub; returns at once.
     *
     * @param link the instance's link to Redis
     * @param hub the channels of the instance's balancer
     * @param keyPrefix the prefix of the Redis channels, such as {@code wslb:}
     * @return the running broadcast
     */
    public static RedisBroadcast start(LettuceLink link, ChannelHub hub, String keyPrefix) {
        requireNonNull(link, "link");
        requireNonNull(hub, "hub");
        requireNonNull(keyPrefix, "keyPrefix");
        RedisBroadcast broadcast = new RedisBroadcast(link, hub, keyPrefix);
        LettuceLink.PatternSubscriber receiver = new LettuceLink.PatternSubscriber() {
            @Override
            public void subscribed() {
                // Nothing to read again: what was published meanwhile is lost, as Pub/Sub loses it.
            }

            @Override
            public void message(String channel, byte[] message) {
                broadcast.arrived(channel, message);
            }
        };
        for (String pattern : broadcast.patterns) {
            link.psubscribe(pattern, receiver);
        }
        hub.attach(broadcast);
        return broadcast;
    }

    /** {@return the Redis channel a publication travels on} */
    String channelOf(Publication publication) {
        String type = publication.message().isText() ? "" : BINARY;
        return prefix + type + switch (publication.target()) {
            case CHANNEL -> CHANNEL + publication.name();
            case BACKEND -> BACKEND + publication.name();
            case ALL -> ALL;
        };
    }

    /** {@return whether every pattern is subscribed now, so that what this instance publishes comes back to it} */
    public boolean isSubscribed() {
        for (String pattern : patterns) {
            if (!link.isPatternSubscribed(pattern)) {
                return false;
            }
        }
        return true;
    }

    @Override
    public boolean send(Publication publication) {
        RedisAsyncCommands<String, String> redis = closed || !link.isUp() || !isSubscribed() ? null : link.commands();
        if (redis == null) {
            localOnly.increment();
            return false;
        }
        ByteBuffer payload = publication.message().payload();
        byte[] bytes = new byte[payload.remaining()];
        payload.get(bytes);
        RedisFuture<Long> sent;
        try {
            // PUBLISH through dispatch, because the link's connection has a text codec and a binary message must go
            // as its bytes; a text message's bytes are its UTF-8 already.
            sent = redis.dispatch(CommandType.PUBLISH, new IntegerOutput<>(StringCodec.UTF8),
                new CommandArgs<>(StringCodec.UTF8).addKey(channelOf(publication)).add(bytes));
        } catch (RuntimeException e) {
            // The connection went away between the check and the call: this instance's clients still get it.
            localOnly.increment();
            return false;
        }
        published.increment();
        sent.whenComplete((receivers, failure) -> {
            if (failure != null) {
                failed(publication, failure);
            }
        });
        return true;
    }

    @Override
    public boolean sendChange(SubscriptionChange change) {
        RedisAsyncCommands<String, String> redis = closed || !link.isUp() || !isSubscribed() ? null : link.commands();
        if (redis == null) {
            return false;
        }
        try {
            if (!change.subscribe().isEmpty()) {
                control(redis, "subscribe " + change.connectionId() + " " + String.join(",", change.subscribe()));
            }
            if (!change.unsubscribe().isEmpty()) {
                control(redis, "unsubscribe " + change.connectionId() + " " + String.join(",", change.unsubscribe()));
            }
        } catch (RuntimeException e) {
            return false;
        }
        return true;
    }

    private void control(RedisAsyncCommands<String, String> redis, String line) {
        redis.publish(prefix + CONTROL, line).whenComplete((receivers, failure) -> {
            if (failure != null) {
                sendWarnings.other("a change of a connection's channels did not reach Redis at " + link.uri() + " ("
                    + LettuceLink.unwrap(failure) + "): " + BackendRecord.abbreviate(line));
            }
        });
    }

    /**
     * Applies a change of a connection's channels that arrived on the control channel, if this instance holds the
     * connection.
     */
    private void applyControl(byte[] message) {
        String line;
        try {
            line = utf8(message);
        } catch (IllegalArgumentException e) {
            drop(prefix + CONTROL, String.valueOf(e.getMessage()));
            return;
        }
        String[] parts = line.trim().split(" ", -1);
        if (parts.length != 3 || !(parts[0].equals("subscribe") || parts[0].equals("unsubscribe"))) {
            drop(prefix + CONTROL, "a change is 'subscribe <id> <channel>,...' or 'unsubscribe <id> <channel>,...'");
            return;
        }
        List<String> names = new ArrayList<>();
        for (String name : parts[2].split(",", -1)) {
            if (!name.isBlank()) {
                names.add(name.trim());
            }
        }
        try {
            SubscriptionChange change = parts[0].equals("subscribe") ? new SubscriptionChange(parts[1], names, List.of())
                : new SubscriptionChange(parts[1], List.of(), names);
            received.increment();
            hub.apply(change);
        } catch (IllegalArgumentException e) {
            drop(prefix + CONTROL, String.valueOf(e.getMessage()));
        }
    }

    /**
     * A PUBLISH sent and then failed: this instance's clients get it all the same, and the link learns of an outage.
     * Without an answer, Redis may yet run the PUBLISH (a frozen server, thawed): the Pub/Sub connection is made again
     * so that the message cannot come back through it on top of this delivery.
     */
    private void failed(Publication publication, Throwable failure) {
        publishFailed.increment();
        if (LettuceLink.isOutage(failure)) {
            link.resetPubSub();
            link.commandFailed(failure);
        }
        sendWarnings.other("a publication to " + describe(publication) + " did not reach Redis at " + link.uri() + " ("
            + LettuceLink.unwrap(failure) + "); it went to this instance's clients only");
        try {
            delivery.execute(() -> deliverHere(publication));
        } catch (RejectedExecutionException closing) {
            deliverHere(publication); // closed meanwhile: rare enough to do here
        }
    }

    /** On Lettuce's I/O thread: queued for the delivery thread, unless deliveries are too far behind. */
    private void arrived(String channel, byte[] message) {
        if (closed) {
            return;
        }
        long cost = message.length + PENDING_OVERHEAD;
        long behind = pendingBytes.addAndGet(cost);
        if (behind > MAX_PENDING_BYTES && behind != cost) {
            pendingBytes.addAndGet(-cost);
            drop(channel, "deliveries are " + (behind - cost) + " bytes behind what arrives");
            return;
        }
        try {
            delivery.execute(() -> {
                try {
                    deliver(channel, message);
                } finally {
                    pendingBytes.addAndGet(-cost);
                }
            });
        } catch (RejectedExecutionException closing) {
            pendingBytes.addAndGet(-cost);
        }
    }

    private void deliver(String channel, byte[] message) {
        if (closed) {
            return;
        }
        if (channel.equals(prefix + CONTROL)) {
            applyControl(message);
            return;
        }
        Publication publication;
        try {
            publication = decode(channel, message);
        } catch (IllegalArgumentException e) {
            drop(channel, String.valueOf(e.getMessage()));
            return;
        }
        received.increment();
        deliverHere(publication);
    }

    /** Never throws: the delivery thread goes on with the next message whatever happened to this one. */
    private void deliverHere(Publication publication) {
        try {
            hub.deliver(publication);
        } catch (RuntimeException e) {
            receiveWarnings.other("delivering a publication to " + describe(publication) + " failed: " + e);
        }
    }

    /**
     * @param channel the Redis channel it arrived on, which matched one of the patterns
     * @param message its payload
     * @return the publication
     * @throws IllegalArgumentException if the channel names no valid target, the message is too large, or a text
     *     message is not UTF-8
     */
    Publication decode(String channel, byte[] message) {
        if (!channel.startsWith(prefix)) {
            throw new IllegalArgumentException("not under the prefix " + prefix);
        }
        if (message.length > ChannelMessage.MAX_BYTES) {
            throw new IllegalArgumentException("a channel message is at most " + ChannelMessage.MAX_BYTES + " bytes, got " + message.length);
        }
        String rest = channel.substring(prefix.length());
        boolean binary = rest.startsWith(BINARY);
        if (binary) {
            rest = rest.substring(BINARY.length());
        }
        ChannelMessage content = binary ? ChannelMessage.binary(message) : ChannelMessage.text(utf8(message));
        if (rest.startsWith(CHANNEL)) {
            return new Publication(Publication.Target.CHANNEL, Channels.checkName(rest.substring(CHANNEL.length())), content);
        }
        if (rest.startsWith(BACKEND)) {
            // An id of no backend here reaches nobody; the publication's own check refuses an empty one.
            return new Publication(Publication.Target.BACKEND, rest.substring(BACKEND.length()), content);
        }
        if (rest.equals(ALL)) {
            return new Publication(Publication.Target.ALL, "", content);
        }
        throw new IllegalArgumentException("the channel names no target: " + CHANNEL + "<channel>, " + BACKEND + "<id> or " + ALL);
    }

    /** Strictly: a text message a client would refuse is dropped here rather than sent with replacement characters. */
    private static String utf8(byte[] message) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .decode(ByteBuffer.wrap(message))
                .toString();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("a text message must be UTF-8 (binary goes under " + BINARY + ")", e);
        }
    }

    private void drop(String channel, String why) {
        dropped.increment();
        receiveWarnings.other("dropped a message on Redis channel " + BackendRecord.abbreviate(channel) + ": " + why);
    }

    /**
     * {@return for the admin status: whether the patterns are subscribed (what this instance publishes reaches the
     * others), publications sent to Redis, those whose {@code PUBLISH} failed (delivered here only), those made while
     * Redis or the subscription was down (delivered here only), messages received from Redis and delivered, and those
     * dropped}
     */
    public Map<String, Object> status() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("subscribed", link.isUp() && isSubscribed());
        out.put("published", published.sum());
        out.put("publishFailed", publishFailed.sum());
        out.put("localOnly", localOnly.sum());
        out.put("received", received.sum());
        out.put("dropped", dropped.sum());
        return out;
    }

    /**
     * Detaches from the hub (its publications are local again), unsubscribes, and ends the delivery thread once the
     * deliveries of failed publications queued before are done. The link stays open.
     */
    @Override
    public void close() {
        closed = true;
        hub.attach(null);
        for (String pattern : patterns) {
            link.punsubscribe(pattern);
        }
        delivery.shutdown();
    }

    @Override
    public String toString() {
        return "RedisBroadcast(" + prefix + ", " + (isSubscribed() ? "subscribed" : "not subscribed") + ")";
    }

    private static String describe(Publication publication) {
        return switch (publication.target()) {
            case CHANNEL -> "channel " + publication.name();
            case BACKEND -> "backend " + publication.name() + "'s connections";
            case ALL -> "every connection";
        };
    }

    /** {@return the text as a glob pattern that matches only itself: Redis's special characters escaped} */
    static String escapeGlob(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') {
                out.append('\\');
            }
            out.append(c);
        }
        return out.toString();
    }
}
