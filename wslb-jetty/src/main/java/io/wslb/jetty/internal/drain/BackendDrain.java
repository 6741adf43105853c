package io.wslb.jetty.internal.drain;

import io.wslb.BackendPool;
import io.wslb.CloseCause;
import io.wslb.LiveBackend;
import io.wslb.jetty.internal.ProxyContext;
import io.wslb.jetty.internal.tunnel.WebSocketTunnel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Closes the proxied connections of a draining backend spread over the drain window ({@link SpreadClose}): each
 * client is told 1012 ("service restart") at its own moment, comes back at a different time from the others,
 * and lands on another backend.
 */
public final class BackendDrain implements BackendPool.Listener {

    private static final Logger LOG = LoggerFactory.getLogger(BackendDrain.class);

    private final ProxyContext context;

    public BackendDrain(ProxyContext context) {
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
        SpreadClose.close(affected, window, CloseCause.DRAINED, "backend draining", context.scheduler());
    }
}
