package io.wslb.micrometer.internal;

import static java.util.Objects.requireNonNull;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.wslb.AffinityLookup;
import io.wslb.BackendPool;
import io.wslb.ConnectionEnd;
import io.wslb.LiveBackend;
import io.wslb.LoadBalancerListener;
import io.wslb.RejectCause;
import io.wslb.Rejection;
import io.wslb.WebSocketLoadBalancer;
import io.wslb.micrometer.WslbMetrics;
import io.wslb.spi.LoadBalancerRuntime;
import io.wslb.spi.Route;
import java.time.Duration;
import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/**
 * {@link WslbMetrics}: a listener that keeps the counts behind the gauges and records each event in the registries
 * bound so far (none: a loop over an empty array), and the binder that registers a balancer's meters with a registry
 * and follows its pool's members.
 *
 * <p>Binding, and the pool's additions and removals, are serialised by {@link #lock}; events are not, and only read
 * the array of bound registries, which a binding replaces.
 */
public final class BalancerMeters implements WslbMetrics {

    private final Settings settings;
    private final Traffic traffic = new Traffic();
    private final Events events = new Events();
    private final Object lock = new Object();
    private volatile RegistryMeters[] bound = new RegistryMeters[0];
    private volatile @Nullable Binder binder;

    /**
     * @param tags the tags of every meter
     * @param percentiles the percentiles each timer publishes
     * @param histograms whether timers publish histogram buckets
     */
    public BalancerMeters(Tags tags, double[] percentiles, boolean histograms) {
        this.settings = new Settings(tags, percentiles, histograms);
    }

    @Override
    public LoadBalancerListener listener() {
        return events;
    }

    @Override
    public MeterBinder binder(WebSocketLoadBalancer balancer) {
        requireNonNull(balancer, "balancer");
        synchronized (lock) {
            Binder current = binder;
            if (current != null) {
                if (current.balancer != balancer) {
                    throw new IllegalStateException("these WslbMetrics already measure another balancer (" + current.balancer
                        + "); build one WslbMetrics per balancer and add its listener() to that balancer's builder");
                }
                return current;
            }
            Binder created = new Binder(balancer);
            balancer.pool().addListener(created);
            binder = created;
            return created;
        }
    }

    /** @return whether a backend with this id is in the pool of the balancer measured (before one is: whether it was) */
    private boolean member(String id, @Nullable LiveBackend backend) {
        Binder current = binder;
        if (current != null) {
            return current.pool.get(id) != null;
        }
        return backend != null && backend.inPool();
    }

    /** Changes a backend's counts, and removes its meters when that leaves it idle and out of the pool. */
    private void count(String id, @Nullable LiveBackend backend, int pending, int open) {
        if (traffic.change(id, pending, open, key -> member(key, backend))) {
            retireIfGone(id);
        }
    }

    /** Removes the meters of a backend that left the pool, once its last connection or handshake is counted out. */
    private void retireIfGone(String id) {
        synchronized (lock) {
            if (!member(id, null)) {
                for (RegistryMeters meters : bound) {
                    meters.retire(id);
                }
            }
        }
    }

    @Override
    public String toString() {
        Binder current = binder;
        return "WslbMetrics{" + (current == null ? "no balancer" : current.balancer) + ", " + bound.length + " registries}";
    }

    /** The events of the balancer: the counts of the gauges first where a meter is recorded too, then the meters. */
    private final class Events implements LoadBalancerListener {

        @Override
        public void onBackendChosen(Route route) {
            traffic.change(route.backend().id(), 1, 0, id -> true);
        }

        @Override
        public void onRetry(Route failed, RejectCause reason, Throwable failure) {
            String id = failed.backend().id();
            for (RegistryMeters meters : bound) {
                meters.retried(id, reason);
            }
            count(id, failed.backend(), -1, 0);
        }

        @Override
        public void onRejected(Rejection rejection) {
            for (RegistryMeters meters : bound) {
                meters.rejected(rejection);
            }
            // Only the end of a route carries its attempt; a refusal before a pick, or after a retry found no
            // backend, has none, and its route (if any) was counted down by onRetry.
            String id = rejection.backend().orElse(null);
            if (rejection.attempts() > 0 && id != null) {
                count(id, null, -1, 0);
            }
        }

        @Override
        public void onBackendConnected(Route route, Duration took) {
            for (RegistryMeters meters : bound) {
                meters.connected(route.backend().id(), took);
            }
        }

        @Override
        public void onBackendUpgraded(Route route, Duration took) {
            for (RegistryMeters meters : bound) {
                meters.upgradedBy(route.backend().id(), took);
            }
        }

        @Override
        public void onOpened(Route route) {
            traffic.change(route.backend().id(), -1, 1, id -> true);
            Duration handshake = route.handshakeTime();
            for (RegistryMeters meters : bound) {
                meters.opened(handshake);
            }
        }

        @Override
        public void onClosed(Route route, ConnectionEnd end) {
            String id = route.backend().id();
            Duration lifetime = route.lifetime();
            // The open gauge moves first, so that a scrape never shows a connection both closed and still open; a
            // backend's meters that this close leaves unused go only after the close is recorded in them.
            boolean last = traffic.change(id, 0, -1, key -> member(key, route.backend()));
            for (RegistryMeters meters : bound) {
                meters.closed(id, end, lifetime);
            }
            if (last) {
                retireIfGone(id);
            }
        }

        @Override
        public void onAffinityLookup(AffinityLookup result, Duration took) {
            for (RegistryMeters meters : bound) {
                meters.lookup(result, took);
            }
        }

        @Override
        public void onAffinityStored(boolean succeeded, Duration took) {
            for (RegistryMeters meters : bound) {
                meters.stored(succeeded, took);
            }
        }
    }

    /** Registers the meters of one balancer with registries, and follows its pool's members. */
    private final class Binder implements MeterBinder, BackendPool.Listener {

        private final WebSocketLoadBalancer balancer;
        private final BackendPool pool;

        Binder(WebSocketLoadBalancer balancer) {
            this.balancer = balancer;
            this.pool = balancer.pool();
        }

        @Override
        public void bindTo(MeterRegistry registry) {
            requireNonNull(registry, "registry");
            synchronized (lock) {
                for (RegistryMeters meters : bound) {
                    if (meters.registry() == registry) {
                        return;
                    }
                }
                LoadBalancerRuntime runtime = LoadBalancerRuntime.of(balancer);
                RegistryMeters meters = new RegistryMeters(registry, settings, traffic, pool, runtime.router(), runtime.channels());
                for (LiveBackend backend : pool.backends()) {
                    meters.watch(backend);
                }
                RegistryMeters[] more = Arrays.copyOf(bound, bound.length + 1);
                more[bound.length] = meters;
                bound = more;
            }
        }

        @Override
        public void onAdded(LiveBackend backend) {
            synchronized (lock) {
                for (RegistryMeters meters : bound) {
                    meters.watch(backend);
                }
            }
        }

        @Override
        public void onRemoved(LiveBackend backend) {
            synchronized (lock) {
                boolean idle = pool.get(backend.id()) == null && traffic.forgetIfIdle(backend.id());
                for (RegistryMeters meters : bound) {
                    meters.unwatch(backend);
                    if (idle) {
                        meters.retire(backend.id());
                    }
                }
            }
        }

        @Override
        public String toString() {
            return "WslbMetrics binder of " + balancer;
        }
    }
}
