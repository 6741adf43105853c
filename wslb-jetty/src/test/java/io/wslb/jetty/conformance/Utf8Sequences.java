package io.wslb.jetty.conformance;

import static io.wslb.jetty.conformance.AutobahnCases.bytes;
import static io.wslb.jetty.conformance.AutobahnCases.concat;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/**
 * The UTF-8 table behind Autobahn's cases 6.5.x to 6.23.x: groups of byte sequences from Markus Kuhn's UTF-8
 * decoder test file (plus Autobahn's own "valid sequences", "all prefixes", non-characters and specials), each
 * marked valid or not, in Autobahn's order, so that group {@code i} (from 0) is case group {@code 6.(i + 5)}.
 */
final class Utf8Sequences {

    /** One payload and whether it is valid UTF-8. */
    record Sequence(boolean valid, byte[] bytes) {}

    /** A titled group of sequences. */
    record Group(String title, List<Sequence> sequences) {}

    private Utf8Sequences() {}

    static List<Group> groups() {
        List<Group> groups = new ArrayList<>();
        byte[] kosme = bytes(0xce, 0xba, 0xe1, 0xbd, 0xb9, 0xcf, 0x83, 0xce, 0xbc, 0xce, 0xb5);
        byte[] hello = "hello".getBytes(StandardCharsets.US_ASCII);
        byte[] world = "world".getBytes(StandardCharsets.US_ASCII);
        groups.add(group("Some valid UTF-8 sequences",
            valid(concat(hello, bytes(0x24), world)),
            valid(concat(hello, bytes(0xc2, 0xa2), world)),
            valid(concat(hello, bytes(0xe2, 0x82, 0xac), world)),
            valid(concat(hello, bytes(0xf0, 0xa4, 0xad, 0xa2), world)),
            valid(kosme)));
        List<Sequence> prefixes = new ArrayList<>();
        for (int i = 1; i <= kosme.length; i++) {
            byte[] prefix = Arrays.copyOf(kosme, i);
            prefixes.add(new Sequence(strictlyValid(prefix), prefix));
        }
        groups.add(new Group("All prefixes of a valid UTF-8 string that contains multi-byte code points", prefixes));
        groups.add(group("First possible sequence of a certain length",
            valid(bytes(0x00)), valid(bytes(0xc2, 0x80)), valid(bytes(0xe0, 0xa0, 0x80)), valid(bytes(0xf0, 0x90, 0x80, 0x80))));
        groups.add(group("First possible sequence length 5/6 (invalid codepoints)",
            invalid(bytes(0xf8, 0x88, 0x80, 0x80, 0x80)), invalid(bytes(0xfc, 0x84, 0x80, 0x80, 0x80, 0x80))));
        groups.add(group("Last possible sequence of a certain length",
            valid(bytes(0x7f)), valid(bytes(0xdf, 0xbf)), valid(bytes(0xef, 0xbf, 0xbf)), valid(bytes(0xf4, 0x8f, 0xbf, 0xbf))));
        groups.add(group("Last possible sequence length 4/5/6 (invalid codepoints)",
            invalid(bytes(0xf7, 0xbf, 0xbf, 0xbf)), invalid(bytes(0xfb, 0xbf, 0xbf, 0xbf, 0xbf)),
            invalid(bytes(0xfd, 0xbf, 0xbf, 0xbf, 0xbf, 0xbf))));
        groups.add(group("Other boundary conditions",
            valid(bytes(0xed, 0x9f, 0xbf)), valid(bytes(0xee, 0x80, 0x80)), valid(bytes(0xef, 0xbf, 0xbd)),
            valid(bytes(0xf4, 0x8f, 0xbf, 0xbf)), invalid(bytes(0xf4, 0x90, 0x80, 0x80))));
        List<Sequence> continuations = new ArrayList<>(List.of(
            invalid(bytes(0x80)), invalid(bytes(0xbf)), invalid(bytes(0x80, 0xbf)), invalid(bytes(0x80, 0xbf, 0x80)),
            invalid(bytes(0x80, 0xbf, 0x80, 0xbf)), invalid(bytes(0x80, 0xbf, 0x80, 0xbf, 0x80)),
            invalid(bytes(0x80, 0xbf, 0x80, 0xbf, 0x80, 0xbf))));
        continuations.add(invalid(range(0x80, 0xbf, false)));
        groups.add(new Group("Unexpected continuation bytes", continuations));
        int[][] starts = {{0xc0, 0xdf}, {0xe0, 0xef}, {0xf0, 0xf7}, {0xf8, 0xfb}, {0xfc, 0xfd}};
        List<Sequence> lonely = new ArrayList<>();
        for (int[] s : starts) {
            lonely.add(invalid(range(s[0], s[1], true)));
        }
        groups.add(new Group("Lonely start characters", lonely));
        byte[][] missingLast = {
            bytes(0xc0), bytes(0xe0, 0x80), bytes(0xf0, 0x80, 0x80), bytes(0xf8, 0x80, 0x80, 0x80), bytes(0xfc, 0x80, 0x80, 0x80, 0x80),
            bytes(0xdf), bytes(0xef, 0xbf), bytes(0xf7, 0xbf, 0xbf), bytes(0xfb, 0xbf, 0xbf, 0xbf), bytes(0xfd, 0xbf, 0xbf, 0xbf, 0xbf)};
        groups.add(new Group("Sequences with last continuation byte missing",
            Arrays.stream(missingLast).map(Utf8Sequences::invalid).toList()));
        groups.add(group("Concatenation of incomplete sequences", invalid(concat(missingLast))));
        groups.add(group("Impossible bytes", invalid(bytes(0xfe)), invalid(bytes(0xff)), invalid(bytes(0xfe, 0xfe, 0xff, 0xff))));
        groups.add(group("Examples of an overlong ASCII character",
            invalid(bytes(0xc0, 0xaf)), invalid(bytes(0xe0, 0x80, 0xaf)), invalid(bytes(0xf0, 0x80, 0x80, 0xaf)),
            invalid(bytes(0xf8, 0x80, 0x80, 0x80, 0xaf)), invalid(bytes(0xfc, 0x80, 0x80, 0x80, 0x80, 0xaf))));
        groups.add(group("Maximum overlong sequences",
            invalid(bytes(0xc1, 0xbf)), invalid(bytes(0xe0, 0x9f, 0xbf)), invalid(bytes(0xf0, 0x8f, 0xbf, 0xbf)),
            invalid(bytes(0xf8, 0x87, 0xbf, 0xbf, 0xbf)), invalid(bytes(0xfc, 0x83, 0xbf, 0xbf, 0xbf, 0xbf))));
        groups.add(group("Overlong representation of the NUL character",
            invalid(bytes(0xc0, 0x80)), invalid(bytes(0xe0, 0x80, 0x80)), invalid(bytes(0xf0, 0x80, 0x80, 0x80)),
            invalid(bytes(0xf8, 0x80, 0x80, 0x80, 0x80)), invalid(bytes(0xfc, 0x80, 0x80, 0x80, 0x80, 0x80))));
        int[] singles = {0xa080, 0xadbf, 0xae80, 0xafbf, 0xb080, 0xbe80, 0xbfbf};
        List<Sequence> single = new ArrayList<>();
        for (int s : singles) {
            single.add(invalid(surrogate(s)));
        }
        groups.add(new Group("Single UTF-16 surrogates", single));
        int[] highs = {0xa080, 0xadbf, 0xae80, 0xafbf};
        int[] lows = {0xb080, 0xbfbf};
        List<Sequence> paired = new ArrayList<>();
        for (int high : highs) {
            for (int low : lows) {
                paired.add(invalid(concat(surrogate(high), surrogate(low))));
            }
        }
        groups.add(new Group("Paired UTF-16 surrogates", paired));
        List<Sequence> nonCharacters = new ArrayList<>(List.of(valid(bytes(0xef, 0xbf, 0xbe)), valid(bytes(0xef, 0xbf, 0xbf))));
        for (int z1 = 0xf0; z1 <= 0xf4; z1++) {
            for (int z2 : new int[] {0x8f, 0x9f, 0xaf, 0xbf}) {
                if (z1 == 0xf4 && z2 != 0x8f) {
                    continue; // past U+10FFFF
                }
                for (int z3 : new int[] {0xbe, 0xbf}) {
                    if (z1 == 0xf0 && z2 == 0x8f) {
                        continue; // overlong
                    }
                    nonCharacters.add(valid(bytes(z1, z2, 0xbf, z3)));
                }
            }
        }
        groups.add(new Group("Non-character code points (valid UTF-8)", nonCharacters));
        List<Sequence> specials = new ArrayList<>();
        for (int last = 0xb9; last <= 0xbf; last++) {
            specials.add(valid(bytes(0xef, 0xbf, last)));
        }
        groups.add(new Group("Unicode specials (i.e. replacement char)", specials));
        for (Group g : groups) {
            for (Sequence s : g.sequences()) {
                if (s.valid() != strictlyValid(s.bytes())) {
                    throw new IllegalStateException("the table is wrong about " + hex(s.bytes()) + " in " + g.title());
                }
            }
        }
        return groups;
    }

