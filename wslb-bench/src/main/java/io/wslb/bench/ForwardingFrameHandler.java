package io.wslb.bench;

import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Invocable;
import org.eclipse.jetty.websocket.core.CoreSession;
import org.eclipse.jetty.websocket.core.Frame;
import org.eclipse.jetty.websocket.core.FrameHandler;
import org.jspecify.annotations.Nullable;

/**
 * A Jetty core frame handler that sends each frame it receives on somewhere (back for an echo, to the peer for a
 * relay) and reads the next one only when that send completed: one frame in flight, so one reusable completion
 * callback (this object) is enough.
 */
abstract class ForwardingFrameHandler implements FrameHandler, Callback {

    /** This side's session, once open; null before {@code onOpen}. */
    volatile @Nullable CoreSession session;
    /** The received frame's callback while its forward is in flight, else null. */
    private volatile @Nullable Callback frameCallback;

    /** This side's session; Jetty delivers frames and completions only after {@code onOpen} has set it. */
    final CoreSession session() {
        CoreSession s = session;
        if (s == null) {
            throw new IllegalStateException("session used before onOpen");
        }
        return s;
    }

    /**
     * Sends {@code frame} on {@code to}; once sent, completes {@code callback} and demands the next frame here.
     *
     * @param to the session to send on
     * @param frame the frame
     * @param callback the received frame's callback
     */
    final void forward(CoreSession to, Frame frame, Callback callback) {
        frameCallback = callback;
        to.sendFrame(frame, this, false);
    }

    @Override
    public final void succeeded() {
        takeFrameCallback().succeeded();
        session().demand();
    }

    @Override
    public final void failed(Throwable x) {
        takeFrameCallback().failed(x);
    }

    /** The in-flight frame's callback, cleared for the next forward. */
    private Callback takeFrameCallback() {
        Callback c = frameCallback;
        if (c == null) {
            throw new IllegalStateException("send completed with no forwarded frame in flight");
        }
        frameCallback = null;
        return c;
    }

    @Override
    public InvocationType getInvocationType() {
        return Invocable.InvocationType.NON_BLOCKING;
    }
}
