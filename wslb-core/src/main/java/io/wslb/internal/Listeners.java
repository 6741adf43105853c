package io.wslb.internal;

import io.wslb.CloseCause;
import io.wslb.HandshakeRequest;
import io.wslb.LoadBalancerListener;
import io.wslb.RejectCause;
import io.wslb.spi.Route;
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
    public void onRejected(HandshakeRequest request, RejectCause cause, int status) {
        each("onRejected", l -> l.onRejected(request, cause, status));
    }

    @Override
    public void onOpened(Route route) {
        each("onOpened", l -> l.onOpened(route));
    }

    @Override
    public void onClosed(Route route, CloseCause cause, long bytesFromClient, long bytesFromBackend) {
        each("onClosed", l -> l.onClosed(route, cause, bytesFromClient, bytesFromBackend));
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
