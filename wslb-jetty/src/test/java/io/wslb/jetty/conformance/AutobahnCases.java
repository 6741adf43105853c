package io.wslb.jetty.conformance;

import static org.junit.jupiter.api.DynamicContainer.dynamicContainer;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import io.wslb.jetty.conformance.AutobahnCase.Event;
import io.wslb.testing.Chopping;
import io.wslb.testing.Frame;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicNode;

/**
 * Autobahn|Testsuite groups 1-7 and 10, case by case, numbered as Autobahn numbers them, with the frames Autobahn
 * sends and the strict (OK) outcome Autobahn expects. Written from the case descriptions of the suite; the UTF-8
 * table of 6.5 to 6.23 follows Markus Kuhn's UTF-8 decoder test file as Autobahn does, in the same order.
 *
 * <p>Where a step differs from Autobahn it is said next to it: pauses of Autobahn's (5.19, 6.4.x) are replaced by a
 * ping whose pong the peer must send first, and the last part of a fail-fast case (6.4.x) is never sent, since a
 * strict peer has failed the connection by then.
 */
final class AutobahnCases {

    private static final int NORMAL = 1000;
    private static final int PROTOCOL_ERROR = 1002;
    private static final int INVALID_PAYLOAD = 1007;
    private static final Chopping WHOLE = Chopping.whole();
    private static final Chopping FRAME_WISE = Chopping.perFrame();
    private static final Chopping OCTET_WISE = Chopping.every(1);
    /** A fixed key, so that the parts of one frame sent in several writes fit together in the client role. */
    private static final byte[] PART_KEY = {0x37, (byte) 0xfa, 0x21, 0x3d};

    /** κόσμε, the Greek word of Markus Kuhn's test file. */
    private static final byte[] KOSME = bytes(0xce, 0xba, 0xe1, 0xbd, 0xb9, 0xcf, 0x83, 0xce, 0xbc, 0xce, 0xb5);
    private static final byte[] EDITED = ascii("edited");

    private AutobahnCases() {}

    /** {@return every case, in Autobahn's order} */
    static List<AutobahnCase> all() {
        List<AutobahnCase> cases = new ArrayList<>();
        cases.addAll(group1());
        cases.addAll(group2());
        cases.addAll(group3());
        cases.addAll(group4());
        cases.addAll(group5());
        cases.addAll(group6());
        cases.addAll(group7());
        cases.addAll(group10());
        return cases;
    }

    /** {@return group number to Autobahn's title of the group} */
    /**
     * @param run plays one case and checks it
     * @return every case as a named JUnit test, in a container per group (the tree both positions show)
     */
    static Stream<DynamicNode> asTests(CaseRunner run) {
        List<AutobahnCase> cases = all();
        return groups().entrySet().stream().map((Map.Entry<Integer, String> group) -> dynamicContainer(
            group.getKey() + " " + group.getValue(),
            cases.stream().filter(c -> c.group() == group.getKey()).map(c -> dynamicTest(c.toString(), () -> run.run(c)))));
    }

    /** Plays one case in one position and checks it. */
    @FunctionalInterface
    interface CaseRunner {
        void run(AutobahnCase c) throws Exception;
    }

    static Map<Integer, String> groups() {
        Map<Integer, String> titles = new LinkedHashMap<>();
        titles.put(1, "Framing");
        titles.put(2, "Pings/Pongs");
        titles.put(3, "Reserved Bits");
        titles.put(4, "Opcodes");
        titles.put(5, "Fragmentation");
        titles.put(6, "UTF-8 Handling");
        titles.put(7, "Close Handling");
        titles.put(10, "Miscellaneous (auto-fragmentation)");
        return titles;
    }

    // 1 Framing ------------------------------------------------------------------------------------------------

