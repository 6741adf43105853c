package io.wslb.jetty.internal.io;

import java.io.IOException;
import java.nio.channels.SelectionKey;
import java.time.Duration;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a listening socket does when an accept fails, as every accept does while the process is out of file
 * descriptors: it stops selecting the socket for a short pause instead of retrying at once. Jetty's selector
 * retries at once and logs each failure with its stack trace, which spins a core and floods the log. Like NGINX,
 * this waits (100 ms, doubling to at most 1 s while failures go on, back to 100 ms
 * after an accept succeeds), and the clients meanwhile wait in the kernel's accept queue, to be accepted as soon as
 * descriptors free up.
 *
 * <p>A run of failures is an episode, logged twice whatever its length: a warning at its first failure, and a
 * summary with the count of failed accepts once accepts have not failed for {@link #QUIET}.
 *
 * <pre>{@code
 * AcceptPause pause = new AcceptPause(() -> "127.0.0.1:9203", scheduler);
 * pause.failed(failure, key, task -> managedSelector.submit(selector -> task.run())); // on the selector thread
 * pause.succeeded();                                                                  // after each accept
 * }</pre>
 *
 * <p>Not thread-safe: every call, and every task it hands to {@code onSelector}, runs on the thread of the
 * selector the listening socket is registered with.
 */
public final class AcceptPause {

    private static final Logger LOG = LoggerFactory.getLogger(AcceptPause.class);

    /** The first pause: short, so that a descriptor freed a moment later is used at once. */
    public static final Duration FIRST_PAUSE = Duration.ofMillis(100);
    /** The longest pause, reached while failures go on: then at most one failed accept a second. */
    public static final Duration LONGEST_PAUSE = Duration.ofSeconds(1);
    /** An episode ends once no accept has failed for this long. */
    public static final Duration QUIET = Duration.ofSeconds(5);

    private final Supplier<String> listener;
    private final Scheduler scheduler;
    /** Read ahead: once descriptors have run out, even loading a class may fail. */
    private final String limitNote = openFilesLimit();
    private int failures;
    private long firstFailure;
    private long lastFailure;
    private Duration pause = FIRST_PAUSE;
    private String reason = "";
    private Consumer<Runnable> onSelector = Runnable::run;

    /**
     * @param listener names the listening socket in the log, e.g. its address
     * @param scheduler the timer that ends pauses
     */
    public AcceptPause(Supplier<String> listener, Scheduler scheduler) {
        this.listener = listener;
        this.scheduler = scheduler;
    }

    /**
     * An accept on the channel of {@code key} failed: stops selecting it for the pause, then selects it again.
     *
     * @param failure why it failed
     * @param key the listening socket's key, whose interest in accepts is removed for the pause
     * @param onSelector runs a task on the thread of the key's selector
     */
    public void failed(IOException failure, SelectionKey key, Consumer<Runnable> onSelector) {
        long now = System.nanoTime();
        if (failures == 0) {
            firstFailure = now;
            reason = String.valueOf(failure.getMessage());
            this.onSelector = onSelector;
            LOG.warn("{}: accepting a connection failed ({}){}; new clients wait in the accept queue while accepting"
                    + " pauses ({} ms, up to {} ms while it keeps failing); a summary follows when it recovers",
                listener.get(), reason, limitNote, FIRST_PAUSE.toMillis(), LONGEST_PAUSE.toMillis());
            scheduleEnd(QUIET.toNanos());
        } else {
            pause = pause.multipliedBy(2).compareTo(LONGEST_PAUSE) > 0 ? LONGEST_PAUSE : pause.multipliedBy(2);
        }
        failures++;
        lastFailure = now;
        key.interestOps(key.interestOps() & ~SelectionKey.OP_ACCEPT);
        scheduler.schedule(() -> onSelector.accept(() -> {
            if (key.isValid()) {
                key.interestOps(key.interestOps() | SelectionKey.OP_ACCEPT);
            }
        }), pause.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** An accept succeeded: a later failure pauses briefly again. */
    public void succeeded() {
        if (failures > 0) {
            pause = FIRST_PAUSE;
        }
    }

    /** @return the failed accepts of the episode under way; 0 when accepts are not failing */
    public int failuresSoFar() {
        return failures;
    }

    private void scheduleEnd(long delayNanos) {
        scheduler.schedule(() -> onSelector.accept(this::endIfQuiet), delayNanos, TimeUnit.NANOSECONDS);
    }

    private void endIfQuiet() {
        if (failures == 0) {
            return;
        }
        long now = System.nanoTime();
        long quietFor = now - lastFailure;
        if (quietFor < QUIET.toNanos()) {
            // Re-armed by the task itself, so that at most one such task is pending per episode.
            scheduleEnd(QUIET.toNanos() - quietFor);
            return;
        }
        LOG.warn("{}: accepting connections again; {} accepts failed over {} ms ({})", listener.get(), failures,
            TimeUnit.NANOSECONDS.toMillis(lastFailure - firstFailure), reason);
        failures = 0;
        pause = FIRST_PAUSE;
    }

    /** The limit only: counting the open files needs a descriptor, and there would be none to spare. */
    private static String openFilesLimit() {
        OptionalLong limit = OpenFiles.limit();
        return limit.isPresent() ? " with an open-files limit of " + limit.getAsLong() : "";
    }
}
