package io.wslb.internal;

import io.wslb.CloseCause;
import io.wslb.HandshakeRequest;
import io.wslb.LoadBalancerListener;
import io.wslb.RejectCause;
import io.wslb.Route;
import java.util.List;
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
        for (LoadBalancerListener l : listeners) {
            try {
                l.onBackendChosen(route);
            } catch (RuntimeException e) {
                LOG.warn("listener {} failed on onBackendChosen", l, e);
            }
        }
    }

    @Override
    public void onRetry(Route failed, RejectCause reason, Throwable failure) {
        for (LoadBalancerListener l : listeners) {
            try {
                l.onRetry(failed, reason, failure);
            } catch (RuntimeException e) {
                LOG.warn("listener {} failed on onRetry", l, e);
            }
        }
    }

    @Override
    public void onRejected(HandshakeRequest request, RejectCause cause, int status) {
        for (LoadBalancerListener l : listeners) {
            try {
                l.onRejected(request, cause, status);
            } catch (RuntimeException e) {
                LOG.warn("listener {} failed on onRejected", l, e);
            }
        }
    }

    @Override
    public void onOpened(Route route) {
        for (LoadBalancerListener l : listeners) {
            try {
                l.onOpened(route);
            } catch (RuntimeException e) {
                LOG.warn("listener {} failed on onOpened", l, e);
            }
        }
    }

    @Override
    public void onClosed(Route route, CloseCause cause, long bytesFromClient, long bytesFromBackend) {
        for (LoadBalancerListener l : listeners) {
            try {
                l.onClosed(route, cause, bytesFromClient, bytesFromBackend);
            } catch (RuntimeException e) {
                LOG.warn("listener {} failed on onClosed", l, e);
            }
        }
    }
}