    private static List<AutobahnCase> group1() {
        List<AutobahnCase> cases = new ArrayList<>();
        int[] lengths = {0, 125, 126, 127, 128, 65535, 65536, 65536};
        for (int binary = 0; binary <= 1; binary++) {
            for (int i = 0; i < lengths.length; i++) {
                boolean chopped = i == lengths.length - 1;
                byte[] payload = filled(lengths[i], binary == 0 ? '*' : 0xfe);
                Frame frame = binary == 0 ? Frame.text(payload) : Frame.binary(payload);
                String id = "1." + (binary + 1) + "." + (i + 1);
                String title = "send " + (binary == 0 ? "text" : "binary") + " message with payload length " + lengths[i]
                    + (chopped ? ", sent in chops of 997 octets" : "");
                cases.add(AutobahnCase.of(id, title)
                    .send(chopped ? Chopping.every(997) : WHOLE, frame)
                    .expect(binary == 0 ? Event.text(payload) : Event.binary(payload))
                    .testerCloses(NORMAL));
            }
        }
        return cases;
    }

    // 2 Pings/Pongs --------------------------------------------------------------------------------------------

    private static List<AutobahnCase> group2() {
        List<AutobahnCase> cases = new ArrayList<>();
        cases.add(pingCase("2.1", "ping without payload", new byte[0], WHOLE));
        cases.add(pingCase("2.2", "ping with small text payload", ascii("Hello, world!"), WHOLE));
        cases.add(pingCase("2.3", "ping with small binary (non UTF-8) payload", bytes(0x00, 0xff, 0xfe, 0xfd, 0xfc, 0xfb, 0x00, 0xff), WHOLE));
        cases.add(pingCase("2.4", "ping with binary payload of 125 octets", filled(125, 0xfe), WHOLE));
        cases.add(AutobahnCase.of("2.5", "ping with binary payload of 126 octets")
            .send(Frame.ping(filled(126, 0xfe)))
            .proxyRefusesAFrame()
            .peerFails(PROTOCOL_ERROR));
        cases.add(pingCase("2.6", "ping with binary payload of 125 octets, sent in octet-wise chops", filled(125, 0xfe), OCTET_WISE));
        cases.add(AutobahnCase.of("2.7", "unsolicited pong without payload")
            .send(Frame.pong(new byte[0]))
            .testerCloses(NORMAL));
        cases.add(AutobahnCase.of("2.8", "unsolicited pong with payload")
            .send(Frame.pong(ascii("unsolicited pong payload")))
            .testerCloses(NORMAL));
        cases.add(AutobahnCase.of("2.9", "unsolicited pong with payload, then ping with payload")
            .send(Frame.pong(ascii("unsolicited pong payload")), Frame.ping(ascii("ping payload")))
            .expect(Event.pong("ping payload"))
            .testerCloses(NORMAL));
        for (int k = 0; k < 2; k++) {
            Chopping chopping = k == 0 ? WHOLE : OCTET_WISE;
            AutobahnCase.Builder b = AutobahnCase.of(k == 0 ? "2.10" : "2.11",
                "10 pings with payload" + (k == 0 ? "" : ", sent in octet-wise chops"));
            Frame[] pings = new Frame[10];
            for (int i = 0; i < 10; i++) {
                pings[i] = Frame.ping(ascii("payload-" + i));
                b.expect(Event.pong("payload-" + i));
            }
            cases.add(b.send(chopping, pings).testerCloses(NORMAL));
        }
        return cases;
    }

    private static AutobahnCase pingCase(String id, String title, byte[] payload, Chopping chopping) {
        return AutobahnCase.of(id, title).send(chopping, Frame.ping(payload)).expect(Event.pong(payload)).testerCloses(NORMAL);
    }

    // 3 Reserved bits ------------------------------------------------------------------------------------------

