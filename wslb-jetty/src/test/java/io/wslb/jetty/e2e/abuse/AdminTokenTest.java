package io.wslb.jetty.e2e.abuse;

import static org.assertj.core.api.Assertions.assertThat;

import io.wslb.Backend;
import io.wslb.WebSocketLoadBalancer;
import io.wslb.jetty.AdminHandler;
import io.wslb.jetty.testing.Balancers;
import io.wslb.jetty.testing.EventLog;
import io.wslb.testing.RawHttpResponse;
import io.wslb.testing.RawWebSocketConnection;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Guessing the admin token: every wrong token, whatever its length or how much of the real one it shares, is
 * refused the same way, byte for byte; and the handler compares fixed-length SHA-256 digests with
 * {@link MessageDigest#isEqual}, so the comparison cannot stop early at the first differing character.
 * (Not an abuse of the proxy itself, so not wrapped in the bystander harness.)
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class AdminTokenTest {

    private static final String TOKEN = "s3cret-T0ken-0123456789abcdef";

    @Test
    void wrongTokensOfEveryLengthAndPrefix_areAllRefusedByteForByteTheSame_andTheRightOneWorks() throws Exception {
        WebSocketLoadBalancer balancer = Balancers.roundRobin(new EventLog(), Backend.of("b1", URI.create("ws://127.0.0.1:1"))).build();
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server, 1, 1);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        server.setHandler(AdminHandler.builder(balancer).bearerToken(TOKEN).build());
        server.start();
        try {
            Map<String, String> guesses = new LinkedHashMap<>();
            guesses.put("one character", "s");
            guesses.put("all but the last character", TOKEN.substring(0, TOKEN.length() - 1));
            guesses.put("the token and one more", TOKEN + "x");
            guesses.put("same length, first character wrong", "X" + TOKEN.substring(1));
            guesses.put("same length, last character wrong", TOKEN.substring(0, TOKEN.length() - 1) + "X");
            guesses.put("same length, nothing shared", "x".repeat(TOKEN.length()));
            guesses.put("four thousand characters (under Jetty's 8 KiB header limit)", TOKEN + "y".repeat(4_000));
            guesses.put("empty", "");
            Map<String, String> answers = new LinkedHashMap<>();
            for (Map.Entry<String, String> guess : guesses.entrySet()) {
                answers.put(guess.getKey(), answerWithoutDate(connector.getLocalPort(), "Bearer " + guess.getValue()));
            }
            String right = answerWithoutDate(connector.getLocalPort(), "Bearer " + TOKEN);

            String first = answers.values().iterator().next();
            assertThat(first).startsWith("HTTP 401");
            assertThat(answers).allSatisfy((what, answer) -> assertThat(answer).as(what).isEqualTo(first));
            assertThat(right).startsWith("HTTP 200");
        } finally {
            server.stop();
        }
    }

    private static String answerWithoutDate(int port, String authorization) throws Exception {
        try (RawWebSocketConnection raw = RawWebSocketConnection.open(port)) {
            raw.write("GET /status HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: " + authorization + "\r\nConnection: close\r\n\r\n");
            RawHttpResponse answer = raw.readResponse();
            List<String> headers = new ArrayList<>();
            for (Map.Entry<String, String> h : answer.headers()) {
                if (!h.getKey().equalsIgnoreCase("Date")) {
                    headers.add(h.getKey() + ": " + h.getValue());
                }
            }
            return "HTTP " + answer.status() + " " + headers + " " + answer.bodyText();
        }
    }

    @Test
    void theHandlerKeepsOnlyTheTokensSha256Digest_soEveryComparisonIsOfTwoThirtyTwoByteDigests() throws Exception {
        WebSocketLoadBalancer balancer = Balancers.roundRobin(new EventLog(), Backend.of("b1", URI.create("ws://127.0.0.1:1"))).build();
        AdminHandler handler = AdminHandler.builder(balancer).bearerToken(TOKEN).build();

        List<Object> instanceFieldValues = new ArrayList<>();
        byte[] digest = null;
        for (Field field : AdminHandler.class.getDeclaredFields()) {
            if (Modifier.isStatic(field.getModifiers())) {
                continue;
            }
            field.setAccessible(true);
            Object value = field.get(handler);
            instanceFieldValues.add(value);
            if (value instanceof byte[] bytes) {
                digest = bytes;
            }
        }

        assertThat(digest).as("the token's digest held by the handler")
            .isEqualTo(MessageDigest.getInstance("SHA-256").digest(TOKEN.getBytes(StandardCharsets.UTF_8))).hasSize(32);
        assertThat(instanceFieldValues).as("the token itself is not kept").noneMatch(TOKEN::equals);
    }
}
