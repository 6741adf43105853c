package io.wslb.jetty.conformance;

import io.wslb.testing.Chopping;
import io.wslb.testing.Frame;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * One Autobahn|Testsuite case, written so that it plays from either end of a connection: what the tester (Autobahn's
 * role) sends, in which writes, and what it must see coming back from the peer under test: the events (echoed
 * messages, pongs) in order, then a close frame, from the expected side and with an expected code.
 *
 * <p>The strict reading of Autobahn applies: where Autobahn accepts "OK or NON-STRICT", {@link #events()} is the
 * OK outcome only.
 *
 * @param id Autobahn's case number, such as {@code 6.4.2}
 * @param title Autobahn's description, shortened
 * @param steps what the tester does, in order
 * @param events what the tester must receive before the close frame, exactly
 * @param closing how the connection must end
 */
record AutobahnCase(String id, String title, List<Step> steps, List<Event> events, Closing closing) {

    /** Something the tester does. */
    sealed interface Step permits Send, SendPart, AwaitPong {}

    /**
     * Sends frames, masked or not as the tester's role requires.
     *
     * @param chopping how the bytes are cut into writes
     * @param frames the frames
     */
    record Send(Chopping chopping, List<Frame> frames) implements Step {}

    /**
     * Sends part of one frame: bytes {@code from} to {@code to} of its payload, preceded by its header when
     * {@code from} is 0. The frame carries a fixed mask key, so that its parts fit together in the client role.
     *
     * @param frame the frame
     * @param from first payload byte
     * @param to payload byte after the last
     */
    record SendPart(Frame frame, int from, int to) implements Step {}

    /**
     * Waits for the next event, which must be a pong with this payload: the deterministic stand-in for Autobahn's
     * pauses ("the peer answers the first ping before the message is complete", "the first frame was accepted").
     *
     * @param payload the pong's payload
     */
    record AwaitPong(byte[] payload) implements Step {}

    /** Who starts the closing handshake. */
    enum Closer {
        /** The tester, with 1000 (unless the case sends its own close frame); the peer must answer it. */
        TESTER,
        /** The peer, failing the connection; the tester only answers. */
        PEER
    }

    /**
     * How the connection must end.
     *
     * @param by who starts the closing handshake
     * @param codes the close codes the peer's close frame may carry; {@link #NO_CODE} for an empty close frame
     * @param proxyRefusesAFrame true when a frame of the case breaks a rule the proxy enforces from frame headers
     *     (RSV bits, opcodes, control-frame shape, continuity): then the proxy, not the far endpoint, fails the
     *     connection
     */
    record Closing(Closer by, Set<Integer> codes, boolean proxyRefusesAFrame) {}

    /** Stands for a close frame without a status code (1005 is never sent on the wire). */
    static final int NO_CODE = 1005;

    /** What the tester receives, other than close frames. */
    enum Kind { TEXT, BINARY, PONG, PING, OTHER }

    /**
     * A message (fragments joined), a pong, or anything else that arrived.
     *
     * @param kind what it is
     * @param payload the payload (compared by content)
     */
    record Event(Kind kind, byte[] payload) {
        static Event text(String text) {
            return new Event(Kind.TEXT, text.getBytes(StandardCharsets.UTF_8));
        }

        static Event text(byte[] utf8) {
            return new Event(Kind.TEXT, utf8.clone());
        }

        static Event binary(byte[] bytes) {
            return new Event(Kind.BINARY, bytes.clone());
        }

        static Event pong(byte[] payload) {
            return new Event(Kind.PONG, payload.clone());
        }

        static Event pong(String payload) {
            return pong(payload.getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof Event e && kind == e.kind && Arrays.equals(payload, e.payload);
        }

        @Override
        public int hashCode() {
            return kind.hashCode() * 31 + Arrays.hashCode(payload);
        }

        @Override
        public String toString() {
            int shown = Math.min(payload.length, 24);
            return kind + "(" + payload.length + " bytes" + (payload.length == 0 ? "" : ": "
                + HexFormat.of().formatHex(payload, 0, shown) + (shown < payload.length ? "..." : "")) + ")";
        }
    }

    /** {@return the group, such as {@code 6} for {@code 6.4.2}} */
    int group() {
        return Integer.parseInt(id.substring(0, id.indexOf('.')));
    }

    @Override
    public String toString() {
        return id + " " + title;
    }

    /** Builds a case. */
    static Builder of(String id, String title) {
        return new Builder(id, title);
    }

    /** A fluent builder for {@link AutobahnCase}. */
    static final class Builder {
        private final String id;
        private final String title;
        private final List<Step> steps = new ArrayList<>();
        private final List<Event> events = new ArrayList<>();
        private boolean proxyRefuses;

        private Builder(String id, String title) {
            this.id = id;
            this.title = title;
        }

        Builder send(Frame... frames) {
            return send(Chopping.whole(), frames);
        }

        Builder send(Chopping chopping, Frame... frames) {
            steps.add(new Send(chopping, List.of(frames)));
            return this;
        }

        Builder sendPart(Frame frame, int from, int to) {
            steps.add(new SendPart(frame, from, to));
            return this;
        }

        /** The next event must be this pong (it is also part of {@link #expect}'s list). */
        Builder awaitPong(String payload) {
            byte[] bytes = payload.getBytes(StandardCharsets.UTF_8);
            steps.add(new AwaitPong(bytes));
            events.add(Event.pong(bytes));
            return this;
        }

        Builder expect(Event... expected) {
            events.addAll(List.of(expected));
            return this;
        }

        /** A frame of this case is refused by the proxy's header checks. */
        Builder proxyRefusesAFrame() {
            this.proxyRefuses = true;
            return this;
        }

        AutobahnCase testerCloses(Integer... codes) {
            return build(Closer.TESTER, codes);
        }

        AutobahnCase peerFails(Integer... codes) {
            return build(Closer.PEER, codes);
        }

        private AutobahnCase build(Closer by, Integer... codes) {
            return new AutobahnCase(id, title, List.copyOf(steps), List.copyOf(events),
                new Closing(by, new TreeSet<>(List.of(codes)), proxyRefuses));
        }
    }
}
