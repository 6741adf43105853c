package io.wslb.strategies.internal;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.jspecify.annotations.Nullable;

/** The parts of a compact JWT. */
final class Jwt {

    /** Tokens longer than this are not parsed (a header is no place for megabytes). */
    static final int MAX_LENGTH = 8192;

    private Jwt() {}

    /** @return the base64url-decoded part as UTF-8, or null if it does not decode */
    static @Nullable String decode(String part) {
        try {
            return new String(Base64.getUrlDecoder().decode(part), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** @return the payload JSON of a compact token, or null when it is not one */
    static @Nullable String payload(String token) {
        if (token.length() > MAX_LENGTH) {
            return null;
        }
        int first = token.indexOf('.');
        int second = token.indexOf('.', first + 1);
        if (first <= 0 || second <= first + 1) {
            return null;
        }
        return decode(token.substring(first + 1, second));
    }
}
