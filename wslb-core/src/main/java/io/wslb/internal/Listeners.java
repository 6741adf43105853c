package io.wslb.internal;

import io.wslb.AffinityLookup;
import io.wslb.ConnectionEnd;
import io.wslb.LoadBalancerListener;
import io.wslb.RejectCause;
import io.wslb.Rejection;
import io.wslb.spi.Route;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Calls several listeners in order; one that throws is logged and the others still run. */
public final class Listeners implements LoadBalancerListener {

    private static final Logger LOG = LoggerFactory.getLogger(Listeners.class);

    private final LoadBalancerListener[] listeners;

    public Listeners(List<LoadBalancerListener> listeners) {
        this.listeners = listeners.toArray(LoadBalancerListener[]::new);
    }

    @Override
    public void onBackendChosen(Route route) {
        each("onBackendChosen", l -> l.onBackendChosen(route));
    }

    @Override
    public void onRetry(Route failed, RejectCause reason, Throwable failure) {
        each("onRetry", l -> l.onRetry(failed, reason, failure));
    }

    @Override
    public void onRejected(Rejection rejection) {
        each("onRejected", l -> l.onRejected(rejection));
    }

    @Override
    public void onBackendConnected(Route route, Duration took) {
        each("onBackendConnected", l -> l.onBackendConnected(route, took));
    }

    @Override
    public void onBackendUpgraded(Route route, Duration took) {
        each("onBackendUpgraded", l -> l.onBackendUpgraded(route, took));
    }

    @Override
    public void onOpened(Route route) {
        each("onOpened", l -> l.onOpened(route));
    }

    @Override
    public void onClosed(Route route, ConnectionEnd end) {
        each("onClosed", l -> l.onClosed(route, end));
    }

    @Override
    public void onAffinityLookup(AffinityLookup result, Duration took) {
        each("onAffinityLookup", l -> l.onAffinityLookup(result, took));
    }

    @Override
    public void onAffinityStored(boolean succeeded, Duration took) {
        each("onAffinityStored", l -> l.onAffinityStored(succeeded, took));
    }

    private void each(String event, Consumer<LoadBalancerListener> call) {
        for (LoadBalancerListener l : listeners) {
            try {
                call.accept(l);
            } catch (RuntimeException e) {
                LOG.warn("listener {} failed on {}", l, event, e);
            }
        }
    }
}
