package io.wslb.jetty.internal.admin;

import java.math.BigDecimal;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * A request body: one flat JSON object whose values are strings, numbers, booleans or null, read by a small
 * strict parser (RFC 8259 grammar; nested objects and arrays, duplicate names and trailing text are rejected),
 * with typed getters whose errors name the field. Every error is an {@link IllegalArgumentException} with a
 * message fit for the client.
 *
 * <pre>{@code
 * FlatJson body = FlatJson.parse("{\"weight\": 3}");
 * body.allowOnly(Set.of("weight"));
 * int weight = body.integer("weight", -1); // 3
 * }</pre>
 */
public final class FlatJson {

    private static final String HEX = "0123456789abcdefABCDEF";

    private final Map<String, @Nullable Object> fields;

    private FlatJson(Map<String, @Nullable Object> fields) {
        this.fields = fields;
    }

    /**
     * @param text the body; empty or blank reads as {@code {}}
     * @return the object
     * @throws IllegalArgumentException if it is not one flat JSON object
     */
    public static FlatJson parse(String text) {
        if (text.isBlank()) {
            return new FlatJson(Map.of());
        }
        return new FlatJson(new Parser(text).object());
    }

    /** @return the fields in document order; values are String, BigDecimal, Boolean or null */
    public Map<String, @Nullable Object> fields() {
        return Collections.unmodifiableMap(fields);
    }

    /**
     * @param names the field names this request accepts
     * @throws IllegalArgumentException naming the first other field
     */
    public void allowOnly(Set<String> names) {
        for (String name : fields.keySet()) {
            if (!names.contains(name)) {
                throw new IllegalArgumentException("unknown field \"" + name + "\"; allowed: " + String.join(", ", names.stream().sorted().toList()));
            }
        }
    }

    /**
     * @param name a field
     * @return its string value, or null when absent or null
     * @throws IllegalArgumentException when it has another type
     */
    public @Nullable String string(String name) {
        Object v = fields.get(name);
        if (v == null || v instanceof String) {
            return (String) v;
        }
        throw new IllegalArgumentException("\"" + name + "\" must be a string, got " + Json.write(v));
    }

    /**
     * @param name a field
     * @param otherwise the value when absent or null
     * @return its boolean value
     * @throws IllegalArgumentException when it has another type
     */
    public boolean bool(String name, boolean otherwise) {
        Object v = fields.get(name);
        if (v == null) {
            return otherwise;
        }
        if (v instanceof Boolean b) {
            return b;
        }
        throw new IllegalArgumentException("\"" + name + "\" must be true or false, got " + Json.write(v));
    }

    /**
     * @param name a field
     * @param otherwise the value when absent or null
     * @return its value, a whole number in the range of an int
     * @throws IllegalArgumentException when it is not such a number
     */
    public int integer(String name, int otherwise) {
        Object v = fields.get(name);
        if (v == null) {
            return otherwise;
        }
        if (!(v instanceof BigDecimal d)) {
            throw new IllegalArgumentException("\"" + name + "\" must be a whole number, got " + Json.write(v));
        }
        BigDecimal n = d.signum() == 0 ? BigDecimal.ZERO : d.stripTrailingZeros();
        // precision - scale = digits before the point; checked first so that 1e999999999 costs nothing
        if (n.scale() > 0 || n.precision() - n.scale() > 10 || n.compareTo(BigDecimal.valueOf(Integer.MAX_VALUE)) > 0
            || n.compareTo(BigDecimal.valueOf(Integer.MIN_VALUE)) < 0) {
            throw new IllegalArgumentException("\"" + name + "\" must be a whole number from " + Integer.MIN_VALUE + " to "
                + Integer.MAX_VALUE + ", got " + d);
        }
        return n.intValueExact();
    }

    /** Recursive descent over one object; {@code pos} indexes {@code s}. */
    private static final class Parser {
        private final String s;
        private int pos;

        Parser(String s) {
            this.s = s;
        }

