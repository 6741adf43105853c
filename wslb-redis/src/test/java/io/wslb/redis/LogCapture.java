package io.wslb.redis;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * What wslb logged while it is open: slf4j-simple writes every line to whatever {@code System.err} is at that moment
 * (see {@code simplelogger.properties}), so this swaps in a stream that keeps a copy and still prints.
 */
final class LogCapture implements AutoCloseable {

    private final PrintStream original = System.err;
    private final ByteArrayOutputStream copy = new ByteArrayOutputStream();

    LogCapture() {
        System.setErr(new PrintStream(new Tee(original, copy), true, StandardCharsets.UTF_8));
    }

    /** {@return the lines logged so far that contain every one of {@code parts}} */
    List<String> lines(String... parts) {
        String text;
        synchronized (copy) {
            text = copy.toString(StandardCharsets.UTF_8);
        }
        return text.lines().filter(line -> {
            for (String part : parts) {
                if (!line.contains(part)) {
                    return false;
                }
            }
            return true;
        }).toList();
    }

    @Override
    public void close() {
        System.setErr(original);
    }

    private static final class Tee extends OutputStream {
        private final PrintStream console;
        private final ByteArrayOutputStream copy;

        Tee(PrintStream console, ByteArrayOutputStream copy) {
            this.console = console;
            this.copy = copy;
        }

        @Override
        public void write(int b) {
            synchronized (copy) {
                copy.write(b);
            }
            console.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            synchronized (copy) {
                copy.write(b, off, len);
            }
            console.write(b, off, len);
        }

        @Override
        public void flush() {
            console.flush();
        }
    }
}
