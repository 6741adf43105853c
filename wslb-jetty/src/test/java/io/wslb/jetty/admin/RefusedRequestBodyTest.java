package io.wslb.jetty.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.wslb.Backend;
import io.wslb.WebSocketLoadBalancer;
import io.wslb.strategies.BalancingStrategies;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A request the admin API refuses without needing its body (no token, unknown path) still gets a readable answer
 * when its body leaves the client a moment after its head, as it does from clients that write the two separately:
 * a server that answers the head alone and closes meets the body on a closed socket and resets the connection, so
 * the client's next write fails and, on many systems, the answer not yet read is lost. Raw sockets, so that what is
 * on the wire, and any reset, is seen as it is.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class RefusedRequestBodyTest {

    private static final String TOKEN = "s3cret-T0ken-0123456789abcdef";
    private static final String BODY = "{\"weight\":2}";
    /** How long the client pauses between its head and its body. */
    private static final Duration PAUSE = Duration.ofMillis(300);
    /**
     * Connections per test: whether a server that answered early has closed its socket by the time the body
     * arrives, or is still reading it, varies from one connection to the next, so one is not enough to show it.
     */
    private static final int ROUNDS = 5;

    private static WebSocketLoadBalancer balancer() {
        return WebSocketLoadBalancer.builder().strategy(BalancingStrategies.roundRobin())
            .backend(Backend.of("a", URI.create("ws://127.0.0.1:1/a"))).build();
    }

    @Test
    void anUnauthenticatedPost_whoseSmallBodyFollowsItsHead_readsAComplete401_notAReset() throws Exception {
        WebSocketLoadBalancer balancer = balancer();
        try (AdminServer admin = AdminServer.start(balancer, b -> b.bearerToken(TOKEN))) {
            for (int round = 1; round <= ROUNDS; round++) {
                String answer = postWithLateBody(admin.uri("/").getPort(), "/backends/a/weight", null);

                assertCompleteAnswer(answer, "HTTP/1.1 401 ", "missing or wrong bearer token");
                assertThat(answer).containsIgnoringCase("WWW-Authenticate: Bearer");
            }
        }
        assertThat(balancer.pool().get("a").weight()).as("the refused request changed nothing").isEqualTo(1);
    }

    @Test
    void anAuthenticatedPostToAnUnknownPath_whoseBodyFollowsItsHead_readsAComplete404_notAReset() throws Exception {
        try (AdminServer admin = AdminServer.start(balancer(), b -> b.bearerToken(TOKEN))) {
            for (int round = 1; round <= ROUNDS; round++) {
                String answer = postWithLateBody(admin.uri("/").getPort(), "/backends/a/nowhere", TOKEN);

                assertCompleteAnswer(answer, "HTTP/1.1 404 ", "no such endpoint");
            }
        }
    }

    /**
     * Sends a POST's head, pauses, sends its body and ends the output, then reads to the end of the stream.
     *
     * @return everything the server sent
     * @throws AssertionError if the connection fails (a reset) at any point
     */
    private static String postWithLateBody(int port, String path, String token) throws IOException {
        String head = "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            + "Content-Length: " + BODY.length() + "\r\n" + (token == null ? "" : "Authorization: Bearer " + token + "\r\n")
            + "\r\n";
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            socket.setTcpNoDelay(true);
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            out.write(head.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            // The client's pause between head and body: whatever the server answers meanwhile is kept.
            socket.setSoTimeout((int) PAUSE.toMillis());
            try {
                readToEnd(in, received);
            } catch (SocketTimeoutException paused) {
                // nothing more within the pause
            }
            try {
                // In two writes, as a client streaming its body sends it: a server that has closed the connection
                // answers the first with a reset, and the second then fails.
                byte[] body = BODY.getBytes(StandardCharsets.ISO_8859_1);
                out.write(body, 0, body.length / 2);
                out.flush();
                out.write(body, body.length / 2, body.length - body.length / 2);
                out.flush();
                socket.shutdownOutput();
                socket.setSoTimeout(10_000);
                readToEnd(in, received);
            } catch (IOException e) {
                throw new AssertionError("the connection failed (" + e + ") after the client had read: "
                    + received.toString(StandardCharsets.ISO_8859_1), e);
            }
        }
        return received.toString(StandardCharsets.ISO_8859_1);
    }

    private static void readToEnd(InputStream in, ByteArrayOutputStream into) throws IOException {
        byte[] buffer = new byte[4096];
        int n;
        while ((n = in.read(buffer)) >= 0) {
            into.write(buffer, 0, n);
        }
    }

    /** One whole response: the status line, a Content-Length, and a body of exactly that length. */
    private static void assertCompleteAnswer(String answer, String statusLine, String bodyText) {
        assertThat(answer).startsWith(statusLine);
        int end = answer.indexOf("\r\n\r\n");
        assertThat(end).as("a complete head in %s", answer).isPositive();
        String body = answer.substring(end + 4);
        String length = answer.substring(0, end).lines()
            .filter(line -> line.regionMatches(true, 0, "Content-Length:", 0, 15))
            .map(line -> line.substring(15).trim()).findFirst().orElseThrow();
        assertThat(body).as("the body, of Content-Length %s", length)
            .hasSize(Integer.parseInt(length)).contains(bodyText);
    }
}
