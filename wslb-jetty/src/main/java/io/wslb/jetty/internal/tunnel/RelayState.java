package io.wslb.jetty.internal.tunnel;

/**
 * Where a {@link Relay} is in its life, from relaying to done, and which moves between states it may make. Each
 * state is one combination of four facts the relay acts on: whether the source's close frame has been forwarded to
 * the sink, whether the proxy wrote a close frame of its own to the sink, whether the source has ended, and whether
 * the sink's output is shut. Only the relay's own run moves it ({@link #to}); the other relay of the tunnel reads it.
 *
 * <pre>{@code
 * RELAYING ──close frame forwarded──> CLOSE_FORWARDED ──source ended──> ENDED_AFTER_CLOSE_FORWARDED
 *    │  └──proxy's close frame──> CLOSE_SENT ──source ended──> ENDED_AND_CLOSE_SENT
 *    └──source ended──> ENDED ──proxy's close frame──> ENDED_AND_CLOSE_SENT
 * any state before the sink is shut ──sink shut──> SINK_SHUT, or SINK_SHUT_AFTER_CLOSE_FORWARDED
 * any state ──finished or failed──> DONE
 * }</pre>
 */
enum RelayState {
    /** Forwarding the source's frames to the sink. */
    RELAYING(false, false, false, false),
    /** The source's close frame went to the sink; whatever follows it is forwarded too (normally only its end). */
    CLOSE_FORWARDED(true, false, false, false),
    /**
     * A close frame of the proxy's own was written to the sink; the sink is shut next (a close toward a peer that
     * broke the protocol keeps forwarding until the source's close frame, which is held back).
     */
    CLOSE_SENT(false, true, false, false),
    /** The source ended (end of stream, or a failed read) before its close frame passed; the sink is closed next. */
    ENDED(false, false, true, false),
    /** The source ended after its close frame was forwarded; the sink is shut next. */
    ENDED_AFTER_CLOSE_FORWARDED(true, false, true, false),
    /** The source ended, and the proxy's close frame was written to the sink; the sink is shut next. */
    ENDED_AND_CLOSE_SENT(false, true, true, false),
    /** The sink's output is shut: the source's bytes are discarded until its close frame (or its end). */
    SINK_SHUT(false, false, false, true),
    /** The sink's output is shut after the source's close frame passed: the source's bytes are discarded until its end. */
    SINK_SHUT_AFTER_CLOSE_FORWARDED(true, false, false, true),
    /** Finished, or failed: nothing more happens. */
    DONE(false, false, false, true);

    private final boolean closeForwarded;
    private final boolean closeSent;
    private final boolean sourceEnded;
    private final boolean sinkShut;

    RelayState(boolean closeForwarded, boolean closeSent, boolean sourceEnded, boolean sinkShut) {
        this.closeForwarded = closeForwarded;
        this.closeSent = closeSent;
        this.sourceEnded = sourceEnded;
        this.sinkShut = sinkShut;
    }

    /** @return true if the source's close frame has been handed to the sink */
    boolean closeForwarded() {
        return closeForwarded;
    }

    /** @return true if the proxy has written a close frame of its own to the sink (one per direction at most) */
    boolean closeSent() {
        return closeSent;
    }

    /** @return true if the source has ended while the sink was still open: nothing more will come from it */
    boolean sourceEnded() {
        return sourceEnded;
    }

    /** @return true once the sink's output is shut (or the relay is done): nothing more is written to it */
    boolean sinkShut() {
        return sinkShut;
    }

    /** @return the state after the source's close frame was forwarded */
    RelayState afterCloseForwarded() {
        return to(CLOSE_FORWARDED);
    }

    /** @return the state after the proxy's own close frame was written to the sink */
    RelayState afterCloseSent() {
        return to(sourceEnded ? ENDED_AND_CLOSE_SENT : CLOSE_SENT);
    }

    /** @return the state after the source ended */
    RelayState afterSourceEnded() {
        return to(closeForwarded ? ENDED_AFTER_CLOSE_FORWARDED : closeSent ? ENDED_AND_CLOSE_SENT : ENDED);
    }

    /** @return the state after the sink's output was shut */
    RelayState afterSinkShut() {
        return to(closeForwarded ? SINK_SHUT_AFTER_CLOSE_FORWARDED : SINK_SHUT);
    }

    /**
     * @param next the state to move to
     * @return {@code next}
     * @throws IllegalStateException naming both states, if this state cannot move to {@code next}
     */
    RelayState to(RelayState next) {
        if (!canMoveTo(next)) {
            throw new IllegalStateException("a relay cannot move from " + this + " to " + next);
        }
        return next;
    }

    /**
     * @param next a state
     * @return true if a relay in this state may move to {@code next}: forward only, and any state may end
     */
    boolean canMoveTo(RelayState next) {
        if (next == DONE) {
            return this != DONE;
        }
        return switch (this) {
            case RELAYING -> next == CLOSE_FORWARDED || next == CLOSE_SENT || next == ENDED || next == SINK_SHUT;
            case CLOSE_FORWARDED -> next == ENDED_AFTER_CLOSE_FORWARDED || next == SINK_SHUT_AFTER_CLOSE_FORWARDED;
            case CLOSE_SENT -> next == ENDED_AND_CLOSE_SENT || next == SINK_SHUT;
            case ENDED -> next == ENDED_AND_CLOSE_SENT || next == SINK_SHUT;
            case ENDED_AFTER_CLOSE_FORWARDED -> next == SINK_SHUT_AFTER_CLOSE_FORWARDED;
            case ENDED_AND_CLOSE_SENT -> next == SINK_SHUT;
            case SINK_SHUT, SINK_SHUT_AFTER_CLOSE_FORWARDED, DONE -> false;
        };
    }
}
