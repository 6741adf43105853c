package io.wslb.redis.internal;

import org.jspecify.annotations.Nullable;

/**
 * The value wslb writes under a session key: {@code wslb1:} and the backend id. The version is part of the prefix, so
 * that a value of another form (another application's, a later format, garbage) is recognised as not ours.
 */
public final class SessionValue {

    /** What every session value of this format starts with. */
    public static final String PREFIX = "wslb1:";

    private SessionValue() {}

    /**
     * @param backendId a backend id
     * @return the value to store
     */
    public static String encode(String backendId) {
        return PREFIX + backendId;
    }

    /**
     * @param value a value read from Redis
     * @return the backend id it names, or null if it is not a value of this format
     */
    public static @Nullable String decode(String value) {
        if (value.length() <= PREFIX.length() || !value.startsWith(PREFIX)) {
            return null;
        }
        return value.substring(PREFIX.length());
    }
}
