package io.wslb.internal;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** Parsing of the header and query values that {@link io.wslb.HandshakeRequest} exposes. */
public final class HeaderValues {

    private HeaderValues() {}

    /**
     * @param cookieHeaders the values of every {@code Cookie} header
     * @param name the cookie name
     * @return the first value with that name, without surrounding quotes, or null
     */
    public static @Nullable String cookie(List<String> cookieHeaders, String name) {
        for (String header : cookieHeaders) {
            int start = 0;
            int length = header.length();
            while (start < length) {
                int end = header.indexOf(';', start);
                if (end < 0) {
                    end = length;
                }
                int eq = header.indexOf('=', start);
                if (eq > start && eq < end) {
                    String key = header.substring(start, eq).trim();
                    if (key.equals(name)) {
                        String value = header.substring(eq + 1, end).trim();
                        if (value.length() >= 2 && value.charAt(0) == '"' && value.charAt(value.length() - 1) == '"') {
                            value = value.substring(1, value.length() - 1);
                        }
                        return value;
                    }
                }
                start = end + 1;
            }
        }
        return null;
    }

    /**
     * @param query a raw query string, or null
     * @param name the parameter name
     * @return the first value, percent-decoded; empty when present without value; null when absent or when
     *     the value cannot be decoded
     */
    public static @Nullable String queryParameter(@Nullable String query, String name) {
        if (query == null) {
            return null;
        }
        int start = 0;
        int length = query.length();
        while (start <= length) {
            int end = query.indexOf('&', start);
            if (end < 0) {
                end = length;
            }
            int eq = query.indexOf('=', start);
            String key;
            String value;
            if (eq >= 0 && eq < end) {
                key = query.substring(start, eq);
                value = query.substring(eq + 1, end);
            } else {
                key = query.substring(start, end);
                value = "";
            }
            if (name.equals(decode(key))) {
                return decode(value);
            }
            start = end + 1;
        }
        return null;
    }

    private static @Nullable String decode(String raw) {
        try {
            return URLDecoder.decode(raw, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException malformed) {
            return null;
        }
    }

    /**
     * @param headers header values holding comma-separated tokens
     * @return the non-empty trimmed tokens, in order
     */
    public static List<String> tokens(List<String> headers) {
        if (headers.isEmpty()) {
            return List.of();
        }
        List<String> tokens = new ArrayList<>(2);
        for (String header : headers) {
            for (String token : header.split(",")) {
                String trimmed = token.trim();
                if (!trimmed.isEmpty()) {
                    tokens.add(trimmed);
                }
            }
        }
        return List.copyOf(tokens);
    }
}
