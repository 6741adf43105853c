package io.wslb.jetty.e2e.abuse;

import static org.assertj.core.api.Assertions.assertThat;

import io.wslb.jetty.ProxyServerConnector;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Slowloris: many clients that never complete their request head, on a {@link ProxyServerConnector} with a
 * handshake deadline. Every one is cut without an answer, no backend hears of them, and the bystanders are served
 * while they hang on.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SlowlorisTest extends AbuseTestBase {

    private static final int EACH_KIND = 10;

    @Override
    boolean onProxyConnector() {
        return true;
    }

    @Test
    void clientsThatNeverCompleteTheirRequestHead_areCutAtTheHandshakeDeadline_withoutAnAnswer() throws Exception {
        ((ProxyServerConnector) proxy.connector()).setHandshakeTimeout(Duration.ofSeconds(1));
        long backendConnectionsBefore = backend.accepted();
        int chosenBefore = events.chosen.size();
        List<Socket> slow = new ArrayList<>();
        ScheduledExecutorService trickle = Executors.newSingleThreadScheduledExecutor();
        try {
            for (int i = 0; i < EACH_KIND * 3; i++) {
                Socket socket = new Socket();
                socket.connect(new InetSocketAddress("127.0.0.1", proxy.port()), 5000);
                socket.setSoTimeout(15_000);
                slow.add(socket);
                switch (i % 3) {
                    // A header line every 100 ms: Jetty's idle timeout, which restarts with every byte, never fires.
                    case 0 -> {
                        write(socket, "GET /slow HTTP/1.1\r\nHost: x\r\n");
                        trickle.scheduleWithFixedDelay(() -> {
                            try {
                                write(socket, "X-Slow-" + System.nanoTime() + ": still coming\r\n");
                            } catch (IOException cut) {
                                throw new IllegalStateException("cut", cut); // ends this trickle only
                            }
                        }, 100, 100, TimeUnit.MILLISECONDS);
                    }
                    // Half a request line, then silence.
                    case 1 -> write(socket, "GET /slo");
                    // Nothing at all.
                    default -> { }
                }
            }
            harness.duringAbuse();

            for (int i = 0; i < slow.size(); i++) {
                assertThat(readUntilClosed(slow.get(i))).as("bytes the proxy sent to slow client %d (kind %d) before closing it", i, i % 3)
                    .isEmpty();
            }
        } finally {
            trickle.shutdownNow();
            for (Socket socket : slow) {
                socket.close();
            }
        }
        assertThat(backend.accepted()).as("TCP connections the backend accepted").isEqualTo(backendConnectionsBefore);
        assertThat(events.chosen).as("backends chosen").hasSize(chosenBefore);
    }

    private static void write(Socket socket, String text) throws IOException {
        socket.getOutputStream().write(text.getBytes(StandardCharsets.ISO_8859_1));
        socket.getOutputStream().flush();
    }

    /** Reads until the proxy closes the connection (end of stream or reset); fails if it never does. */
    private static String readUntilClosed(Socket socket) throws IOException {
        InputStream in = socket.getInputStream();
        StringBuilder got = new StringBuilder();
        try {
            int b;
            while ((b = in.read()) >= 0) {
                got.append((char) b);
            }
        } catch (SocketTimeoutException e) {
            throw new AssertionError("the proxy never closed a slow client's connection", e);
        } catch (SocketException reset) {
            // closed with a reset: closed all the same
        }
        return got.toString();
    }
}
