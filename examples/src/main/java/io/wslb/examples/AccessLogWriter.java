package io.wslb.examples;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where the launcher's {@code --access-log} lines go: standard output or a file, written by a thread of its own so
 * that a slow disk or a full pipe never holds a connection's thread. The queue is bounded; when it is full a line is
 * dropped and counted, and the count is logged at most once a minute.
 *
 * <pre>{@code
 * AccessLogWriter writer = AccessLogWriter.open("stdout");
 * WebSocketLoadBalancer.builder().listener(AccessLog.to(writer::write));
 * // ... when the server has stopped:
 * writer.close();
 * }</pre>
 */
final class AccessLogWriter implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(AccessLogWriter.class);
    /** Lines waiting for the writer thread; a burst of this many connection ends is absorbed without a drop. */
    static final int QUEUE_SIZE = 16_384;
    private static final Duration REPORT_EVERY = Duration.ofMinutes(1);
    /** Queued by {@link #close}: everything before it is written, then the thread ends. */
    private static final Object STOP = new Object();

    private final String target;
    private final Writer out;
    private final boolean closeOut;
    private final BlockingQueue<Object> queue = new ArrayBlockingQueue<>(QUEUE_SIZE);
    private final AtomicLong dropped = new AtomicLong();
    private final Thread thread;
    private long lastReport = System.nanoTime() - REPORT_EVERY.toNanos();
    private long reportedDrops;
    private volatile boolean failing;

    private AccessLogWriter(String target, Writer out, boolean closeOut) {
        this.target = target;
        this.out = out;
        this.closeOut = closeOut;
        this.thread = new Thread(this::run, "wslb-access-log");
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * @param value {@code stdout}, or a file path, appended to (created if missing)
     * @return a started writer
     * @throws Options.UsageException naming the flag when the file cannot be opened
     */
    static AccessLogWriter open(String value) throws Options.UsageException {
        if (value.equals("stdout")) {
            return new AccessLogWriter("stdout", new OutputStreamWriter(new NonClosing(System.out), StandardCharsets.UTF_8), false);
        }
        if (value.isBlank()) {
            throw new Options.UsageException("--access-log needs 'stdout' or a file path");
        }
        Path path = Path.of(value);
        try {
            Writer file = new BufferedWriter(new OutputStreamWriter(Files.newOutputStream(path, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND, StandardOpenOption.WRITE), StandardCharsets.UTF_8));
            return new AccessLogWriter(path.toString(), file, true);
        } catch (IOException | RuntimeException e) {
            throw new Options.UsageException("--access-log: cannot open " + value + " for appending: " + e);
        }
    }

    /** Queues a line; never blocks. */
    void write(String line) {
        if (!queue.offer(line)) {
            dropped.incrementAndGet();
        }
    }

    /** @return lines dropped because the queue was full or the target failed */
    long dropped() {
        return dropped.get();
    }

    private void run() {
        try {
            while (true) {
                Object line = queue.poll(1, TimeUnit.SECONDS);
                if (line == null) {
                    report();
                    continue;
                }
                do {
                    if (line == STOP) {
                        flush();
                        return;
                    }
                    append((String) line);
                    line = queue.poll();
                } while (line != null);
                flush(); // once per burst, not per line: the queue is empty now
                report();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void append(String line) {
        try {
            out.write(line);
            out.write('\n');
            if (failing) {
                failing = false;
                LOG.info("access log {} is writable again", target);
            }
        } catch (IOException e) {
            dropped.incrementAndGet();
            if (!failing) {
                failing = true;
                LOG.warn("access log {} cannot be written, lines are dropped until it can: {}", target, e.toString());
            }
        }
    }

    private void flush() {
        try {
            out.flush();
        } catch (IOException e) {
            if (!failing) {
                failing = true;
                LOG.warn("access log {} cannot be written, lines are dropped until it can: {}", target, e.toString());
            }
        }
    }

    /** Logs the drops since the last report, at most once per {@link #REPORT_EVERY}, so that the log never floods. */
    private void report() {
        long now = System.nanoTime();
        long total = dropped.get();
        if (total > reportedDrops && now - lastReport >= REPORT_EVERY.toNanos()) {
            LOG.warn("access log {}: {} lines dropped (queue of {} full, or the target failing), {} in all", target,
                total - reportedDrops, QUEUE_SIZE, total);
            reportedDrops = total;
            lastReport = now;
        }
    }

    /** Writes what is queued, then stops the thread and closes the file (standard output stays open). */
    @Override
    public void close() {
        try {
            queue.put(STOP);
            thread.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (closeOut) {
            try {
                out.close();
            } catch (IOException e) {
                LOG.warn("access log {} did not close cleanly: {}", target, e.toString());
            }
        }
    }

    @Override
    public String toString() {
        return "AccessLogWriter{" + target + "}";
    }

    /** Standard output, which the writer must flush but never close. */
    private static final class NonClosing extends OutputStream {
        private final OutputStream out;

        NonClosing(OutputStream out) {
            this.out = out;
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
        }

        @Override
        public void write(byte @Nullable [] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }

        @Override
        public void flush() throws IOException {
            out.flush();
        }

        @Override
        public void close() throws IOException {
            out.flush();
        }
    }
}
