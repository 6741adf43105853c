package io.wslb.jetty.testing;

import io.wslb.CloseCause;
import io.wslb.ConnectionEnd;
import io.wslb.LoadBalancerListener;
import io.wslb.RejectCause;
import io.wslb.Rejection;
import io.wslb.spi.Route;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A {@link LoadBalancerListener} that records every event, for assertions. */
public final class EventLog implements LoadBalancerListener {

    /** A closed connection. */
    public record Closed(String backendId, CloseCause cause, long fromClient, long fromBackend) {}

    /** A rejected handshake. */
    public record Rejected(String path, RejectCause cause, int status) {}

    /** A retried attempt. */
    public record Retried(String backendId, RejectCause reason) {}

    public final List<String> chosen = new CopyOnWriteArrayList<>();
    public final List<String> opened = new CopyOnWriteArrayList<>();
    public final List<Closed> closed = new CopyOnWriteArrayList<>();
    public final List<Rejected> rejected = new CopyOnWriteArrayList<>();
    public final List<Retried> retried = new CopyOnWriteArrayList<>();

    @Override
    public void onBackendChosen(Route route) {
        chosen.add(route.backend().id());
    }

    @Override
    public void onRetry(Route failed, RejectCause reason, Throwable failure) {
        retried.add(new Retried(failed.backend().id(), reason));
    }

    @Override
    public void onRejected(Rejection rejection) {
        rejected.add(new Rejected(rejection.request().path(), rejection.cause(), rejection.status()));
    }

    @Override
    public void onOpened(Route route) {
        opened.add(route.backend().id());
    }

    @Override
    public void onClosed(Route route, ConnectionEnd end) {
        closed.add(new Closed(route.backend().id(), end.cause(), end.bytesFromClient(), end.bytesFromBackend()));
    }
}
