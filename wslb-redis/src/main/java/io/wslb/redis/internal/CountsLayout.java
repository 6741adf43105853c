package io.wslb.redis.internal;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Where shared connection counts live in Redis, and how their values read: the hash {@code <keyPrefix>counts:<id>}
 * of each instance (backend id to a count in decimal) and the sorted set {@code <keyPrefix>instances} of instance ids,
 * scored by the Redis server's time of each one's last heartbeat, in milliseconds.
 *
 * @param countsKeyPrefix what every instance's hash key starts with: {@code <keyPrefix>counts:}
 * @param instancesKey the sorted set of instances
 */
record CountsLayout(String countsKeyPrefix, String instancesKey) {

    /**
     * @param keyPrefix what every Redis key of wslb starts with
     * @return the layout under it
     */
    static CountsLayout under(String keyPrefix) {
        return new CountsLayout(keyPrefix + "counts:", keyPrefix + "instances");
    }

    /** {@return the key of an instance's hash of counts} */
    String countsKey(String instanceId) {
        return countsKeyPrefix + instanceId;
    }

    /**
     * @param value a field's value read from an instance's hash
     * @return the count it holds, 1 to 10 decimal digits and at most {@link Integer#MAX_VALUE}, or -1 if it is not
     *     a count that wslb wrote (a sign, a space, a fraction, garbage)
     */
    static int parseCount(@Nullable String value) {
        if (value == null || value.isEmpty() || value.length() > 10) {
            return -1;
        }
        long n = 0;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            n = n * 10 + (c - '0');
        }
        return n > Integer.MAX_VALUE ? -1 : (int) n;
    }

    /**
     * @param time the answer to {@code TIME}: seconds and microseconds, in decimal
     * @return the server's clock in milliseconds, or -1 if the answer is not that
     */
    static long serverMillis(@Nullable List<String> time) {
        if (time == null || time.size() != 2) {
            return -1;
        }
        try {
            long seconds = Long.parseLong(time.get(0));
            long micros = Long.parseLong(time.get(1));
            return seconds < 0 || micros < 0 ? -1 : seconds * 1000 + micros / 1000;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** {@return {@code a + b}, or {@link Integer#MAX_VALUE} if the sum is larger} */
    static int saturatedAdd(int a, int b) {
        long sum = (long) a + b;
        return sum > Integer.MAX_VALUE ? Integer.MAX_VALUE : (int) sum;
    }

    /** {@return a value fit for a log line: at most 40 characters of it, printable ASCII} */
    static String abbreviate(String value) {
        return BackendRecord.abbreviate(value, 40);
    }
}