    private static List<AutobahnCase> group3() {
        List<AutobahnCase> cases = new ArrayList<>();
        byte[] hello = ascii("Hello, world!");
        cases.add(AutobahnCase.of("3.1", "small text message with RSV = 1")
            .send(Frame.text(hello).rsv(1))
            .proxyRefusesAFrame().peerFails(PROTOCOL_ERROR));
        Chopping[] choppings = {WHOLE, FRAME_WISE, OCTET_WISE};
        String[] how = {"", ", frame-wise chops", ", octet-wise chops"};
        for (int i = 0; i < 3; i++) {
            int rsv = i + 2;
            cases.add(AutobahnCase.of("3." + rsv, "small text message, then again with RSV = " + rsv + ", then ping" + how[i])
                .send(choppings[i], Frame.text(hello), Frame.text(hello).rsv(rsv), Frame.ping(new byte[0]))
                .expect(Event.text(hello))
                .proxyRefusesAFrame().peerFails(PROTOCOL_ERROR));
        }
        // Autobahn's 3.6 is titled "Ping with RSV = 6" but sends a binary frame (opcode 2); so does this port.
        byte[] binary = bytes(0x00, 0xff, 0xfe, 0xfd, 0xfc, 0xfb, 0x00, 0xff);
        cases.add(AutobahnCase.of("3.5", "small binary message with RSV = 5")
            .send(Frame.binary(binary).rsv(5))
            .proxyRefusesAFrame().peerFails(PROTOCOL_ERROR));
        cases.add(AutobahnCase.of("3.6", "RSV = 6 (Autobahn sends it on a binary frame)")
            .send(Frame.binary(hello).rsv(6))
            .proxyRefusesAFrame().peerFails(PROTOCOL_ERROR));
        cases.add(AutobahnCase.of("3.7", "close with RSV = 7")
            .send(Frame.closeWithPayload(new byte[0]).rsv(7))
            .proxyRefusesAFrame().peerFails(PROTOCOL_ERROR));
        return cases;
    }

    // 4 Opcodes ------------------------------------------------------------------------------------------------

    private static List<AutobahnCase> group4() {
        List<AutobahnCase> cases = new ArrayList<>();
        byte[] hello = ascii("Hello, world!");
        byte[] reservedPayload = ascii("reserved opcode payload");
        int[][] opcodes = {{3, 4, 5, 6, 7}, {11, 12, 13, 14, 15}};
        for (int g = 0; g < 2; g++) {
            String kind = g == 0 ? "non-control" : "control";
            int[] ops = opcodes[g];
            String prefix = "4." + (g + 1) + ".";
            cases.add(AutobahnCase.of(prefix + 1, "frame with reserved " + kind + " opcode " + ops[0])
                .send(Frame.of(ops[0], new byte[0]))
                .proxyRefusesAFrame().peerFails(PROTOCOL_ERROR));
            cases.add(AutobahnCase.of(prefix + 2, "frame with reserved " + kind + " opcode " + ops[1] + " and non-empty payload")
                .send(Frame.of(ops[1], reservedPayload))
                .proxyRefusesAFrame().peerFails(PROTOCOL_ERROR));
            cases.add(AutobahnCase.of(prefix + 3, "small text message, then reserved " + kind + " opcode " + ops[2] + ", then ping")
                .send(Frame.text(hello), Frame.of(ops[2], new byte[0]), Frame.ping(new byte[0]))
                .expect(Event.text(hello))
                .proxyRefusesAFrame().peerFails(PROTOCOL_ERROR));
            cases.add(AutobahnCase.of(prefix + 4, "small text message, then reserved " + kind + " opcode " + ops[3] + " with payload, then ping")
                .send(Frame.text(hello), Frame.of(ops[3], hello), Frame.ping(new byte[0]))
                .expect(Event.text(hello))
                .proxyRefusesAFrame().peerFails(PROTOCOL_ERROR));
            cases.add(AutobahnCase.of(prefix + 5, "small text message, then reserved " + kind + " opcode " + ops[4]
                    + " with payload, then ping, octet-wise chops")
                .send(OCTET_WISE, Frame.text(hello), Frame.of(ops[4], hello), Frame.ping(new byte[0]))
                .expect(Event.text(hello))
                .proxyRefusesAFrame().peerFails(PROTOCOL_ERROR));
        }
        return cases;
    }

    // 5 Fragmentation ------------------------------------------------------------------------------------------

