package io.wslb.redis.internal;

import static java.util.Objects.requireNonNull;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import io.wslb.redis.RedisLink;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link RedisLink} on Lettuce: one {@link RedisClient} with resources of its own, one connection, and the
 * UP/DEGRADED state that everything sharing it reads before it sends a command; and, once something
 * {@linkplain #subscribe subscribes}, a second connection for Pub/Sub.
 */
public final class LettuceLink implements RedisLink {

    // Named after the public type, so that users configure the link's logging by the name they know.
    private static final Logger LOG = LoggerFactory.getLogger(RedisLink.class);
    private static final long REFUSED_WARN_INTERVAL_NANOS = TimeUnit.MINUTES.toNanos(1);
    /**
     * Channel names as text, messages as the bytes published: a broadcast may carry binary, which a text codec would
     * mangle. The admin's messages are decoded as UTF-8 (invalid bytes replaced, as the text codec would).
     */
    private static final RedisCodec<String, byte[]> PUB_SUB_CODEC = RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE);

    /**
     * Told of the messages of one channel, and of each time its subscription is made (again). Pub/Sub is
     * at-most-once: what is published while the subscription is not in place is lost, so a subscriber that must not
     * miss anything reads the state it follows after each {@link #subscribed()}.
     */
    public interface Subscriber {

        /** The subscription is in place (first, or again after its connection was lost); on the link's threads. */
        void subscribed();

        /** @param message a message published on the channel; on Lettuce's I/O thread, so it must not block */
        void message(String message);
    }

    /**
     * Told of the messages of every channel matching a pattern ({@code PSUBSCRIBE}), as bytes, and of each time the
     * subscription is made (again); at most once, like {@link Subscriber}.
     */
    public interface PatternSubscriber {

        /** The pattern's subscription is in place (first, or again after its connection was lost); on the link's threads. */
        void subscribed();

        /**
         * @param channel the channel the message was published on
         * @param message its bytes, as published; on Lettuce's I/O thread, so it must not block
         */
        void message(String channel, byte[] message);
    }

    /** The Pub/Sub connection and the channels and patterns subscribed on it. */
    private static final class PubSub {
        final StatefulRedisPubSubConnection<String, byte[]> connection;
        final Set<String> channels = ConcurrentHashMap.newKeySet();
        final Set<String> patterns = ConcurrentHashMap.newKeySet();

        PubSub(StatefulRedisPubSubConnection<String, byte[]> connection) {
            this.connection = connection;
        }
    }

    private final URI displayUri;
    private final RedisURI redisUri;
    private final ClientResources resources;
    private final RedisClient client;
    private final ScheduledExecutorService executor;
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private final AtomicBoolean probing = new AtomicBoolean();
    private final AtomicReference<@Nullable StatefulRedisConnection<String, String>> connection = new AtomicReference<>();
    private final Object lock = new Object();
    private final Map<String, Subscriber> subscribers = new ConcurrentHashMap<>();
    private final Map<String, PatternSubscriber> patternSubscribers = new ConcurrentHashMap<>();
    // A second connection, because one in subscribed mode takes no other command and Lettuce keeps subscriptions on a
    // connection type of their own; the probe keeps it up like the first, as silently, so an outage is still two lines.
    private final AtomicReference<@Nullable PubSub> pubSub = new AtomicReference<>();
    private final AtomicBoolean pubSubBusy = new AtomicBoolean();
    private volatile boolean pubSubAgain;
    private volatile long lastRefusedSubscribe = System.nanoTime() - REFUSED_WARN_INTERVAL_NANOS;

    private volatile State state;
    private volatile boolean closed;
    private boolean outageLogged;
    private long downSinceNanos;

    private LettuceLink(URI uri, Duration timeout, Duration probeInterval) {
        this.displayUri = display(uri);
        this.redisUri = RedisURI.create(uri);
        redisUri.setTimeout(timeout);
        this.resources = ClientResources.create();
        this.client = RedisClient.create(resources, redisUri);
        client.setOptions(ClientOptions.builder()
            // The link reconnects by itself, once per probe interval, because Lettuce's reconnects log every failed
            // attempt and keep a connection that may be half-open, where the link replaces one whose PING fails.
            .autoReconnect(false)
            // Commands fail at once while disconnected instead of queueing until Redis returns.
            .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
            .timeoutOptions(TimeoutOptions.enabled(timeout))
            .socketOptions(SocketOptions.builder().connectTimeout(timeout).keepAlive(true).build())
            .build());
        this.executor = resources.eventExecutorGroup();
        this.state = new State(Status.DEGRADED, Instant.now(), "not connected yet");
        this.downSinceNanos = System.nanoTime();
        client.addListener(new RedisConnectionStateListener() {
            @Override
            public void onRedisDisconnected(RedisChannelHandler<?, ?> handler) {
                StatefulRedisConnection<String, String> current = connection.get();
                if (!closed && current == handler) {
                    drop(current);
                    markDown("connection lost");
                }
                PubSub subscribed = pubSub.get();
                if (!closed && subscribed != null && subscribed.connection == handler) {
                    // Made again by the next probe once Redis answers; the link's own connection tells of the outage.
                    dropPubSub(subscribed);
                }
            }
        });
        executor.scheduleWithFixedDelay(this::probe, probeInterval.toNanos(), probeInterval.toNanos(), TimeUnit.NANOSECONDS);
    }

    /**
     * @param uri a checked Redis URI
     * @param timeout command and connect timeout
     * @param probeInterval PING and connect period
     * @return a link connecting in the background
     */
    public static LettuceLink start(URI uri, Duration timeout, Duration probeInterval) {
        LettuceLink link = new LettuceLink(uri, timeout, probeInterval);
        link.executor.execute(link::probe);
        return link;
    }

    /** {@return the URI without its user information, fit for logs and messages} */
    public static URI display(URI uri) {
        try {
            return new URI(uri.getScheme(), null, uri.getHost(), uri.getPort(), uri.getPath(), null, null);
        } catch (URISyntaxException e) {
            return URI.create(String.valueOf(uri.getScheme()) + "://" + uri.getHost());
        }
    }

    @Override
    public State state() {
        return state;
    }

    @Override
    public URI uri() {
        return displayUri;
    }

    @Override
    public void addListener(Listener listener) {
        listeners.add(requireNonNull(listener, "listener"));
    }

    @Override
    public void removeListener(Listener listener) {
        listeners.remove(listener);
    }

    /** {@return whether commands may be sent: the link is up and connected} */
    public boolean isUp() {
        return state.status() == Status.UP && connection.get() != null;
    }

    /** {@return the asynchronous commands of the one connection, or null before it is made} */
    public @Nullable RedisAsyncCommands<String, String> commands() {
        StatefulRedisConnection<String, String> c = connection.get();
        return c == null ? null : c.async();
    }

    /**
     * Subscribes to {@code channel}, now if the link is up, else as soon as it is, and again after every loss of the
     * Pub/Sub connection; {@link Subscriber#subscribed()} tells each time the subscription is in place.
     *
     * @param channel the channel
     * @param subscriber told of its messages; one per channel
     * @throws IllegalStateException if the channel has a subscriber already
     */
    public void subscribe(String channel, Subscriber subscriber) {
        requireNonNull(channel, "channel");
        requireNonNull(subscriber, "subscriber");
        if (subscribers.putIfAbsent(channel, subscriber) != null) {
            throw new IllegalStateException("channel " + channel + " has a subscriber already");
        }
        executor.execute(this::keepPubSub);
    }

    /** @param channel a channel subscribed before; harmless if it was not */
    public void unsubscribe(String channel) {
        subscribers.remove(channel);
        PubSub current = pubSub.get();
        if (current != null && current.channels.remove(channel)) {
            current.connection.async().unsubscribe(channel);
        }
    }

    /** {@return whether {@code channel}'s subscription is in place now} */
    public boolean isSubscribed(String channel) {
        PubSub current = pubSub.get();
        return current != null && current.channels.contains(channel);
    }

    /**
     * Subscribes to the channels matching {@code pattern} ({@code PSUBSCRIBE}, glob-style), now if the link is up,
     * else as soon as it is, and again after every loss of the Pub/Sub connection, as {@link #subscribe} does.
     *
     * @param pattern the pattern, such as {@code wslb:ch:*}
     * @param subscriber told of its messages; one per pattern
     * @throws IllegalStateException if the pattern has a subscriber already
     */
    public void psubscribe(String pattern, PatternSubscriber subscriber) {
        requireNonNull(pattern, "pattern");
        requireNonNull(subscriber, "subscriber");
        if (patternSubscribers.putIfAbsent(pattern, subscriber) != null) {
            throw new IllegalStateException("pattern " + pattern + " has a subscriber already");
        }
        executor.execute(this::keepPubSub);
    }

    /** @param pattern a pattern subscribed before; harmless if it was not */
    public void punsubscribe(String pattern) {
        patternSubscribers.remove(pattern);
        PubSub current = pubSub.get();
        if (current != null && current.patterns.remove(pattern)) {
            current.connection.async().punsubscribe(pattern);
        }
    }

    /** {@return whether {@code pattern}'s subscription is in place now} */
    public boolean isPatternSubscribed(String pattern) {
        PubSub current = pubSub.get();
        return current != null && current.patterns.contains(pattern);
    }

    /**
     * Closes the Pub/Sub connection; it is made again, with every subscription, once the link is up. For a user whose
     * command failed without telling whether Redis ran it (a timeout: Redis may be frozen with the command in its
     * buffer), so that what the command published cannot arrive later through a subscription made before it: a
     * subscription made after is not sent what was published before.
     */
    public void resetPubSub() {
        PubSub current = pubSub.get();
        if (current != null) {
            dropPubSub(current);
        }
    }

    /** {@return the link's threads (Lettuce's computation threads): for timers and for completing callers' stages} */
    public ScheduledExecutorService executor() {
        return executor;
    }

    /**
     * Told by a user of the link that a command failed; an outage (no answer, no connection) makes the link
     * {@code DEGRADED}, an error Redis answered does not.
     *
     * @param failure what the command failed with
     */
    public void commandFailed(Throwable failure) {
        if (isOutage(failure)) {
            // On the link's threads, not the caller's: the link tells its listeners under its lock, and a caller
            // holding its own lock (the admin actions, the counts) would deadlock with a listener taking that lock.
            String error = describe(failure);
            try {
                executor.execute(() -> markDown(error));
            } catch (RejectedExecutionException closing) {
                // the link is closing: nothing left to tell
            }
        }
    }

    /** {@return whether {@code failure} means Redis is not answering, rather than an error it answered} */
    public static boolean isOutage(Throwable failure) {
        return !(unwrap(failure) instanceof RedisCommandExecutionException);
    }

    /** {@return the failure without the wrappers of futures} */
    public static Throwable unwrap(Throwable failure) {
        Throwable t = failure;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        // The client closes its connection; closing it here as well would only make Lettuce warn.
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        resources.shutdown(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
    }

    @Override
    public String toString() {
        return "RedisLink(" + displayUri + ", " + state.status() + ")";
    }

    private void probe() {
        if (closed || !probing.compareAndSet(false, true)) {
            return;
        }
        keepPubSub();
        StatefulRedisConnection<String, String> c = connection.get();
        if (c == null) {
            client.connectAsync(StringCodec.UTF8, redisUri).whenComplete((made, failure) -> {
                probing.set(false);
                if (failure != null) {
                    markDown(describe(failure));
                } else if (closed) {
                    made.closeAsync();
                } else {
                    connection.set(made);
                    markUp();
                }
            });
            return;
        }
        c.async().ping().whenComplete((pong, failure) -> {
            probing.set(false);
            if (failure == null) {
                markUp();
            } else if (isOutage(failure)) {
                // The next probe connects anew: this connection may be half-open, or to a server that was replaced.
                drop(c);
                markDown(describe(failure));
            }
        });
    }

    /**
     * Keeps the Pub/Sub connection while the link is up: makes it (again) and subscribes what is not yet subscribed,
     * or PINGs it, at every probe; its failed attempts are not logged, since the link's own connection tells of the
     * outage.
     */
    private void keepPubSub() {
        if (closed || subscribers.isEmpty() && patternSubscribers.isEmpty() || !isUp()) {
            return;
        }
        if (!pubSubBusy.compareAndSet(false, true)) {
            pubSubAgain = true;
            return;
        }
        pubSubAgain = false;
        PubSub current = pubSub.get();
        CompletableFuture<Void> step = current == null ? connectPubSub() : checkPubSub(current);
        step.whenComplete((ignored, failure) -> {
            pubSubBusy.set(false);
            if (pubSubAgain && !closed) {
                executor.execute(this::keepPubSub);
            }
        });
    }

    private CompletableFuture<Void> connectPubSub() {
        CompletableFuture<Void> done = new CompletableFuture<>();
        client.connectPubSubAsync(PUB_SUB_CODEC, redisUri).whenComplete((made, failure) -> {
            if (failure != null) {
                LOG.debug("Pub/Sub connection to {} not made: {}", displayUri, describe(failure));
                done.complete(null);
                return;
            }
            if (closed) {
                made.closeAsync();
                done.complete(null);
                return;
            }
            PubSub fresh = new PubSub(made);
            made.addListener(new RedisPubSubAdapter<>() {
                @Override
                public void message(String channel, byte[] message) {
                    Subscriber subscriber = subscribers.get(channel);
                    if (subscriber != null) {
                        subscriber.message(new String(message, StandardCharsets.UTF_8));
                    }
                }

                @Override
                public void message(String pattern, String channel, byte[] message) {
                    PatternSubscriber subscriber = patternSubscribers.get(pattern);
                    if (subscriber != null) {
                        subscriber.message(channel, message);
                    }
                }
            });
            pubSub.set(fresh);
            subscribeMissing(fresh).whenComplete((ignored, f) -> done.complete(null));
        });
        return done;
    }

    private CompletableFuture<Void> checkPubSub(PubSub current) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        current.connection.async().ping().whenComplete((pong, failure) -> {
            if (failure != null && isOutage(failure)) {
                dropPubSub(current);
                done.complete(null);
            } else {
                subscribeMissing(current).whenComplete((ignored, f) -> done.complete(null));
            }
        });
        return done;
    }

    private CompletableFuture<Void> subscribeMissing(PubSub current) {
        return CompletableFuture.allOf(subscribeMissingChannels(current), subscribeMissingPatterns(current));
    }

    private CompletableFuture<Void> subscribeMissingChannels(PubSub current) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        String[] missing = subscribers.keySet().stream().filter(c -> !current.channels.contains(c)).toArray(String[]::new);
        if (missing.length == 0) {
            done.complete(null);
            return done;
        }
        current.connection.async().subscribe(missing).whenComplete((ok, failure) -> {
            if (failure == null) {
                for (String channel : missing) {
                    Subscriber subscriber = subscribers.get(channel);
                    if (subscriber != null && current.channels.add(channel)) {
                        executor.execute(subscriber::subscribed);
                    }
                }
            } else {
                subscribeFailed(current, failure);
            }
            done.complete(null);
        });
        return done;
    }

    private CompletableFuture<Void> subscribeMissingPatterns(PubSub current) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        String[] missing = patternSubscribers.keySet().stream().filter(p -> !current.patterns.contains(p)).toArray(String[]::new);
        if (missing.length == 0) {
            done.complete(null);
            return done;
        }
        current.connection.async().psubscribe(missing).whenComplete((ok, failure) -> {
            if (failure == null) {
                for (String pattern : missing) {
                    PatternSubscriber subscriber = patternSubscribers.get(pattern);
                    if (subscriber != null && current.patterns.add(pattern)) {
                        executor.execute(subscriber::subscribed);
                    }
                }
            } else {
                subscribeFailed(current, failure);
            }
            done.complete(null);
        });
        return done;
    }

    private void subscribeFailed(PubSub current, Throwable failure) {
        if (isOutage(failure)) {
            dropPubSub(current);
        } else {
            refusedSubscribe(failure);
        }
    }

    /**
     * A SUBSCRIBE or PSUBSCRIBE that Redis refused (an ACL without the channel, say): tried again at every probe, said
     * once a minute.
     */
    private void refusedSubscribe(Throwable failure) {
        long now = System.nanoTime();
        if (now - lastRefusedSubscribe >= REFUSED_WARN_INTERVAL_NANOS) {
            lastRefusedSubscribe = now;
            LOG.warn("Redis at {} refused a SUBSCRIBE; what other instances announce or publish does not reach this one until it accepts: {}",
                displayUri, describe(failure));
        }
    }

    private void dropPubSub(PubSub current) {
        if (pubSub.compareAndSet(current, null)) {
            current.channels.clear();
            current.patterns.clear();
            current.connection.closeAsync();
        }
    }

    private void drop(StatefulRedisConnection<String, String> c) {
        if (connection.compareAndSet(c, null)) {
            c.closeAsync();
        }
    }

    private void markUp() {
        synchronized (lock) {
            State previous = state;
            if (closed || previous.status() == Status.UP) {
                return;
            }
            State current = new State(Status.UP, Instant.now(), previous.lastError());
            state = current;
            if (outageLogged) {
                LOG.info("Redis at {} answers again after {} ms; sharing resumes (last error: {})", displayUri,
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - downSinceNanos), previous.lastError());
            } else {
                LOG.info("connected to Redis at {}", displayUri);
            }
            outageLogged = false;
            tell(previous, current);
        }
        executor.execute(this::keepPubSub);
    }

    private void markDown(String error) {
        synchronized (lock) {
            State previous = state;
            if (closed) {
                return;
            }
            boolean wasUp = previous.status() == Status.UP;
            State current = new State(Status.DEGRADED, wasUp ? Instant.now() : previous.since(), error);
            state = current;
            if (wasUp) {
                downSinceNanos = System.nanoTime();
            }
            if (!outageLogged) {
                outageLogged = true;
                LOG.warn("Redis at {} {} ({}); serving from local state until it answers", displayUri,
                    wasUp ? "stopped answering" : "cannot be reached", error);
            }
            if (wasUp) {
                tell(previous, current);
            }
        }
    }

    private void tell(State previous, State current) {
        for (Listener listener : listeners) {
            try {
                listener.onStateChanged(previous, current);
            } catch (RuntimeException e) {
                LOG.warn("a RedisLink listener threw on {} -> {}", previous.status(), current.status(), e);
            }
        }
    }

    private static String describe(Throwable failure) {
        Throwable t = unwrap(failure);
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        // The root cause says why (refused, WRONGPASS, a timeout) where Lettuce's wrapper only says that it failed.
        return root == t ? oneLine(t) : oneLine(t) + " (" + oneLine(root) + ")";
    }

    private static String oneLine(Throwable t) {
        String message = t.getMessage();
        return t.getClass().getSimpleName() + (message == null ? "" : ": " + message.strip());
    }
}
