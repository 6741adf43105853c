package io.wslb.jetty.admin;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A test-only reader of any JSON document (nested objects and arrays included), to assert on the admin API's
 * answers: objects become {@code Map}s, arrays {@code List}s, numbers {@code BigDecimal}s.
 */
final class TestJson {

    private final String s;
    private int pos;

    private TestJson(String s) {
        this.s = s;
    }

    static Object parse(String text) {
        TestJson reader = new TestJson(text);
        Object value = reader.value();
        reader.space();
        if (reader.pos != text.length()) {
            throw new IllegalArgumentException("trailing text at " + reader.pos + " in " + text);
        }
        return value;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> object(String text) {
        return (Map<String, Object>) parse(text);
    }

    private Object value() {
        space();
        char c = s.charAt(pos);
        switch (c) {
            case '{' -> {
                pos++;
                Map<String, Object> map = new LinkedHashMap<>();
                space();
                if (s.charAt(pos) == '}') {
                    pos++;
                    return map;
                }
                do {
                    space();
                    String key = (String) value();
                    space();
                    expect(':');
                    map.put(key, value());
                    space();
                } while (s.charAt(pos++) == ',');
                check(s.charAt(pos - 1) == '}');
                return map;
            }
            case '[' -> {
                pos++;
                List<Object> list = new ArrayList<>();
                space();
                if (s.charAt(pos) == ']') {
                    pos++;
                    return list;
                }
                do {
                    list.add(value());
                    space();
                } while (s.charAt(pos++) == ',');
                check(s.charAt(pos - 1) == ']');
                return list;
            }
            case '"' -> {
                StringBuilder out = new StringBuilder();
                pos++;
                while ((c = s.charAt(pos++)) != '"') {
                    if (c == '\\') {
                        c = s.charAt(pos++);
                        out.append(switch (c) {
                            case 'n' -> '\n';
                            case 'r' -> '\r';
                            case 't' -> '\t';
                            case 'b' -> '\b';
                            case 'f' -> '\f';
                            case 'u' -> (char) Integer.parseInt(s.substring(pos, pos += 4), 16);
                            default -> c;
                        });
                    } else {
                        out.append(c);
                    }
                }
                return out.toString();
            }
            default -> {
                for (String literal : List.of("true", "false", "null")) {
                    if (s.startsWith(literal, pos)) {
                        pos += literal.length();
                        return literal.equals("null") ? null : Boolean.valueOf(literal);
                    }
                }
                int start = pos;
                while (pos < s.length() && "+-.eE0123456789".indexOf(s.charAt(pos)) >= 0) {
                    pos++;
                }
                return new BigDecimal(s.substring(start, pos));
            }
        }
    }

    private void expect(char c) {
        check(s.charAt(pos++) == c);
    }

    private void check(boolean ok) {
        if (!ok) {
            throw new IllegalArgumentException("bad JSON at " + pos + ": " + s);
        }
    }

    private void space() {
        while (pos < s.length() && Character.isWhitespace(s.charAt(pos))) {
            pos++;
        }
    }
}
