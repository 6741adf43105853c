package io.wslb.strategies.internal;

import org.jspecify.annotations.Nullable;

/**
 * Reads one top-level member of a small JSON object (a JWT header or payload) without a JSON library: strings
 * (with escapes), numbers, {@code true}/{@code false}; nested objects and arrays are skipped. Malformed input
 * yields null, never an exception; so does a duplicated member (parsers disagree on which copy counts, which
 * is a classic way to smuggle a claim past a verifier).
 */
public final class JsonClaims {

    private final String json;
    private int at;

    private JsonClaims(String json) {
        this.json = json;
    }

    /**
     * @param json a JSON object
     * @param name a member name
     * @return the member's value as text (a string without quotes, a number or boolean literal as written), or
     *     null when it is absent, null, an object or an array, or when the JSON is malformed
     */
    public static @Nullable String member(String json, String name) {
        try {
            return new JsonClaims(json).find(name);
        } catch (RuntimeException malformed) {
            return null;
        }
    }

    private @Nullable String find(String name) {
        skipSpace();
        expect('{');
        skipSpace();
        if (peek() == '}') {
            return null;
        }
        String found = null;
        boolean seen = false;
        while (true) {
            skipSpace();
            String key = string();
            skipSpace();
            expect(':');
            skipSpace();
            char c = peek();
            String value = null;
            if (c == '"') {
                value = string();
            } else if (c == '{' || c == '[') {
                skipNested();
            } else {
                value = literal();
            }
            if (key.equals(name)) {
                if (seen) {
                    throw new IllegalArgumentException("duplicate member " + name);
                }
                seen = true;
                found = value == null || value.equals("null") ? null : value;
            }
            skipSpace();
            char next = json.charAt(at++);
            if (next == '}') {
                skipSpace();
                if (at != json.length()) {
                    throw new IllegalArgumentException("text after the object");
                }
                return found;
            }
            if (next != ',') {
                throw new IllegalArgumentException("expected , or }");
            }
        }
    }

    private String string() {
        expect('"');
        StringBuilder out = new StringBuilder();
        while (true) {
            char c = json.charAt(at++);
            if (c == '"') {
                return out.toString();
            }
            if (c == '\\') {
                char e = json.charAt(at++);
                switch (e) {
                    case '"', '\\', '/' -> out.append(e);
                    case 'b' -> out.append('\b');
                    case 'f' -> out.append('\f');
                    case 'n' -> out.append('\n');
                    case 'r' -> out.append('\r');
                    case 't' -> out.append('\t');
                    case 'u' -> {
                        out.append((char) Integer.parseInt(json.substring(at, at + 4), 16));
                        at += 4;
                    }
                    default -> throw new IllegalArgumentException("bad escape");
                }
            } else if (c < 0x20) {
                throw new IllegalArgumentException("control character in string");
            } else {
                out.append(c);
            }
        }
    }

    private String literal() {
        int start = at;
        while (at < json.length()) {
            char c = json.charAt(at);
            if (c == ',' || c == '}' || c == ']' || Character.isWhitespace(c)) {
                break;
            }
            at++;
        }
        if (at == start) {
            throw new IllegalArgumentException("empty value");
        }
        return json.substring(start, at);
    }

    private void skipNested() {
        int depth = 0;
        do {
            char c = json.charAt(at);
            if (c == '"') {
                string();
                continue;
            }
            if (c == '{' || c == '[') {
                depth++;
            } else if (c == '}' || c == ']') {
                depth--;
            }
            at++;
        } while (depth > 0);
    }

    private void skipSpace() {
        while (at < json.length() && Character.isWhitespace(json.charAt(at))) {
            at++;
        }
    }

    private char peek() {
        return json.charAt(at);
    }

    private void expect(char c) {
        if (json.charAt(at++) != c) {
            throw new IllegalArgumentException("expected " + c);
        }
    }
}
