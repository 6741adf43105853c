package io.wslb.jetty.e2e.affinity;

import static org.assertj.core.api.Assertions.assertThat;

import io.wslb.jetty.testing.EchoBackends;
import io.wslb.jetty.testing.LoadBalancerProxy;
import io.wslb.testing.Frame;
import io.wslb.testing.RawHttpResponse;
import io.wslb.testing.RawWebSocketConnection;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Connects raw WebSocket clients through a proxy, each one tagged with a unique {@code X-Test-Id} header, and
 * reports which backend served it (as the backends recorded it), after checking that the 101 is valid and that a
 * message really is echoed through the tunnel.
 */
final class Probe {

    /** The header that tells the backends' records apart. */
    static final String TAG = "X-Test-Id";

    /** One client that got its 101: which backend, what the 101 carried. */
    record Landing(String backend, String tag, RawHttpResponse response) {
        /** @return every {@code Set-Cookie} of the 101 */
        List<String> setCookies() {
            return response.headers("Set-Cookie");
        }

        /**
         * @param name a cookie name
         * @return the {@code name=value} pair of the one Set-Cookie for that name, or null when there is none
         */
        String cookiePair(String name) {
            List<String> found = new ArrayList<>();
            for (String header : setCookies()) {
                if (header.startsWith(name + "=")) {
                    found.add(header.split(";", 2)[0].trim());
                }
            }
            assertThat(found).as("Set-Cookie headers for %s in %s", name, response).hasSizeLessThanOrEqualTo(1);
            return found.isEmpty() ? null : found.get(0);
        }
    }

    /** One client that got its 101 and is still open. */
    record Open(Landing landing, RawWebSocketConnection socket) implements AutoCloseable {
        /** Runs a normal closing handshake and checks that it ends with 1000. */
        void closeNormally() throws Exception {
            assertThat(socket.closeNormally().closeStatus()).isEqualTo(1000);
        }

        @Override
        public void close() throws Exception {
            socket.close();
        }
    }

    private final LoadBalancerProxy proxy;
    private final EchoBackends backends;
    /** Shared by every probe, so that probes of several proxies in front of the same backends never reuse a tag. */
    private static final AtomicInteger SEQUENCE = new AtomicInteger();

    Probe(LoadBalancerProxy proxy, EchoBackends backends) {
        this.proxy = proxy;
        this.backends = backends;
    }

    /**
     * Connects, checks the 101 and an echo, closes normally.
     *
     * @param path request target, with any query
     * @param headerLines extra header lines such as {@code "X-User: alice"}
     * @return where it landed
     */
    Landing land(String path, String... headerLines) throws Exception {
        try (Open open = open(path, headerLines)) {
            open.closeNormally();
            return open.landing();
        }
    }

    /** Like {@link #land} but leaves the connection open (the caller closes it). */
    Open open(String path, String... headerLines) throws Exception {
        String tag = "t" + SEQUENCE.incrementAndGet();
        RawWebSocketConnection raw = RawWebSocketConnection.open(proxy.port());
        try {
            RawHttpResponse answer = raw.upgrade(path, withTag(tag, headerLines));
            assertThat(answer.status()).as("answer to %s %s", path, Arrays.toString(headerLines)).isEqualTo(101);
            String backend = backends.connectionWith(TAG, tag).backend().name();
            String message = "echo-" + tag;
            raw.send(Frame.text(message));
            assertThat(raw.readMessage().text()).as("echo through %s", backend).isEqualTo(message);
            return new Open(new Landing(backend, tag, answer), raw);
        } catch (Throwable t) {
            raw.close();
            throw t;
        }
    }

    /**
     * Sends an upgrade expected not to succeed and returns the answer (whatever it is, for the caller to check).
     */
    RawHttpResponse attempt(String path, String... headerLines) throws Exception {
        String tag = "t" + SEQUENCE.incrementAndGet();
        try (RawWebSocketConnection raw = RawWebSocketConnection.open(proxy.port())) {
            return raw.upgrade(path, withTag(tag, headerLines));
        }
    }

    private static String[] withTag(String tag, String... headerLines) {
        String[] all = Arrays.copyOf(headerLines, headerLines.length + 1);
        all[headerLines.length] = TAG + ": " + tag;
        return all;
    }
}
