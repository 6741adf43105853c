package io.wslb.redis.internal;

import static java.util.Objects.requireNonNull;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs tasks one at a time, in the order given, on the threads of another executor (the link's, which are several):
 * what arrives from Redis is then applied in the order it arrived.
 */
final class SerialExecutor implements Executor {

    private static final Logger LOG = LoggerFactory.getLogger(SerialExecutor.class);

    private final Executor threads;
    private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean running = new AtomicBoolean();

    /** @param threads where the tasks run */
    SerialExecutor(Executor threads) {
        this.threads = requireNonNull(threads, "threads");
    }

    /** Queues a task; dropped if the threads are shut down (the link closed). */
    @Override
    public void execute(Runnable task) {
        tasks.add(requireNonNull(task, "task"));
        schedule();
    }

    private void schedule() {
        if (!tasks.isEmpty() && running.compareAndSet(false, true)) {
            try {
                threads.execute(this::runAll);
            } catch (RejectedExecutionException e) {
                running.set(false);
                tasks.clear();
            }
        }
    }

    private void runAll() {
        try {
            for (Runnable task = tasks.poll(); task != null; task = tasks.poll()) {
                try {
                    task.run();
                } catch (RuntimeException e) {
                    LOG.warn("a task failed", e);
                }
            }
        } finally {
            running.set(false);
            schedule();
        }
    }
}