    private static List<AutobahnCase> group5() {
        List<AutobahnCase> cases = new ArrayList<>();
        byte[] f1 = ascii("fragment1");
        byte[] f2 = ascii("fragment2");
        byte[] f1f2 = ascii("fragment1fragment2");
        cases.add(AutobahnCase.of("5.1", "ping fragmented into 2 fragments")
            .send(Frame.ping(f1).fin(false), Frame.continuation(f2))
            .proxyRefusesAFrame().peerFails(PROTOCOL_ERROR));
        cases.add(AutobahnCase.of("5.2", "pong fragmented into 2 fragments")
            .send(Frame.pong(f1).fin(false), Frame.continuation(f2))
            .proxyRefusesAFrame().peerFails(PROTOCOL_ERROR));
        Chopping[] choppings = {WHOLE, FRAME_WISE, OCTET_WISE};
        String[] how = {"", ", frame-wise chops", ", octet-wise chops"};
        for (int i = 0; i < 3; i++) {
            cases.add(AutobahnCase.of("5." + (3 + i), "text message fragmented into 2 fragments" + how[i])
                .send(choppings[i], Frame.text(f1).fin(false), Frame.continuation(f2))
                .expect(Event.text(f1f2))
                .testerCloses(NORMAL));
        }
        byte[] pingPayload = ascii("ping payload");
        for (int i = 0; i < 3; i++) {
            cases.add(AutobahnCase.of("5." + (6 + i), "text message in 2 fragments, a ping with payload in between" + how[i])
                .send(choppings[i], Frame.text(f1).fin(false), Frame.ping(pingPayload), Frame.continuation(f2))
                .expect(Event.pong(pingPayload), Event.text(f1f2))
                .testerCloses(NORMAL));
        }
        byte[] nonContinuation = ascii("non-continuation payload");
        byte[] hello = ascii("Hello, world!");
        for (int fin = 1; fin >= 0; fin--) {
            for (int i = 0; i < 3; i++) {
                int number = (fin == 1 ? 9 : 12) + i;
                cases.add(AutobahnCase.of("5." + number, "unfragmented text message after a continuation frame with FIN = "
                        + (fin == 1) + " where there is nothing to continue" + (i == 0 ? ", one chop" : how[i]))
                    .send(choppings[i], Frame.continuation(nonContinuation).fin(fin == 1), Frame.text(hello))
                    .proxyRefusesAFrame().peerFails(PROTOCOL_ERROR));
            }
        }
        cases.add(AutobahnCase.of("5.15", "text message in 2 fragments, then a continuation with FIN = false where there is "
                + "nothing to continue, then an unfragmented text message, one chop")
            .send(Frame.text(f1).fin(false), Frame.continuation(f2), Frame.continuation(ascii("fragment3")).fin(false),
                Frame.text(ascii("fragment4")))
            .expect(Event.text(f1f2))
            .proxyRefusesAFrame().peerFails(PROTOCOL_ERROR));
        for (int fin = 0; fin <= 1; fin++) {
            List<Frame> frames = new ArrayList<>();
            for (int r = 0; r < 2; r++) {
                frames.add(Frame.continuation(f1).fin(fin == 1));
                frames.add(Frame.text(f2).fin(false));
                frames.add(Frame.continuation(ascii("fragment3")));
            }
            cases.add(AutobahnCase.of("5." + (16 + fin), "repeated 2x: a continuation with FIN = " + (fin == 1)
                    + " (nothing to continue), then a text message in 2 fragments")
                .send(frames.toArray(Frame[]::new))
                .proxyRefusesAFrame().peerFails(PROTOCOL_ERROR));
        }
        cases.add(AutobahnCase.of("5.18", "text message in 2 fragments, both with the text opcode")
            .send(Frame.text(f1).fin(false), Frame.text(f2))
            .proxyRefusesAFrame().peerFails(PROTOCOL_ERROR));
        for (int k = 0; k < 2; k++) {
            Chopping chopping = k == 0 ? WHOLE : FRAME_WISE;
            // Autobahn waits 1 s after the first ping and expects its pong meanwhile: here the tester awaits it.
            cases.add(AutobahnCase.of("5." + (19 + k), "text message in 5 fragments with 2 pings in between"
                    + (k == 0 ? "" : ", frame-wise chops"))
                .send(chopping, Frame.text(f1).fin(false), Frame.continuation(f2).fin(false), Frame.ping(ascii("pongme 1!")))
                .awaitPong("pongme 1!")
                .send(chopping, Frame.continuation(ascii("fragment3")).fin(false), Frame.continuation(ascii("fragment4")).fin(false),
                    Frame.ping(ascii("pongme 2!")), Frame.continuation(ascii("fragment5")))
                .expect(Event.pong("pongme 2!"), Event.text(ascii("fragment1fragment2fragment3fragment4fragment5")))
                .testerCloses(NORMAL));
        }
        return cases;
    }

