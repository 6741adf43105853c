package io.wslb.bench;

import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Invocable;
import org.eclipse.jetty.websocket.core.CoreSession;
import org.eclipse.jetty.websocket.core.Frame;
import org.eclipse.jetty.websocket.core.FrameHandler;

/**
 * A Jetty core frame handler that sends each frame it receives on somewhere (back for an echo, to the peer for a
 * relay) and reads the next one only when that send completed: one frame in flight, so one reusable completion
 * callback (this object) is enough.
 */
abstract class ForwardingFrameHandler implements FrameHandler, Callback {

    /** This side's session, once open. */
    volatile CoreSession session;
    private volatile Callback frameCallback;

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
        Callback c = frameCallback;
        frameCallback = null;
        c.succeeded();
        session.demand();
    }

    @Override
    public final void failed(Throwable x) {
        Callback c = frameCallback;
        frameCallback = null;
        c.failed(x);
    }

    @Override
    public InvocationType getInvocationType() {
        return Invocable.InvocationType.NON_BLOCKING;
    }
}
