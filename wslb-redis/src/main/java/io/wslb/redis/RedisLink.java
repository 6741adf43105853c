package io.wslb.redis;

import static java.util.Objects.requireNonNull;

import io.wslb.redis.internal.LettuceLink;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * One connection to Redis, shared by everything a balancer instance keeps there (the {@link RedisSessionStore}
 * now), with its state: {@link Status#UP UP} while Redis answers, {@link Status#DEGRADED DEGRADED} while it does not
 * (unreachable, refusing, or silent longer than the {@linkplain Builder#timeout timeout}). While degraded, whatever
 * uses the link serves from local state; the link reconnects by itself, logs the outage once when it starts (WARN)
 * and once when it ends (INFO), under the logger {@code io.wslb.redis.RedisLink}, and tells its listeners.
 *
 * <pre>{@code
 * RedisLink link = RedisLink.builder()
 *     .uri(URI.create("redis://127.0.0.1:6379"))
 *     .timeout(Duration.ofSeconds(1))          // a command unanswered this long is an outage
 *     .build();                                // never blocks: connects in the background
 * link.addListener((before, now) -> System.out.println("Redis " + now.status()));
 * RedisLink.State state = link.state();        // UP, or DEGRADED since when and why
 * link.close();                                // after the balancer has stopped
 * }</pre>
 *
 * <p>A link is Lettuce's asynchronous API over one connection, on threads of its own: nothing waits for Redis on the
 * caller's thread, and {@link Builder#build()} returns at once, the link {@code DEGRADED} until the first connection
 * is made. Implementations come from {@link #builder()} only.
 */
public interface RedisLink extends AutoCloseable {

    /**
     * A link to {@code uri} with the default settings.
     *
     * <pre>{@code RedisLink link = RedisLink.connect(URI.create("redis://127.0.0.1:6379"));}</pre>
     *
     * @param uri {@code redis://[[user]:password@]host[:port][/database]}, or {@code rediss://} for TLS
     * @return the link, connecting in the background
     * @throws IllegalArgumentException if the URI is not a Redis URI
     */
    static RedisLink connect(URI uri) {
        return builder().uri(uri).build();
    }

    /** {@return a builder of a link} */
    static Builder builder() {
        return new Builder();
    }

    /** {@return the state now} */
    State state();

    /** {@return the URI of the server, without a password} */
    URI uri();

    /**
     * Adds a listener told of every change of {@link State#status() status}, in order, on one of the link's threads;
     * it must not block.
     *
     * @param listener told {@code (previous, current)}
     */
    void addListener(Listener listener);

    /**
     * @param listener a listener added before; harmless if it was not
     */
    void removeListener(Listener listener);

    /** Closes the connection and the link's threads; the state stays as it was. Harmless when called again. */
    @Override
    void close();

    /** Whether Redis answers. */
    enum Status {
        /** Redis answers; what is shared is read and written there. */
        UP,
        /** Redis does not answer (or not yet): local state only, until it does. */
        DEGRADED
    }

    /**
     * The link's state.
     *
     * @param status up or degraded
     * @param since when the link entered this status
     * @param lastError the last failure seen, such as {@code RedisCommandTimeoutException: Command timed out after 1
     *     second(s)}; null if none yet
     */
    record State(Status status, Instant since, @Nullable String lastError) {

        /** Checks the parts. */
        public State {
            requireNonNull(status, "status");
            requireNonNull(since, "since");
        }

        /** {@return whether the status is {@link Status#UP}} */
        public boolean isUp() {
            return status == Status.UP;
        }
    }

    /** Told of each change of a link's status. */
    @FunctionalInterface
    interface Listener {

        /**
         * @param previous the state before
         * @param current the state now, of the other status
         */
        void onStateChanged(State previous, State current);
    }

    /**
     * Settings of a link; {@link #uri} is required. Not thread-safe; {@link #build()} may be called again.
     *
     * <pre>{@code
     * RedisLink link = RedisLink.builder().uri(URI.create("redis://cache.internal:6379/2")).probeInterval(Duration.ofMillis(500)).build();
     * }</pre>
     */
    final class Builder {

        /** The default {@link #timeout}. */
        public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(1);
        /** The default {@link #probeInterval}. */
        public static final Duration DEFAULT_PROBE_INTERVAL = Duration.ofSeconds(1);

        private @Nullable URI uri;
        private Duration timeout = DEFAULT_TIMEOUT;
        private Duration probeInterval = DEFAULT_PROBE_INTERVAL;

        private Builder() {}

        /**
         * @param uri {@code redis://[[user]:password@]host[:port][/database]}, or {@code rediss://} for TLS
         * @return this builder
         * @throws IllegalArgumentException if the scheme is neither, or the host is missing
         */
        public Builder uri(URI uri) {
            requireNonNull(uri, "uri");
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("redis") && !scheme.equals("rediss")) {
                throw new IllegalArgumentException("uri must be redis://host:port or rediss://host:port, got " + LettuceLink.display(uri));
            }
            if (uri.getHost() == null) {
                throw new IllegalArgumentException("uri must name a host, as in redis://127.0.0.1:6379, got " + LettuceLink.display(uri));
            }
            this.uri = uri;
            return this;
        }

        /**
         * @param timeout how long a command (or a connect) may go unanswered before the link counts Redis as down;
         *     positive; 1 second by default. Lookups have their own, shorter budget.
         * @return this builder
         */
        public Builder timeout(Duration timeout) {
            this.timeout = positive(timeout, "timeout");
            return this;
        }

        /**
         * @param probeInterval how often the link asks Redis {@code PING}, to notice a silent server while idle and
         *     its return while degraded (reconnects are attempted at least this often); positive; 1 second by
         *     default
         * @return this builder
         */
        public Builder probeInterval(Duration probeInterval) {
            this.probeInterval = positive(probeInterval, "probeInterval");
            return this;
        }

        /**
         * Starts connecting in the background and returns at once.
         *
         * @return the link, {@code DEGRADED} until its first connection is made
         * @throws IllegalStateException if no {@link #uri} was set
         */
        public RedisLink build() {
            URI target = uri;
            if (target == null) {
                throw new IllegalStateException("uri is required, e.g. .uri(URI.create(\"redis://127.0.0.1:6379\"))");
            }
            return LettuceLink.start(target, timeout, probeInterval);
        }

        private static Duration positive(Duration value, String name) {
            requireNonNull(value, name);
            if (value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException(name + " must be positive, got " + value);
            }
            return value;
        }
    }
}
