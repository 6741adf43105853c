package io.wslb.micrometer.testing;

import java.util.ArrayDeque;
import java.util.Deque;

/** Closes what a test opened, in reverse order, even when one close fails. */
@SuppressWarnings("try") // close() may throw InterruptedException
public final class Closer implements AutoCloseable {

    private final Deque<AutoCloseable> resources = new ArrayDeque<>();

    /**
     * @param resource something to close at the end
     * @return the same resource
     */
    public <T extends AutoCloseable> T add(T resource) {
        resources.push(resource);
        return resource;
    }

    @Override
    public void close() throws Exception {
        Exception first = null;
        while (!resources.isEmpty()) {
            try {
                resources.pop().close();
            } catch (Exception e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