        Map<String, @Nullable Object> object() {
            Map<String, @Nullable Object> out = new LinkedHashMap<>();
            skipSpace();
            expect('{', "expected a JSON object starting with '{'");
            skipSpace();
            boolean more = peek() != '}';
            pos += more ? 0 : 1;
            while (more) {
                skipSpace();
                int at = pos;
                expect('"', "expected a field name in double quotes");
                String name = string();
                skipSpace();
                expect(':', "expected ':' after field name \"" + name + "\"");
                skipSpace();
                Object value = value(name);
                if (out.containsKey(name)) {
                    pos = at;
                    throw error("duplicate field \"" + name + "\"");
                }
                out.put(name, value);
                skipSpace();
                more = peek() == ',';
                if (!more) {
                    expect('}', "expected ',' or '}' after the value of \"" + name + "\"");
                }
                pos += more ? 1 : 0;
            }
            skipSpace();
            if (pos < s.length()) {
                throw error("unexpected text after the object");
            }
            return out;
        }

        private @Nullable Object value(String name) {
            char c = peek();
            if (c == '"') {
                pos++;
                return string();
            }
            if (c == '{' || c == '[') {
                throw error("\"" + name + "\": nested objects and arrays are not supported");
            }
            if (c == '-' || (c >= '0' && c <= '9')) {
                return number();
            }
            for (String literal : new String[] {"true", "false", "null"}) {
                if (s.startsWith(literal, pos)) {
                    pos += literal.length();
                    return literal.equals("null") ? null : Boolean.valueOf(literal);
                }
            }
            throw error(pos >= s.length() ? "unexpected end of input" : "expected a string, number, true, false or null");
        }

        /** {@code -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?} */
        private BigDecimal number() {
            int start = pos;
            pos += peek() == '-' ? 1 : 0;
            if (peek() == '0') {
                pos++;
            } else if (!digits()) {
                throw error("expected a digit");
            }
            if (peek() == '.') {
                pos++;
                if (!digits()) {
                    throw error("expected a digit after '.'");
                }
            }
            if (peek() == 'e' || peek() == 'E') {
                pos++;
                pos += peek() == '+' || peek() == '-' ? 1 : 0;
                if (!digits()) {
                    throw error("expected a digit in the exponent");
                }
            }
            try {
                return new BigDecimal(s.substring(start, pos));
            } catch (NumberFormatException e) { // an exponent beyond the int range
                pos = start;
                throw error("number out of range");
            }
        }

        private boolean digits() {
            int start = pos;
            while (peek() >= '0' && peek() <= '9') {
                pos++;
            }
            return pos > start;
        }

        /** The rest of a string whose opening quote was read. */
        private String string() {
            StringBuilder out = new StringBuilder();
            for (char c; (c = peek()) != '"'; pos++) {
                if (pos >= s.length()) {
                    throw error("unterminated string");
                }
                if (c < 0x20) {
                    throw error("control character U+" + String.format("%04X", (int) c) + " in a string must be escaped");
                }
                if (c != '\\') {
                    out.append(c);
                    continue;
                }
                char e = ++pos < s.length() ? s.charAt(pos) : '\0';
                int simple = "\"\\/bfnrt".indexOf(e);
                if (e != '\0' && simple >= 0) {
                    out.append("\"\\/\b\f\n\r\t".charAt(simple));
                } else if (e == 'u') {
                    if (pos + 4 >= s.length() || !s.substring(pos + 1, pos + 5).chars().allMatch(h -> HEX.indexOf(h) >= 0)) {
                        throw error("\\u must be followed by 4 hex digits");
                    }
                    out.append((char) Integer.parseInt(s.substring(pos + 1, pos + 5), 16));
                    pos += 4;
                } else {
                    throw error("invalid escape '\\" + (e == '\0' ? "" : String.valueOf(e)) + "'");
                }
            }
            pos++;
            return out.toString();
        }

        private void expect(char c, String message) {
            if (peek() != c) {
                throw error(message);
            }
            pos++;
        }

        private char peek() {
            return pos < s.length() ? s.charAt(pos) : '\0';
        }

        private void skipSpace() {
            while (" \t\r\n".indexOf(peek()) >= 0) {
                pos++;
            }
        }

        private IllegalArgumentException error(String message) {
            return new IllegalArgumentException("malformed JSON at offset " + pos + ": " + message);
        }
    }
}
