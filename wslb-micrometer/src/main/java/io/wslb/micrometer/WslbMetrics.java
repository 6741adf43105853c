package io.wslb.micrometer;

import static java.util.Objects.requireNonNull;

import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.wslb.LoadBalancerListener;
import io.wslb.WebSocketLoadBalancer;
import io.wslb.micrometer.internal.BalancerMeters;
import java.util.Arrays;
import java.util.Set;

/**
 * The Micrometer meters of one {@link WebSocketLoadBalancer}. Its {@link #listener()} goes into the balancer's
 * builder, so that it sees every connection from the start; its {@link #binder binder} registers the meters with a
 * registry, once the balancer is built:
 *
 * <pre>{@code
 * WslbMetrics metrics = WslbMetrics.create();
 * WebSocketLoadBalancer lb = WebSocketLoadBalancer.builder()
 *     .backend(Backend.of("chat-1", URI.create("ws://10.0.0.1:3000")))
 *     .strategy(BalancingStrategies.leastConnections())
 *     .listener(metrics.listener())
 *     .build();
 * MeterRegistry registry = new SimpleMeterRegistry();   // or Prometheus's, or the application's
 * metrics.binder(lb).bindTo(registry);
 * double open = registry.get("wslb.connections.open").gauge().value();
 * }</pre>
 *
 * <p>Meter names are lowercase and dot-separated, times are in seconds and traffic in bytes (a Prometheus registry
 * shows {@code wslb.backend.bytes} as {@code wslb_backend_bytes_total}). Tag values are bounded: a backend id, a
 * cause, an outcome, a close code class, a direction, a state; never a client's address, a path or an affinity key.
 * The meters of a backend are registered when it joins the pool and removed when it leaves it (the counters and
 * timers of its connections once the last of them has closed).
 *
 * <p>What it costs: the listener is told of handshakes and connections, never of messages (the tunnel counts
 * messages and bytes and reports them when a connection closes). With no registry bound it keeps two counts per
 * backend, for the gauges, and records nothing; each bound registry adds a meter update per event. Timers publish
 * percentiles computed in the process ({@link Builder#percentiles}): about 20 KB per timer with percentiles against
 * 0.5 KB without (measured with Micrometer 1.17), and a backend has three timers per registry, so a pool of hundreds
 * of backends may want fewer percentiles or none. Histograms for a server-side aggregation are off unless
 * {@link Builder#percentileHistograms} turns them on.
 *
 * <p>One instance measures one balancer: build one per balancer. Thread-safe.
 */
public interface WslbMetrics {

    /**
     * Meters with the default settings: timers publish their 50th, 95th and 99th percentiles, no histograms, no
     * extra tags.
     *
     * <pre>{@code WslbMetrics metrics = WslbMetrics.create();}</pre>
     *
     * @return new meters, bound to no registry yet
     */
    static WslbMetrics create() {
        return builder().build();
    }

    /**
     * <pre>{@code
     * WslbMetrics metrics = WslbMetrics.builder()
     *     .tag("instance", "lb-1")          // on every meter
     *     .percentiles(0.5, 0.99)
     *     .percentileHistograms(true)       // buckets for Prometheus's histogram_quantile
     *     .build();
     * }</pre>
     *
     * @return a builder of meters
     */
    static Builder builder() {
        return new Builder();
    }

    /**
     * The listener to add to the balancer's builder ({@link io.wslb.WebSocketLoadBalancerBuilder#listener}). Added
     * at build time, it counts the connections that the gauges show even before a registry is bound.
     *
     * @return the listener; the same one on every call
     */
    LoadBalancerListener listener();

    /**
     * The binder of the meters of {@code balancer}, the one built with {@link #listener()}. Binding it to a registry
     * registers the gauges of the balancer and of each backend of its pool, and records every later event in that
     * registry; binding it to several registries records in each. Binding a registry twice changes nothing.
     *
     * <pre>{@code
     * WslbMetrics metrics = WslbMetrics.create();    // its listener() went into lb's builder
     * MeterBinder binder = metrics.binder(lb);        // what Spring, for one, binds to its registry
     * binder.bindTo(new SimpleMeterRegistry());
     * }</pre>
     *
     * @param balancer the balancer built with {@link #listener()}
     * @return its binder; the same one on every call
     * @throws IllegalStateException if this instance already measures another balancer
     */
    MeterBinder binder(WebSocketLoadBalancer balancer);

    /**
     * Settings of {@link WslbMetrics}; every one is optional. Not thread-safe; {@link #build()} may be called again.
     *
     * <pre>{@code
     * WslbMetrics metrics = WslbMetrics.builder().tag("zone", "eu-1").percentiles().build(); // no percentiles
     * }</pre>
     */
    final class Builder {

        /** Tag keys wslb's meters use themselves, which {@link #tag} refuses. */
        public static final Set<String> RESERVED_TAG_KEYS =
            Set.of("backend", "state", "outcome", "cause", "status", "code_class", "direction", "operation");

        private Tags tags = Tags.empty();
        private double[] percentiles = {0.5, 0.95, 0.99};
        private boolean histograms;

        private Builder() {}

        /**
         * Adds a tag to every meter, such as the instance's name when several balancers report to one place.
         *
         * @param key a tag key, not one of {@link #RESERVED_TAG_KEYS}
         * @param value its value; keep it bounded
         * @return this builder
         * @throws IllegalArgumentException if the key is blank or reserved
         */
        public Builder tag(String key, String value) {
            requireNonNull(key, "key");
            requireNonNull(value, "value");
            if (key.isBlank()) {
                throw new IllegalArgumentException("tag key must not be blank");
            }
            if (RESERVED_TAG_KEYS.contains(key)) {
                throw new IllegalArgumentException("tag key '" + key + "' is one wslb's meters set themselves; reserved: "
                    + String.join(", ", RESERVED_TAG_KEYS.stream().sorted().toList()));
            }
            tags = tags.and(Tag.of(key, value));
            return this;
        }

        /**
         * @param percentiles the percentiles each timer publishes, each from 0 to 1 (such as 0.99); none publishes
         *     none; 0.5, 0.95 and 0.99 by default
         * @return this builder
         * @throws IllegalArgumentException if one is outside 0 to 1
         */
        public Builder percentiles(double... percentiles) {
            requireNonNull(percentiles, "percentiles");
            for (double p : percentiles) {
                if (!(p >= 0 && p <= 1)) {
                    throw new IllegalArgumentException("percentiles must be from 0 to 1 (0.99 is the 99th), got " + p);
                }
            }
            this.percentiles = percentiles.clone();
            return this;
        }

        /**
         * @param enabled whether timers also publish histogram buckets, which a registry such as Prometheus's
         *     aggregates across instances (about 70 buckets per timer and backend); false by default. Prometheus's
         *     registry then shows the buckets instead of the percentiles
         * @return this builder
         */
        public Builder percentileHistograms(boolean enabled) {
            this.histograms = enabled;
            return this;
        }

        /** @return new meters with these settings, bound to no registry yet */
        public WslbMetrics build() {
            return new BalancerMeters(tags, Arrays.copyOf(percentiles, percentiles.length), histograms);
        }
    }
}