    /** {@code 0xed} followed by the two given bytes: a surrogate code point encoded as if it were one. */
    private static byte[] surrogate(int lowTwoBytes) {
        return bytes(0xed, lowTwoBytes >> 8, lowTwoBytes & 0xff);
    }

    /** Bytes {@code from} to {@code to - 1}, each followed by a space if {@code spaced}. */
    private static byte[] range(int from, int to, boolean spaced) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int b = from; b < to; b++) {
            out.write(b);
            if (spaced) {
                out.write(0x20);
            }
        }
        return out.toByteArray();
    }

    /** The JDK's strict decoder as a cross-check of the table (it rejects what RFC 3629 rejects). */
    static boolean strictlyValid(byte[] bytes) {
        try {
            StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .decode(ByteBuffer.wrap(bytes));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }

    static String hex(byte[] bytes) {
        return bytes.length <= 16 ? "0x" + HexFormat.of().formatHex(bytes)
            : "0x" + HexFormat.of().formatHex(bytes, 0, 16) + "... (" + bytes.length + " octets)";
    }

    private static Group group(String title, Sequence... sequences) {
        return new Group(title, List.of(sequences));
    }

    private static Sequence valid(byte[] bytes) {
        return new Sequence(true, bytes);
    }

    private static Sequence invalid(byte[] bytes) {
        return new Sequence(false, bytes);
    }
}
