package io.wslb;

import static java.util.Objects.requireNonNull;

/**
 * One HTTP header field that the balancer adds to a response, such as an affinity {@code Set-Cookie}.
 * The name must be an RFC 9110 token and the value must not hold CR, LF, NUL or other control characters
 * except tab, so a header can never split a response.
 *
 * <pre>{@code ResponseHeader cookie = new ResponseHeader("Set-Cookie", "WSLB=abc; Path=/; HttpOnly");}</pre>
 *
 * @param name the field name
 * @param value the field value
 */
public record ResponseHeader(String name, String value) {

    /** Rejects names that are not tokens and values with control characters. */
    public ResponseHeader {
        requireNonNull(name, "name");
        requireNonNull(value, "value");
        if (!isToken(name)) {
            throw new IllegalArgumentException("header name is not a token: '" + name + "'");
        }
        if (!isSafeValue(value)) {
            throw new IllegalArgumentException("header " + name + " has a control character in its value");
        }
    }

    /**
     * @param name a candidate header name
     * @return true if it is a non-empty RFC 9110 token
     */
    public static boolean isToken(String name) {
        if (name.isEmpty()) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    /**
     * @param value a candidate header value
     * @return true if it holds no control character other than horizontal tab (so no CR, LF or NUL)
     */
    public static boolean isSafeValue(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if ((c < 0x20 && c != '\t') || c == 0x7f) {
                return false;
            }
        }
        return true;
    }
}
