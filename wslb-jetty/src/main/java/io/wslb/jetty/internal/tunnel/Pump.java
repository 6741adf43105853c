package io.wslb.jetty.internal.tunnel;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import org.eclipse.jetty.util.Callback;
import org.jspecify.annotations.Nullable;

/**
 * Runs {@link #process()} serially, lock-free: at most one thread at a time; a {@link #wake()} that arrives
 * during a run causes one more run; while a write started by {@code process()} is in flight, nothing runs until
 * the write completes (this pump is that write's callback), so a source is never read while its sink is being
 * written. The same contract as Jetty's {@code IteratingCallback}, without its lock: every tunnel holds two pumps,
 * so an int of state and a compare-and-set per step are worth more than a lock object and a lock per step.
 */
abstract class Pump implements Callback {

    /** What {@link #process()} did. */
    enum Step {
        /** Nothing more to do until woken. */
        IDLE,
        /** It started a write with this pump as the callback (after calling {@link #writing()}). */
        WRITING,
        /** Finished for good. */
        DONE
    }

    private static final int RUNNING = 1;
    private static final int AGAIN = 2;
    private static final int WRITE = 4;
    private static final int FINISHED = 8;

    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(Pump.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private volatile int state;
    private volatile @Nullable Throwable failure;
    /** Set when a write completed; read and cleared by {@link #process()} through {@link #resumedAfterWrite()}. */
    private volatile boolean writeCompleted;

    /**
     * Does one or more steps of work. Called by one thread at a time.
     *
     * @return what it did
     * @throws Throwable on a failure, which ends the pump as {@link #onFailed}
     */
    protected abstract Step process() throws Throwable;

    /** Called once, when {@link #process()} returned {@link Step#DONE}. */
    protected abstract void onDone();

    /**
     * Called once, when a write failed or {@link #process()} threw.
     *
     * @param cause what failed
     */
    protected abstract void onFailed(Throwable cause);

    /** Runs {@link #process()} now on this thread, or once more after the current run; ignored while writing or done. */
    final void wake() {
        while (true) {
            int s = state;
            if ((s & (FINISHED | WRITE)) != 0 || (s & (RUNNING | AGAIN)) == (RUNNING | AGAIN)) {
                return;
            }
            int next = (s & RUNNING) != 0 ? s | AGAIN : s | RUNNING;
            if (STATE.compareAndSet(this, s, next)) {
                if ((s & RUNNING) == 0) {
                    run();
                }
                return;
            }
        }
    }

    /** To be called by {@link #process()} just before it starts a write whose callback is this pump. */
    protected final void writing() {
        STATE.getAndBitwiseOr(this, WRITE);
    }

    /** @return true while a write started by {@link #process()} has not completed */
    final boolean isWriting() {
        return (state & WRITE) != 0;
    }

    /** @return true once {@link #process()} returned {@link Step#DONE} or the pump failed */
    final boolean isFinished() {
        return (state & FINISHED) != 0;
    }

    /** @return true once, after a write completed (for the run that follows it) */
    protected final boolean resumedAfterWrite() {
        if (writeCompleted) {
            writeCompleted = false;
            return true;
        }
        return false;
    }

    /** The write completed: run again (now, or after the current run if the write completed inside it). */
    @Override
    public final void succeeded() {
        writeCompleted = true;
        while (true) {
            int s = state;
            int next = (s & ~WRITE) | ((s & RUNNING) != 0 ? AGAIN : RUNNING);
            if (STATE.compareAndSet(this, s, next)) {
                if ((s & RUNNING) == 0) {
                    run();
                }
                return;
            }
        }
    }

    /** The write failed: the pump ends. */
    @Override
    public final void failed(Throwable cause) {
        failure = cause;
        while (true) {
            int s = state;
            if ((s & FINISHED) != 0) {
                return;
            }
            if (STATE.compareAndSet(this, s, (s & ~WRITE) | FINISHED)) {
                if ((s & RUNNING) == 0) {
                    onFailed(cause);
                }
                return;
            }
        }
    }

    @Override
    public InvocationType getInvocationType() {
        return InvocationType.NON_BLOCKING;
    }

    private void run() {
        while (true) {
            Step step;
            try {
                step = process();
            } catch (Throwable x) {
                failure = x;
                STATE.getAndBitwiseOr(this, FINISHED);
                step = null;
            }
            while (true) {
                int s = state;
                if ((s & FINISHED) != 0) {
                    // A write failed while this run was in progress, or process() threw.
                    STATE.getAndBitwiseAnd(this, ~(RUNNING | AGAIN));
                    Throwable cause = failure;
                    onFailed(cause != null ? cause : new IllegalStateException("pump failed"));
                    return;
                }
                if (step == Step.DONE) {
                    if (STATE.compareAndSet(this, s, (s & ~(RUNNING | AGAIN)) | FINISHED)) {
                        onDone();
                        return;
                    }
                    continue;
                }
                if ((s & WRITE) != 0) {
                    // A write is in flight: its completion runs the next step.
                    if (STATE.compareAndSet(this, s, s & ~(RUNNING | AGAIN))) {
                        return;
                    }
                    continue;
                }
                if ((s & AGAIN) != 0) {
                    if (STATE.compareAndSet(this, s, s & ~AGAIN)) {
                        break;
                    }
                    continue;
                }
                if (STATE.compareAndSet(this, s, s & ~RUNNING)) {
                    return;
                }
            }
        }
    }

    @Override
    public String toString() {
        int s = state;
        return ((s & FINISHED) != 0 ? "finished" : (s & WRITE) != 0 ? "writing" : (s & RUNNING) != 0 ? "running" : "idle");
    }
}
