package io.wslb.jetty.internal.io;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The default length of a listening socket's accept queue (its {@code listen()} backlog): the connections the
 * kernel completes and holds until the server accepts them. When it is full, new connection attempts are dropped
 * and the client retries 1, 3, 7... seconds later, so a burst of connects larger than it is spread over tens of
 * seconds. The JDK's default is 50.
 *
 * <p>On Linux the kernel silently cuts any backlog to {@code net.core.somaxconn}, so asking for that value gets the
 * longest queue the machine's administrator allows (4096 by default since Linux 5.4), as HAProxy does. Where it
 * cannot be read, 511, as NGINX does.
 *
 * <pre>{@code
 * connector.setAcceptQueueSize(AcceptQueue.defaultSize()); // 4096 on a recent Linux
 * }</pre>
 */
public final class AcceptQueue {

    /** NGINX's backlog, where the kernel's cap cannot be read. */
    public static final int FALLBACK = 511;
    /** The longest queue a setting may ask for: the kernel keeps the backlog in 16 bits. */
    public static final int MAX = 65535;
    /** Where Linux keeps its cap on every backlog. */
    public static final Path SOMAXCONN = Path.of("/proc/sys/net/core/somaxconn");

    private AcceptQueue() {
    }

    /** @return the kernel's cap read from {@link #SOMAXCONN}, or {@link #FALLBACK} */
    public static int defaultSize() {
        return sizeFrom(SOMAXCONN);
    }

    /**
     * @param somaxconn a file holding the kernel's cap on backlogs
     * @return that cap (at most {@link #MAX}), or {@link #FALLBACK} when the file is missing or holds no positive
     *     number
     */
    public static int sizeFrom(Path somaxconn) {
        // A reader, not Files.readString, which read "4" of "4096" from procfs here (JDK 17).
        try (BufferedReader reader = Files.newBufferedReader(somaxconn, StandardCharsets.US_ASCII)) {
            String line = reader.readLine();
            int cap = line == null ? 0 : Integer.parseInt(line.strip());
            return cap > 0 ? Math.min(cap, MAX) : FALLBACK;
        } catch (IOException | NumberFormatException | SecurityException unreadable) {
            return FALLBACK;
        }
    }

    /**
     * @param size a requested accept queue length
     * @return {@code size}
     * @throws IllegalArgumentException naming the setting, when it is not between 1 and {@link #MAX}
     */
    public static int check(int size) {
        if (size < 1 || size > MAX) {
            throw new IllegalArgumentException("accept queue size must be between 1 and " + MAX + ", got " + size);
        }
        return size;
    }
}
