package io.wslb.jetty.internal.tunnel;

import static io.wslb.jetty.internal.tunnel.RelayState.CLOSE_FORWARDED;
import static io.wslb.jetty.internal.tunnel.RelayState.CLOSE_SENT;
import static io.wslb.jetty.internal.tunnel.RelayState.DONE;
import static io.wslb.jetty.internal.tunnel.RelayState.ENDED;
import static io.wslb.jetty.internal.tunnel.RelayState.ENDED_AFTER_CLOSE_FORWARDED;
import static io.wslb.jetty.internal.tunnel.RelayState.ENDED_AND_CLOSE_SENT;
import static io.wslb.jetty.internal.tunnel.RelayState.RELAYING;
import static io.wslb.jetty.internal.tunnel.RelayState.SINK_SHUT;
import static io.wslb.jetty.internal.tunnel.RelayState.SINK_SHUT_AFTER_CLOSE_FORWARDED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The life of a relay: which moves it may make, and that any other move fails loudly. */
class RelayStateTest {

    @Test
    void aCleanCloseHandshake_forwardsTheCloseFrame_thenShutsTheSink_thenEnds() {
        RelayState state = RELAYING.afterCloseForwarded();
        assertThat(state).isEqualTo(CLOSE_FORWARDED);

        state = state.afterSinkShut();
        assertThat(state).isEqualTo(SINK_SHUT_AFTER_CLOSE_FORWARDED);
        assertThat(state.closeForwarded()).as("the relay then waits only for the source's end").isTrue();

        assertThat(state.to(DONE)).isEqualTo(DONE);
    }

    @Test
    void aSourceThatVanishes_getsItsPeerAProxyCloseFrame_thenTheSinkIsShut() {
        RelayState state = RELAYING.afterSourceEnded();
        assertThat(state).isEqualTo(ENDED);

        state = state.afterCloseSent();
        assertThat(state).isEqualTo(ENDED_AND_CLOSE_SENT);
        assertThat(state.sourceEnded()).as("still known after the close frame's write").isTrue();

        assertThat(state.afterSinkShut()).isEqualTo(SINK_SHUT);
    }

    @Test
    void aSourceEndingAfterItsCloseFrame_keepsTheCloseForwarded() {
        RelayState state = CLOSE_FORWARDED.afterSourceEnded();

        assertThat(state).isEqualTo(ENDED_AFTER_CLOSE_FORWARDED);
        assertThat(state.closeForwarded()).isTrue();
        assertThat(state.afterSinkShut()).isEqualTo(SINK_SHUT_AFTER_CLOSE_FORWARDED);
    }

    @Test
    void aProxyCloseFrame_thenTheSourcesEnd_thenTheShut() {
        RelayState state = RELAYING.afterCloseSent();
        assertThat(state).isEqualTo(CLOSE_SENT);

        assertThat(state.afterSourceEnded()).isEqualTo(ENDED_AND_CLOSE_SENT);
        assertThat(state.afterSinkShut()).isEqualTo(SINK_SHUT);
    }

    @Test
    void aSecondProxyCloseFrame_failsLoudly_namingBothStates() {
        assertThatThrownBy(CLOSE_SENT::afterCloseSent)
            .isInstanceOf(IllegalStateException.class)
            .hasMessage("a relay cannot move from CLOSE_SENT to CLOSE_SENT");
    }

    @Test
    void aProxyCloseFrameAfterTheSourcesOwn_failsLoudly() {
        assertThatThrownBy(() -> CLOSE_FORWARDED.to(CLOSE_SENT))
            .isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("CLOSE_FORWARDED to CLOSE_SENT");
    }

    @Test
    void nothingMovesBack_norOutOfAShutSink_butToDone() {
        assertThatThrownBy(() -> SINK_SHUT.to(RELAYING)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(SINK_SHUT::afterSourceEnded).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(SINK_SHUT::afterSinkShut).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> SINK_SHUT_AFTER_CLOSE_FORWARDED.to(CLOSE_FORWARDED)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> ENDED.to(RELAYING)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void done_isFinal() {
        for (RelayState next : RelayState.values()) {
            assertThat(DONE.canMoveTo(next)).as("DONE -> %s", next).isFalse();
        }
        assertThatThrownBy(() -> DONE.to(DONE)).isInstanceOf(IllegalStateException.class)
            .hasMessage("a relay cannot move from DONE to DONE");
    }

    @ParameterizedTest
    @EnumSource(value = RelayState.class, names = "DONE", mode = EnumSource.Mode.EXCLUDE)
    void everyStateButDone_mayEnd(RelayState state) {
        assertThat(state.to(DONE)).isEqualTo(DONE);
    }

    @ParameterizedTest
    @EnumSource(RelayState.class)
    void everyMoveOnlyGainsFacts_andNeverStaysPut(RelayState from) {
        for (RelayState to : RelayState.values()) {
            if (!from.canMoveTo(to) || to == DONE) {
                continue;
            }
            assertThat(to).as("%s -> %s", from, to).isNotEqualTo(from);
            assertThat(!from.closeForwarded() || to.closeForwarded()).as("%s -> %s keeps the close forwarded", from, to).isTrue();
            assertThat(!from.sinkShut() || to.sinkShut()).as("%s -> %s keeps the sink shut", from, to).isTrue();
            // A shut sink no longer cares that the source ended or that a close frame was sent: those facts drop.
            if (!to.sinkShut()) {
                assertThat(!from.sourceEnded() || to.sourceEnded()).as("%s -> %s keeps the end", from, to).isTrue();
                assertThat(!from.closeSent() || to.closeSent()).as("%s -> %s keeps the close sent", from, to).isTrue();
            }
        }
    }

    @Test
    void theSinkIsShutFromEveryStateWhereItIsOpen() {
        Set<RelayState> open = EnumSet.noneOf(RelayState.class);
        for (RelayState state : RelayState.values()) {
            if (!state.sinkShut()) {
                open.add(state);
                assertThat(state.afterSinkShut().sinkShut()).as(state.name()).isTrue();
            }
        }
        assertThat(open).containsExactlyInAnyOrder(RELAYING, CLOSE_FORWARDED, CLOSE_SENT, ENDED,
            ENDED_AFTER_CLOSE_FORWARDED, ENDED_AND_CLOSE_SENT);
    }
}
