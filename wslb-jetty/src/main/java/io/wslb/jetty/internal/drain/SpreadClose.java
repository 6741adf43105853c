package io.wslb.jetty.internal.drain;

import io.wslb.CloseCause;
import io.wslb.jetty.internal.tunnel.WebSocketTunnel;
import java.time.Duration;
import java.util.Collection;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * Ends many proxied connections spread over a window: each one at its own moment, drawn uniformly at random in
 * the window, so that their clients reconnect spread out instead of in one storm. A zero window ends them all
 * now. A connection whose peers do not finish the closing handshake is cut by the tunnel's linger timer
 * ({@value WebSocketTunnel#LINGER_MILLIS} ms after its close frame).
 */
public final class SpreadClose {

    private SpreadClose() {}

    /**
     * @param tunnels the connections to end
     * @param window the spread; zero for now
     * @param why the cause, whose codes the peers get
     * @param reason the close reason sent
     * @param scheduler where the later closes are scheduled
     */
    public static void close(Collection<WebSocketTunnel> tunnels, Duration window, CloseCause why, String reason, Scheduler scheduler) {
        spread(tunnels, window, tunnel -> tunnel.end(why, reason), scheduler);
    }

    /**
     * Runs {@code end} for each item at a moment drawn uniformly at random in {@code [0, window)}: at once for a
     * zero window or a zero draw, else through {@code scheduler}.
     */
    static <T> void spread(Collection<T> items, Duration window, Consumer<T> end, Scheduler scheduler) {
        long windowNanos = window.toNanos();
        for (T item : items) {
            long delay = windowNanos <= 0 ? 0 : ThreadLocalRandom.current().nextLong(windowNanos);
            if (delay == 0) {
                end.accept(item);
            } else {
                scheduler.schedule(() -> end.accept(item), delay, TimeUnit.NANOSECONDS);
            }
        }
    }
}
