package io.wslb.jetty.internal.io;

import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.util.OptionalLong;

/**
 * The process's open-files limit, and how many proxied connections it fits: each takes two descriptors (the
 * client's socket and the backend's), and some are kept spare for the JVM's own files, the sockets of clients
 * being answered 503, health checks and the admin API.
 *
 * <pre>{@code
 * int cap = OpenFiles.limit().isPresent() ? OpenFiles.connectionsThatFit(OpenFiles.limit().getAsLong()) : 0;
 * }</pre>
 */
public final class OpenFiles {

    /** The fewest descriptors kept spare: a JVM running the proxy holds about 20 files of its own. */
    public static final int LEAST_SPARE = 64;
    /** One part in this many of the limit is kept spare, when more than {@link #LEAST_SPARE}: room to answer 503. */
    public static final int SPARE_PART = 10;

    private OpenFiles() {
    }

    /** @return the open-files limit of this process, empty where the JVM cannot tell (not a Unix) */
    public static OptionalLong limit() {
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.UnixOperatingSystemMXBean unix) {
            long limit = unix.getMaxFileDescriptorCount();
            return limit > 0 ? OptionalLong.of(limit) : OptionalLong.empty();
        }
        return OptionalLong.empty();
    }

    /**
     * Counts the files open now; it needs a descriptor of its own, so not for use when they may have run out.
     *
     * @return the files this process has open now, empty where the JVM cannot tell
     */
    public static OptionalLong open() {
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.UnixOperatingSystemMXBean unix) {
            long open = unix.getOpenFileDescriptorCount();
            return open >= 0 ? OptionalLong.of(open) : OptionalLong.empty();
        }
        return OptionalLong.empty();
    }

    /**
     * @param limit an open-files limit, more than zero
     * @return the descriptors kept spare under it
     */
    public static long spare(long limit) {
        return Math.max(LEAST_SPARE, limit / SPARE_PART);
    }

    /**
     * @param limit an open-files limit, more than zero
     * @return the proxied connections that fit under it, at least 1; at most {@code Integer.MAX_VALUE}
     */
    public static int connectionsThatFit(long limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("an open-files limit is more than zero, got " + limit);
        }
        long fit = (limit - spare(limit)) / 2;
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, fit));
    }
}