    // 6 UTF-8 handling -----------------------------------------------------------------------------------------

    private static List<AutobahnCase> group6() {
        List<AutobahnCase> cases = new ArrayList<>();
        cases.add(AutobahnCase.of("6.1.1", "text message of length 0")
            .send(Frame.text(new byte[0])).expect(Event.text("")).testerCloses(NORMAL));
        cases.add(AutobahnCase.of("6.1.2", "fragmented text message, 3 fragments of length 0")
            .send(Frame.text(new byte[0]).fin(false), Frame.continuation(new byte[0]).fin(false), Frame.continuation(new byte[0]))
            .expect(Event.text("")).testerCloses(NORMAL));
        byte[] middle = ascii("middle frame payload");
        cases.add(AutobahnCase.of("6.1.3", "fragmented text message, 3 fragments, first and last of length 0")
            .send(Frame.text(new byte[0]).fin(false), Frame.continuation(middle).fin(false), Frame.continuation(new byte[0]))
            .expect(Event.text(middle)).testerCloses(NORMAL));

        byte[] hello = "Hello-µ@ßöäüàá-UTF-8!!".getBytes(StandardCharsets.UTF_8);
        byte[] hello1 = "Hello-µ@ßöä".getBytes(StandardCharsets.UTF_8);
        byte[] hello2 = "üàá-UTF-8!!".getBytes(StandardCharsets.UTF_8);
        cases.add(AutobahnCase.of("6.2.1", "valid UTF-8 text message in one fragment")
            .send(Frame.text(hello)).expect(Event.text(hello)).testerCloses(NORMAL));
        cases.add(AutobahnCase.of("6.2.2", "valid UTF-8 text message in two fragments, split on a code point boundary")
            .send(Frame.text(hello1).fin(false), Frame.continuation(hello2)).expect(Event.text(hello)).testerCloses(NORMAL));
        cases.add(AutobahnCase.of("6.2.3", "valid UTF-8 text message in fragments of 1 octet")
            .send(fragmentsOfOneOctet(hello)).expect(Event.text(hello)).testerCloses(NORMAL));
        cases.add(AutobahnCase.of("6.2.4", "valid UTF-8 text message (κόσμε) in fragments of 1 octet")
            .send(fragmentsOfOneOctet(KOSME)).expect(Event.text(KOSME)).testerCloses(NORMAL));

        byte[] invalid = concat(KOSME, bytes(0xed, 0xa0, 0x80), EDITED);
        cases.add(AutobahnCase.of("6.3.1", "invalid UTF-8 text message, unfragmented")
            .send(Frame.text(invalid)).peerFails(INVALID_PAYLOAD));
        cases.add(AutobahnCase.of("6.3.2", "invalid UTF-8 text message in fragments of 1 octet")
            .send(fragmentsOfOneOctet(invalid)).peerFails(INVALID_PAYLOAD));

        // 6.4: fail fast. Autobahn waits 1 s after each part; a strict peer fails the connection on the part that
        // makes the payload invalid, so the third part is never due. The first part's acceptance is proven by a
        // ping ("A", for Autobahn's "timeout A") whose pong must come before anything else.
        byte[] part2 = bytes(0xf4, 0x90, 0x80, 0x80); // 0x110000: past the last code point
        byte[] whole = concat(KOSME, part2, EDITED);
        cases.add(AutobahnCase.of("6.4.1", "invalid UTF-8 text message in 3 fragments, fail fast on the 2nd")
            .send(Frame.text(KOSME).fin(false), Frame.ping(ascii("A")))
            .awaitPong("A")
            .send(Frame.continuation(part2).fin(false))
            .peerFails(INVALID_PAYLOAD));
        cases.add(AutobahnCase.of("6.4.2", "as 6.4.1, the 2nd fragment holding only the octet that makes the payload invalid")
            .send(Frame.text(Arrays.copyOf(whole, 12)).fin(false), Frame.ping(ascii("A")))
            .awaitPong("A")
            .send(Frame.continuation(new byte[] {whole[12]}).fin(false))
            .peerFails(INVALID_PAYLOAD));
        Frame oneFrame = Frame.text(whole).masked(PART_KEY);
        cases.add(AutobahnCase.of("6.4.3", "as 6.4.1, in 3 chops of one frame")
            .sendPart(oneFrame, 0, KOSME.length)
            .sendPart(oneFrame, KOSME.length, KOSME.length + part2.length)
            .peerFails(INVALID_PAYLOAD));
        cases.add(AutobahnCase.of("6.4.4", "as 6.4.2, in 3 chops of one frame")
            .sendPart(oneFrame, 0, 12)
            .sendPart(oneFrame, 12, 13)
            .peerFails(INVALID_PAYLOAD));

        int group = 5;
        for (Utf8Sequences.Group g : Utf8Sequences.groups()) {
            int number = 1;
            for (Utf8Sequences.Sequence s : g.sequences()) {
                AutobahnCase.Builder b = AutobahnCase.of("6." + group + "." + number++,
                    g.title() + ": " + (s.valid() ? "valid " : "invalid ") + Utf8Sequences.hex(s.bytes()))
                    .send(Frame.text(s.bytes()));
                cases.add(s.valid() ? b.expect(Event.text(s.bytes())).testerCloses(NORMAL) : b.peerFails(INVALID_PAYLOAD));
            }
            group++;
        }
        return cases;
    }

