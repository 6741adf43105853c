package io.wslb.examples;

import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.wslb.LoadBalancerListener;
import io.wslb.WebSocketLoadBalancer;
import io.wslb.micrometer.RedisLinkMetrics;
import io.wslb.micrometer.WslbMetrics;
import org.jspecify.annotations.Nullable;

/**
 * The launcher's {@code --metrics}: the balancer's meters (and the JVM's, the process's open files among them) in a
 * Prometheus registry, scraped at {@code /metrics} on the admin address, under the admin token.
 *
 * <pre>{@code
 * LauncherMetrics metrics = LauncherMetrics.create();
 * WebSocketLoadBalancer lb = WebSocketLoadBalancer.builder()...listener(metrics.listener()).build();
 * metrics.bind(lb, null);
 * String text = metrics.scrape();
 * }</pre>
 */
final class LauncherMetrics {

    /** The Prometheus text format the registry writes. */
    static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final WslbMetrics metrics = WslbMetrics.create();

    private LauncherMetrics() {
    }

    /**
     * @param options the launcher's flags
     * @return the metrics when {@code --metrics} is given, else null
     * @throws Options.UsageException when {@code --metrics} is given without {@code --admin}, which serves it
     */
    static @Nullable LauncherMetrics fromFlags(Options options) throws Options.UsageException {
        if (!options.has("metrics")) {
            return null;
        }
        if (!options.has("admin")) {
            throw new Options.UsageException("--metrics is served at /metrics on the admin address: it goes with --admin HOST:PORT");
        }
        return new LauncherMetrics();
    }

    /** @return the listener to add to the balancer before it is built */
    LoadBalancerListener listener() {
        return metrics.listener();
    }

    /**
     * Registers the meters of the built balancer, of the JVM and, with {@code --redis}, of the link to Redis.
     *
     * @param balancer the balancer built with {@link #listener()}
     * @param cluster the Redis cluster, or null
     */
    void bind(WebSocketLoadBalancer balancer, @Nullable Cluster cluster) {
        metrics.binder(balancer).bindTo(registry);
        if (cluster != null) {
            RedisLinkMetrics.of(cluster.link()).bindTo(registry);
        }
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
    }

    /** @return every meter in the Prometheus text format */
    String scrape() {
        return registry.scrape();
    }
}
