package io.wslb.jetty.testing;

import io.wslb.Backend;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * N {@link EchoBackend}s named {@code b1..bN}, started together and stopped together.
 *
 * <pre>{@code
 * try (EchoBackends backends = EchoBackends.start(3)) { ... backends.get(0).backend() ... }
 * }</pre>
 */
@SuppressWarnings("try") // close() may throw InterruptedException, as Jetty's stop() does
public final class EchoBackends implements AutoCloseable {

    private final List<EchoBackend> backends;

    private EchoBackends(List<EchoBackend> backends) {
        this.backends = backends;
    }

    /**
     * @param count how many backends
     * @return started backends {@code b1..bN}
     * @throws Exception if one cannot start (those started are stopped)
     */
    public static EchoBackends start(int count) throws Exception {
        List<EchoBackend> started = new ArrayList<>(count);
        try {
            for (int i = 1; i <= count; i++) {
                started.add(EchoBackend.start("b" + i));
            }
        } catch (Exception e) {
            for (EchoBackend b : started) {
                b.close();
            }
            throw e;
        }
        return new EchoBackends(started);
    }

    /** @return the backend at this index (0-based) */
    public EchoBackend get(int index) {
        return backends.get(index);
    }

    /** @return every backend */
    public List<EchoBackend> all() {
        return backends;
    }

    /** @return the pool members, in order */
    public List<Backend> members() {
        return backends.stream().map(EchoBackend::backend).toList();
    }

    /** @return TCP connections accepted by all backends together */
    public int tcpConnections() {
        return backends.stream().mapToInt(EchoBackend::tcpConnections).sum();
    }

    /** @return backend name to number of WebSocket connections it accepted */
    public Map<String, Integer> connectionsPerBackend() {
        Map<String, Integer> counts = new TreeMap<>();
        for (EchoBackend b : backends) {
            counts.put(b.name(), b.connections().size());
        }
        return counts;
    }

    /**
     * @param header a request header name
     * @param value its value
     * @return the one backend connection whose upgrade carried that header value
     * @throws AssertionError if there is not exactly one
     */
    public BackendConnection connectionWith(String header, String value) {
        List<BackendConnection> found = new ArrayList<>();
        for (EchoBackend b : backends) {
            found.addAll(b.connectionsWith(header, value));
        }
        if (found.size() != 1) {
            throw new AssertionError("expected exactly one backend connection with " + header + ": " + value + ", found " + found);
        }
        return found.get(0);
    }

    @Override
    public void close() throws Exception {
        Exception first = null;
        for (EchoBackend b : backends) {
            try {
                b.close();
            } catch (Exception e) {
                if (first == null) {
                    first = e;
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
