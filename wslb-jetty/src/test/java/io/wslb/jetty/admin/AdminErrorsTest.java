package io.wslb.jetty.admin;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wslb.WebSocketLoadBalancer;
import io.wslb.jetty.AdminHandler;
import io.wslb.jetty.testing.Closer;
import io.wslb.jetty.testing.EchoBackends;
import io.wslb.jetty.testing.EventLog;
import io.wslb.strategies.BalancingStrategies;
import java.io.ByteArrayInputStream;
import java.net.http.HttpRequest;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** What the admin API answers to requests it cannot or must not serve, and what its builder refuses. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AdminErrorsTest {

    private final Closer closer = new Closer();
    private WebSocketLoadBalancer balancer;
    private AdminServer admin;

    @AfterEach
    void stop() throws Exception {
        closer.close();
    }

    private void start(UnaryOperator<AdminHandler.Builder> config) throws Exception {
        EchoBackends backends = closer.add(EchoBackends.start(2));
        balancer = io.wslb.jetty.testing.Balancers.roundRobin(new EventLog(), backends.members()).build();
        admin = closer.add(AdminServer.start(balancer, config));
    }

    private static void assertJsonError(AdminServer.Answer answer, int status, String messagePart) {
        assertThat(answer.status()).as(answer.body()).isEqualTo(status);
        assertThat(answer.header("Content-Type")).isEqualTo("application/json; charset=utf-8");
        assertThat(answer.error()).contains(messagePart);
    }

    @Test
    void aMissingOrWrongToken_gets401_andTheRightOneWorks() throws Exception {
        start(b -> b.bearerToken("s3cret-T0ken"));

        for (String header : new String[] {null, "Bearer wrong", "Bearer s3cret-T0ke", "Bearer s3cret-T0ken2", "Basic czNjcmV0",
                "s3cret-T0ken", "Bearer "}) {
            HttpRequest.Builder request = admin.request("/status").GET();
            if (header != null) {
                request.header("Authorization", header);
            }
            AdminServer.Answer answer = admin.send(request);
            assertJsonError(answer, 401, "bearer token");
            assertThat(answer.header("WWW-Authenticate")).as(header).isEqualTo("Bearer realm=\"wslb\"");
        }
        assertThat(admin.post("/backends/b1/weight", "{\"weight\":5}").status()).isEqualTo(401);
        assertThat(admin.get("/no/such/path").status()).as("nothing is revealed without the token").isEqualTo(401);
        assertThat(balancer.pool().get("b1").weight()).as("unchanged").isEqualTo(1);

        admin.withToken("s3cret-T0ken");
        assertThat(admin.get("/status").status()).isEqualTo(200);
        assertThat(admin.post("/backends/b1/weight", "{\"weight\":5}").status()).isEqualTo(200);
        assertThat(balancer.pool().get("b1").weight()).isEqualTo(5);
        assertThat(admin.send(admin.request("/status").GET().setHeader("Authorization", "bearer s3cret-T0ken")).status())
            .as("the scheme is case-insensitive").isEqualTo(200);
    }

    @Test
    void malformedJson_gets400WithAMessage() throws Exception {
        start(b -> b);

        assertJsonError(admin.post("/backends", "{\"uri\":"), 400, "malformed JSON at offset 7: unexpected end of input");
        assertJsonError(admin.post("/backends", "[1,2]"), 400, "expected a JSON object");
        assertJsonError(admin.post("/backends", "{\"uri\":\"ws://127.0.0.1:1\",\"metadata\":{\"a\":\"b\"}}"), 400,
            "\"metadata\": nested objects and arrays are not supported");
        assertJsonError(admin.post("/backends", "{\"uri\":\"ws://127.0.0.1:1\"} x"), 400, "unexpected text after the object");
        assertJsonError(admin.post("/backends", "{'uri':'ws://127.0.0.1:1'}"), 400, "expected a field name in double quotes");
        assertJsonError(admin.post("/backends/b1/weight", "{\"weight\":3,\"weight\":4}"), 400, "duplicate field \"weight\"");
        assertJsonError(admin.post("/backends/b1/weight", new byte[] {'{', '"', (byte) 0xC3, '"', ':', '1', '}'}), 400,
            "not valid UTF-8");
        assertThat(balancer.pool().get("b1").weight()).isEqualTo(1);
    }

    @Test
    void wrongTypesAndInvalidValues_get400WithTheReason() throws Exception {
        start(b -> b);

        assertJsonError(admin.post("/backends/b1/weight", "{\"weight\":\"3\"}"), 400, "\"weight\" must be a whole number");
        assertJsonError(admin.post("/backends/b1/weight", "{\"weight\":1.5}"), 400, "\"weight\" must be a whole number");
        assertJsonError(admin.post("/backends/b1/weight", "{\"weight\":1e99999}"), 400, "\"weight\" must be a whole number");
        assertJsonError(admin.post("/backends/b1/weight", "{}"), 400, "\"weight\" is required");
        assertJsonError(admin.post("/backends/b1/weight", "{\"weight\":20000}"), 400, "weight must be 0..10000, got 20000");
        assertJsonError(admin.post("/backends", "{\"uri\":\"http://127.0.0.1:1\"}"), 400, "uri must use ws:// or wss://");
        assertJsonError(admin.post("/backends", "{\"id\":\"no spaces\",\"uri\":\"ws://127.0.0.1:1\"}"), 400,
            "backend id must be 1-128 characters");
        assertJsonError(admin.post("/backends", "{\"uri\":\"ws://127.0.0.1:1\",\"wieght\":2}"), 400, "unknown field \"wieght\"");
        assertJsonError(admin.post("/backends", "{\"uri\":\"ws://127.0.0.1:1\",\"backup\":\"yes\"}"), 400,
            "\"backup\" must be true or false");
        assertJsonError(admin.post("/backends", "{\"weight\":2}"), 400, "\"uri\" is required");
        assertJsonError(admin.post("/backends", "{\"uri\":\"ws:///nohost\"}"), 400, "with a host");
        assertJsonError(admin.post("/backends/b1/drain", "{\"window\":\"soon\"}"), 400, "\"window\": 'soon' is not a duration");
        assertJsonError(admin.post("/backends/b1/drain", "{\"window\":\"-PT1S\"}"), 400, "\"window\": '-PT1S' must not be negative");
        assertJsonError(admin.post("/backends/b1/drain", "{\"window\":30}"), 400, "\"window\" must be a string");
        assertJsonError(admin.post("/backends/b1/health", "{}"), 400, "\"healthy\" is required");
        assertJsonError(admin.post("/backends/b1/health", "{\"healthy\":\"false\"}"), 400, "\"healthy\" is required");
        assertThat(balancer.pool().backends()).extracting(b -> b.id()).containsExactly("b1", "b2");
        assertThat(balancer.pool().get("b1").draining()).isFalse();
    }

    @Test
    void unknownBackend_gets404() throws Exception {
        start(b -> b);

        assertJsonError(admin.get("/backends/nope"), 404, "no backend with id 'nope'");
        for (String action : new String[] {"weight", "drain", "resume", "remove", "health"}) {
            String body = action.equals("weight") ? "{\"weight\":1}" : action.equals("health") ? "{\"healthy\":true}" : "";
            assertJsonError(admin.post("/backends/nope/" + action, body), 404, "no backend with id 'nope'");
        }
        assertJsonError(admin.get("/nope"), 404, "no such endpoint: /nope");
        assertJsonError(admin.post("/backends/b1/explode", ""), 404, "no such endpoint");
        assertJsonError(admin.get("/status/"), 404, "no such endpoint");
        assertJsonError(admin.get("/backends/b1/health/x"), 404, "no such endpoint");
    }

    @Test
    void wrongMethod_gets405WithAllow() throws Exception {
        start(b -> b);

        record Case(String method, String path, String allow) {}
        for (Case c : new Case[] {new Case("POST", "/", "GET"), new Case("DELETE", "/status", "GET"), new Case("POST", "/status", "GET"),
                new Case("GET", "/backends", "POST"), new Case("PUT", "/backends/b1", "GET"),
                new Case("GET", "/backends/b1/drain", "POST"), new Case("DELETE", "/backends/b1/remove", "POST")}) {
            AdminServer.Answer answer = admin.method(c.method(), c.path());
            assertJsonError(answer, 405, c.method() + " is not allowed on " + c.path());
            assertThat(answer.header("Allow")).as(c.toString()).isEqualTo(c.allow());
        }
        assertThat(balancer.pool().get("b1").draining()).isFalse();
    }

    @Test
    void oversizedBody_gets413() throws Exception {
        start(b -> b);
        byte[] big = new byte[AdminHandler.MAX_BODY_BYTES + 1];
        Arrays.fill(big, (byte) ' ');

        assertJsonError(admin.post("/backends/b1/drain", big), 413, "request body over 65536 bytes");
        // Without a Content-Length (chunked), the limit is enforced while reading.
        AdminServer.Answer chunked = admin.send(admin.request("/backends/b1/drain")
            .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(big))));
        assertJsonError(chunked, 413, "request body over 65536 bytes");
        assertThat(balancer.pool().get("b1").draining()).isFalse();
    }

    @Test
    void aBodyOfExactly64KiB_isAccepted() throws Exception {
        start(b -> b);
        byte[] body = new byte[AdminHandler.MAX_BODY_BYTES];
        Arrays.fill(body, (byte) ' ');
        byte[] json = "{\"window\":\"30s\"}".getBytes(UTF_8);
        System.arraycopy(json, 0, body, 0, json.length);

        assertThat(admin.post("/backends/b1/drain", body).status()).isEqualTo(202);
        assertThat(admin.send(admin.request("/backends/b1/resume")
            .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body)))).status())
            .as("chunked, no Content-Length").isEqualTo(400); // the resume endpoint takes no fields
        assertThat(balancer.pool().get("b1").draining()).isTrue();
    }

    @Test
    void builder_failsFastOnBadSettings() {
        WebSocketLoadBalancer lb = WebSocketLoadBalancer.builder().strategy(BalancingStrategies.roundRobin()).build();

        assertThatThrownBy(() -> AdminHandler.builder(null)).isInstanceOf(NullPointerException.class).hasMessage("balancer");
        assertThatThrownBy(() -> AdminHandler.builder(lb).bearerToken(" ")).isInstanceOf(IllegalArgumentException.class)
            .hasMessage("bearer token must not be blank");
        assertThatThrownBy(() -> AdminHandler.builder(lb).bearerToken("two words"))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("without spaces");
        assertThatThrownBy(() -> AdminHandler.builder(lb).bearerToken(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> AdminHandler.builder(lb).historySize(0)).isInstanceOf(IllegalArgumentException.class)
            .hasMessage("historySize must be at least 1, got 0");
        assertThatThrownBy(() -> AdminHandler.builder(lb).clock(null)).isInstanceOf(NullPointerException.class);
        assertThat(AdminHandler.builder(lb).bearerToken("t").historySize(1).build().balancer()).isSameAs(lb);
    }
}
