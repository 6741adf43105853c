package io.wslb.jetty.internal.io;

import java.io.Closeable;
import java.util.function.Consumer;

/**
 * Decides which tasks a Jetty selector may run itself rather than dispatch to the thread pool.
 *
 * <p>A {@code ManagedSelector} dispatches three kinds of per-connection task: registering an accepted socket,
 * creating the endpoint of a completed connect, and destroying a closed endpoint. All three are {@link Closeable}
 * (so that a rejected task can release its socket); the selector's own loop and everything else are not. Those
 * three only call connection factories and open/close listeners, which in this proxy never block, so running them
 * in place saves a thread wake-up and a context switch per connection and per close. Used by the backend
 * connector, always, and by {@link io.wslb.jetty.ProxyServerConnector} on the client side.
 */
public final class SelectorChores {

    private SelectorChores() {}

    /**
     * Runs a selector's per-connection chore in place, and dispatches any other task.
     *
     * @param task the task the selector manager was asked to execute
     * @param dispatch the manager's own dispatch
     */
    public static void execute(Runnable task, Consumer<Runnable> dispatch) {
        if (task instanceof Closeable) {
            task.run();
        } else {
            dispatch.accept(task);
        }
    }
}