    private static Frame[] fragmentsOfOneOctet(byte[] payload) {
        Frame[] frames = new Frame[payload.length];
        for (int i = 0; i < payload.length; i++) {
            Frame frame = i == 0 ? Frame.text(new byte[] {payload[i]}) : Frame.continuation(new byte[] {payload[i]});
            frames[i] = frame.fin(i == payload.length - 1);
        }
        return frames;
    }

    // 7 Close handling -----------------------------------------------------------------------------------------

    private static List<AutobahnCase> group7() {
        List<AutobahnCase> cases = new ArrayList<>();
        byte[] hello = ascii("Hello World!");
        Frame close1000 = Frame.close(NORMAL, "");
        cases.add(AutobahnCase.of("7.1.1", "a message followed by a close frame")
            .send(Frame.text(hello)).expect(Event.text(hello)).testerCloses(NORMAL));
        cases.add(AutobahnCase.of("7.1.2", "two close frames")
            .send(close1000, Frame.closeWithPayload(new byte[0])).testerCloses(NORMAL));
        cases.add(AutobahnCase.of("7.1.3", "a ping after the close frame")
            .send(close1000, Frame.ping(new byte[0])).testerCloses(NORMAL));
        cases.add(AutobahnCase.of("7.1.4", "a text message after the close frame")
            .send(close1000, Frame.text(hello)).testerCloses(NORMAL));
        cases.add(AutobahnCase.of("7.1.5", "message fragment 1, then close, then fragment 2")
            .send(Frame.text(ascii("fragment1")).fin(false), close1000, Frame.continuation(ascii("fragment2")))
            .testerCloses(NORMAL));
        // Autobahn: informational (the first message may be cut short by the close); strict: both echoed, in order.
        byte[] big = repeated(ascii("BAsd7&jh23"), 256 * 1024);
        cases.add(AutobahnCase.of("7.1.6", "a 256 KiB message, a message, a close, then a ping")
            .send(Frame.text(big), Frame.text(hello), close1000, Frame.ping(new byte[0]))
            .expect(Event.text(big), Event.text(hello))
            .testerCloses(NORMAL));

        cases.add(AutobahnCase.of("7.3.1", "close frame with payload length 0 (no code, no reason)")
            .send(Frame.closeWithPayload(new byte[0])).testerCloses(NORMAL, AutobahnCase.NO_CODE));
        cases.add(AutobahnCase.of("7.3.2", "close frame with payload length 1")
            .send(Frame.closeWithPayload(ascii("a"))).testerCloses(PROTOCOL_ERROR));
        cases.add(AutobahnCase.of("7.3.3", "close frame with payload length 2 (a code)")
            .send(close1000).testerCloses(NORMAL));
        cases.add(AutobahnCase.of("7.3.4", "close frame with a code and a reason")
            .send(Frame.close(NORMAL, "Hello World!")).testerCloses(NORMAL));
        cases.add(AutobahnCase.of("7.3.5", "close frame with a code and a reason of 123 octets (the most)")
            .send(Frame.close(NORMAL, "*".repeat(123))).testerCloses(NORMAL));
        cases.add(AutobahnCase.of("7.3.6", "close frame with a code and a reason of 124 octets (payload of 126)")
            .send(Frame.close(NORMAL, "*".repeat(124)))
            .proxyRefusesAFrame().testerCloses(PROTOCOL_ERROR));
        cases.add(AutobahnCase.of("7.5.1", "close frame with an invalid UTF-8 reason")
            .send(Frame.close(NORMAL, concat(KOSME, bytes(0xed, 0xa0, 0x80), EDITED)))
            .testerCloses(PROTOCOL_ERROR, INVALID_PAYLOAD));
        int[] valid = {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999};
        for (int i = 0; i < valid.length; i++) {
            cases.add(AutobahnCase.of("7.7." + (i + 1), "close with valid close code " + valid[i])
                .send(Frame.close(valid[i], "")).testerCloses(NORMAL, valid[i]));
        }
        int[] invalidCodes = {0, 999, 1004, 1005, 1006, 1016, 1100, 2000, 2999};
        for (int i = 0; i < invalidCodes.length; i++) {
            cases.add(AutobahnCase.of("7.9." + (i + 1), "close with invalid close code " + invalidCodes[i])
                .send(Frame.close(invalidCodes[i], "")).testerCloses(PROTOCOL_ERROR));
        }
        // Autobahn: informational ("undefined by the spec"); strict: codes over 4999 are no close code at all.
        cases.add(AutobahnCase.of("7.13.1", "close with close code 5000")
            .send(Frame.close(5000, "")).testerCloses(PROTOCOL_ERROR));
        cases.add(AutobahnCase.of("7.13.2", "close with close code 65535")
            .send(Frame.close(65535, "")).testerCloses(PROTOCOL_ERROR));
        return cases;
    }

    // 10 Miscellaneous -----------------------------------------------------------------------------------------

    private static List<AutobahnCase> group10() {
        byte[] payload = filled(65536, '*');
        int size = 1300;
        List<Frame> frames = new ArrayList<>();
        for (int from = 0; from < payload.length; from += size) {
            byte[] part = Arrays.copyOfRange(payload, from, Math.min(payload.length, from + size));
            Frame frame = from == 0 ? Frame.text(part) : Frame.continuation(part);
            frames.add(frame.fin(from + size >= payload.length));
        }
        return List.of(AutobahnCase.of("10.1.1", "text message of 65536 octets auto-fragmented into frames of 1300")
            .send(frames.toArray(Frame[]::new))
            .expect(Event.text(payload))
            .testerCloses(NORMAL));
    }

    // helpers --------------------------------------------------------------------------------------------------

    static byte[] bytes(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            b[i] = (byte) values[i];
        }
        return b;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] filled(int length, int value) {
        byte[] b = new byte[length];
        Arrays.fill(b, (byte) value);
        return b;
    }

    private static byte[] repeated(byte[] pattern, int length) {
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) {
            b[i] = pattern[i % pattern.length];
        }
        return b;
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }
}
