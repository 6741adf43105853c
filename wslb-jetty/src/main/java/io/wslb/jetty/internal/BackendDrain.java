package io.wslb.jetty.internal;

import io.wslb.BackendPool;
import io.wslb.CloseCause;
import io.wslb.LiveBackend;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Closes the proxied connections of a draining backend, spread over the drain window: each connection gets its
 * own moment, drawn uniformly at random in the window, so that its client (told 1012, "service restart") comes
 * back at a different time from the others instead of all at once, and lands on another backend. A connection
 * whose peers do not finish the closing handshake is closed by the tunnel's linger timer
 * ({@value WebSocketTunnel#LINGER_MILLIS} ms later), so nothing outlives the window by more than that.
 */
final class BackendDrain implements BackendPool.Listener {

    private static final Logger LOG = LoggerFactory.getLogger(BackendDrain.class);

    private final ProxyContext context;

    BackendDrain(ProxyContext context) {
        this.context = context;
    }

    @Override
    public void onDraining(LiveBackend backend, Duration window, boolean forget) {
        List<WebSocketTunnel> affected = new ArrayList<>();
        for (WebSocketTunnel tunnel : context.tunnels()) {
            if (tunnel.route().backend().id().equals(backend.id())) {
                affected.add(tunnel);
            }
        }
        LOG.info("draining backend {}: closing {} connections over {}", backend.id(), affected.size(), window);
        long windowNanos = window.toNanos();
        for (WebSocketTunnel tunnel : affected) {
            long delay = windowNanos <= 0 ? 0 : ThreadLocalRandom.current().nextLong(windowNanos);
            if (delay == 0) {
                close(tunnel);
            } else {
                context.scheduler().schedule(() -> close(tunnel), delay, TimeUnit.NANOSECONDS);
            }
        }
    }

    private static void close(WebSocketTunnel tunnel) {
        tunnel.end(CloseCause.DRAINED, "backend draining");
    }
}
