package io.wslb.jetty.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import io.wslb.jetty.conformance.AutobahnCase.Event;
import io.wslb.jetty.conformance.AutobahnCase.Kind;
import io.wslb.testing.Frame;
import io.wslb.testing.RawWebSocketConnection;
import io.wslb.testing.RawWebSocketConnection.Role;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Plays Autobahn's part of one {@link AutobahnCase} on a raw connection, from either end (the client role masks
 * what it sends, the server role does not), and checks the outcome strictly: the exact events, a close frame from
 * the expected side with an expected code, and (toward a server) the TCP connection closed by the server.
 */
final class Tester {

    /** How long the tester waits for anything the peer owes it. Only a bound on failure, never a measure. */
    static final Duration WAIT = Duration.ofSeconds(5);

    private final RawWebSocketConnection ws;
    private final List<Event> events = new ArrayList<>();
    private final List<String> wireErrors = new ArrayList<>();
    private ByteArrayOutputStream message;
    private Kind messageKind;
    private boolean closeSent;
    private boolean writeFailed;

    /**
     * What happened.
     *
     * @param events what arrived before the close frame
     * @param close the peer's close frame
     * @param peerStartedClosing true if the peer's close frame came before the tester sent one
     * @param serverClosedTcp for the client role: the server ended the TCP connection after the closing handshake
     */
    record Outcome(List<Event> events, Frame close, boolean peerStartedClosing, boolean serverClosedTcp) {}

    Tester(RawWebSocketConnection ws) {
        this.ws = ws;
        ws.readTimeout(WAIT);
    }

    /**
     * Runs the case and asserts the outcome.
     *
     * @param c the case
     * @return the outcome, for further checks
     */
    Outcome runAndVerify(AutobahnCase c) throws IOException {
        Outcome outcome = run(c);
        verify(c, outcome);
        return outcome;
    }

    private Outcome run(AutobahnCase c) throws IOException {
        for (AutobahnCase.Step step : c.steps()) {
            if (writeFailed) {
                break; // the peer closed the connection: Autobahn too stops sending then
            }
            if (step instanceof AutobahnCase.Send send) {
                List<Frame> frames = send.frames().stream().map(ws.role()::prepare).toList();
                write(() -> ws.sendAsIs(send.chopping(), frames));
                // A close frame with RSV bits set (3.7) breaks the protocol: it starts no closing handshake.
                closeSent |= frames.stream().anyMatch(f -> f.opcode() == Frame.CLOSE && f.rsv() == 0);
            } else if (step instanceof AutobahnCase.SendPart part) {
                Frame frame = ws.role().prepare(part.frame());
                byte[] wire = frame.encode();
                int header = frame.header().length;
                write(() -> ws.write(Arrays.copyOfRange(wire, part.from() == 0 ? 0 : header + part.from(), header + part.to())));
            } else if (step instanceof AutobahnCase.AwaitPong await) {
                int before = events.size();
                Frame close = readEvent();
                while (close == null && events.size() == before) {
                    close = readEvent(); // the fragments of a message, until it is complete
                }
                assertThat(close).as("%s: a close frame came instead of the pong %s; events %s", c.id(),
                    Event.pong(await.payload()), events).isNull();
                assertThat(events.subList(before, events.size())).as("%s: the event after the ping", c.id())
                    .containsExactly(Event.pong(await.payload()));
            }
        }
        if (c.closing().by() == AutobahnCase.Closer.TESTER && !closeSent) {
            write(() -> ws.send(Frame.close(1000, "")));
            closeSent = true;
        }
        Frame close = null;
        while (close == null) {
            close = readEvent();
        }
        boolean peerStarted = !closeSent;
        if (peerStarted) {
            // Answer as a compliant endpoint would: echo the code.
            int code = close.closeCode().orElse(AutobahnCase.NO_CODE);
            write(() -> ws.send(code == AutobahnCase.NO_CODE ? Frame.closeWithPayload(new byte[0]) : Frame.close(code, "")));
        }
        boolean serverClosedTcp = true;
        if (ws.role() == Role.CLIENT) {
            serverClosedTcp = ws.awaitEndOfStream(WAIT);
        }
        ws.close(); // a server closes the TCP connection once the closing handshake is done
        return new Outcome(List.copyOf(events), close, peerStarted, serverClosedTcp);
    }

    private void verify(AutobahnCase c, Outcome outcome) {
        assertThat(wireErrors).as("%s: frames that broke the protocol on their way to the tester", c.id()).isEmpty();
        assertThat(outcome.events()).as("%s: events before the close frame", c.id()).containsExactlyElementsOf(c.events());
        assertThat(outcome.peerStartedClosing()).as("%s: the peer started the closing handshake (close %s)", c.id(), outcome.close())
            .isEqualTo(c.closing().by() == AutobahnCase.Closer.PEER);
        int code = outcome.close().closeCode().orElse(AutobahnCase.NO_CODE);
        assertThat(code).as("%s: the peer's close code (%s)", c.id(), outcome.close()).isIn(c.closing().codes());
        assertThat(outcome.serverClosedTcp()).as("%s: the server closed the TCP connection after the closing handshake", c.id()).isTrue();
    }

    private interface Write {
        void run() throws IOException;
    }

    private void write(Write write) {
        if (writeFailed) {
            return;
        }
        try {
            write.run();
        } catch (IOException e) {
            writeFailed = true; // the peer is gone; what it sent before is still to be read
        }
    }

    /** Reads one frame; records a completed message or a control frame; returns a close frame, else null. */
    private Frame readEvent() throws IOException {
        Frame frame;
        try {
            frame = ws.read();
        } catch (SocketTimeoutException e) {
            throw new AssertionError("no close frame within " + WAIT + "; events so far " + events, e);
        } catch (EOFException e) {
            throw new AssertionError("the connection ended without a close frame (1006); events so far " + events, e);
        } catch (IOException e) {
            throw new AssertionError("the connection failed without a close frame (1006): " + e + "; events so far " + events, e);
        }
        boolean mustBeMasked = ws.role() == Role.SERVER;
        if (frame.isMasked() != mustBeMasked) {
            wireErrors.add((mustBeMasked ? "unmasked" : "masked") + " frame: " + frame);
        }
        if (frame.rsv() != 0) {
            wireErrors.add("RSV bits set: " + frame);
        }
        switch (frame.opcode()) {
            case Frame.CLOSE -> {
                return frame;
            }
            case Frame.PONG -> events.add(new Event(Kind.PONG, frame.payload()));
            case Frame.PING -> events.add(new Event(Kind.PING, frame.payload()));
            case Frame.TEXT, Frame.BINARY -> {
                if (message != null) {
                    wireErrors.add("new message inside a fragmented one: " + frame);
                }
                message = new ByteArrayOutputStream();
                messageKind = frame.opcode() == Frame.TEXT ? Kind.TEXT : Kind.BINARY;
                append(frame);
            }
            case Frame.CONTINUATION -> {
                if (message == null) {
                    wireErrors.add("continuation without a message: " + frame);
                    message = new ByteArrayOutputStream();
                    messageKind = Kind.OTHER;
                }
                append(frame);
            }
            default -> events.add(new Event(Kind.OTHER, frame.encode()));
        }
        return null;
    }

    private void append(Frame frame) {
        message.writeBytes(frame.payload());
        if (frame.fin()) {
            events.add(new Event(messageKind, message.toByteArray()));
            message = null;
        }
    }
}
