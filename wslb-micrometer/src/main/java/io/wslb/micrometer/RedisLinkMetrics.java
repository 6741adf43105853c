package io.wslb.micrometer;

import static java.util.Objects.requireNonNull;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.wslb.redis.RedisLink;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The meters of a {@link RedisLink}: {@code wslb.redis.link.up}, 1 while Redis answers and 0 while the link is
 * degraded, and {@code wslb.redis.link.outages}, the times it went from up to degraded (which a gauge scraped now and
 * then can miss). A class of its own so that users of the in-memory session store need no Redis on their class
 * path; wslb-redis is an optional dependency of wslb-micrometer.
 *
 * <pre>{@code
 * RedisLink link = RedisLink.connect(URI.create("redis://127.0.0.1:6379"));
 * MeterRegistry registry = new SimpleMeterRegistry();
 * RedisLinkMetrics.of(link).bindTo(registry);
 * boolean up = registry.get("wslb.redis.link.up").gauge().value() == 1;
 * }</pre>
 *
 * <p>Outages are counted from the first binding on. Thread-safe.
 */
public final class RedisLinkMetrics implements MeterBinder {

    private final RedisLink link;
    private final Tags tags;
    private final AtomicLong outages = new AtomicLong();
    private boolean listening;

    private RedisLinkMetrics(RedisLink link, Tags tags) {
        this.link = link;
        this.tags = tags;
    }

    /**
     * @param link the link to measure
     * @return its meters, bound to no registry yet
     */
    public static RedisLinkMetrics of(RedisLink link) {
        return of(link, Tags.empty());
    }

    /**
     * <pre>{@code
     * RedisLinkMetrics sessions = RedisLinkMetrics.of(RedisLink.connect(URI.create("redis://127.0.0.1:6379")),
     *     Tags.of("link", "sessions"));
     * }</pre>
     *
     * @param link the link to measure
     * @param tags tags of both meters, such as a name for the link when an instance keeps several
     * @return its meters, bound to no registry yet
     */
    public static RedisLinkMetrics of(RedisLink link, Iterable<Tag> tags) {
        return new RedisLinkMetrics(requireNonNull(link, "link"), Tags.of(requireNonNull(tags, "tags")));
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        requireNonNull(registry, "registry");
        synchronized (this) {
            if (!listening) {
                link.addListener((previous, current) -> {
                    if (previous.isUp() && !current.isUp()) {
                        outages.incrementAndGet();
                    }
                });
                listening = true;
            }
        }
        Gauge.builder("wslb.redis.link.up", link, l -> l.state().isUp() ? 1 : 0).tags(tags).strongReference(true)
            .description("1 while Redis answers the link, 0 while the link is degraded").register(registry);
        FunctionCounter.builder("wslb.redis.link.outages", outages, AtomicLong::get).tags(tags)
            .description("Times the link went from up to degraded").register(registry);
    }

    @Override
    public String toString() {
        return "RedisLinkMetrics{" + link.uri() + "}";
    }
}
