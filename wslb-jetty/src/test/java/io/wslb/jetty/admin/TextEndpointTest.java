package io.wslb.jetty.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wslb.Backend;
import io.wslb.WebSocketLoadBalancer;
import io.wslb.jetty.AdminHandler;
import io.wslb.jetty.testing.Balancers;
import io.wslb.jetty.testing.Closer;
import io.wslb.jetty.testing.EchoBackends;
import io.wslb.jetty.testing.EventLog;
import java.net.URI;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A read-only text endpoint added beside the admin API (the launcher's Prometheus scrape): produced at each request,
 * under the API's token, {@code GET} only, and a name that cannot shadow the API.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TextEndpointTest {

    private static final String TOKEN = "s3cret-T0ken";
    private static final String PROMETHEUS = "text/plain; version=0.0.4; charset=utf-8";

    private final Closer closer = new Closer();
    private final AtomicInteger scrapes = new AtomicInteger();

    @AfterEach
    void stop() throws Exception {
        closer.close();
    }

    private AdminServer start(UnaryOperator<AdminHandler.Builder> config) throws Exception {
        EchoBackends backends = closer.add(EchoBackends.start(1));
        WebSocketLoadBalancer balancer = Balancers.roundRobin(new EventLog(), backends.members()).build();
        return closer.add(AdminServer.start(balancer, config, ""));
    }

    @Test
    void get_answersWhatTheSupplierProducesAtEachRequest_underTheToken() throws Exception {
        AdminServer admin = start(b -> b.bearerToken(TOKEN)
            .textEndpoint("metrics", PROMETHEUS, () -> "scrapes_total " + scrapes.incrementAndGet() + "\n"));

        assertThat(admin.get("/metrics").status()).as("the token rule of the API applies").isEqualTo(401);
        assertThat(scrapes).hasValue(0);
        admin.withToken(TOKEN);
        AdminServer.Answer first = admin.get("/metrics");
        AdminServer.Answer second = admin.get("/metrics");

        assertThat(first.status()).isEqualTo(200);
        assertThat(first.header("Content-Type")).isEqualTo(PROMETHEUS);
        assertThat(first.header("Cache-Control")).isEqualTo("no-store");
        assertThat(first.body()).isEqualTo("scrapes_total 1\n");
        assertThat(second.body()).isEqualTo("scrapes_total 2\n");
        assertThat(admin.get("/status").status()).as("the API is still there").isEqualTo(200);
    }

    @Test
    void otherMethods_get405_andASupplierThatThrows_gets500() throws Exception {
        AdminServer admin = start(b -> b.textEndpoint("metrics", PROMETHEUS, () -> "ok\n")
            .textEndpoint("broken", "text/plain", () -> {
                throw new IllegalStateException("a bug");
            }));

        AdminServer.Answer post = admin.post("/metrics", "{}");
        assertThat(post.status()).isEqualTo(405);
        assertThat(post.header("Allow")).isEqualTo("GET");
        assertThat(admin.get("/broken").status()).isEqualTo(500);
        assertThat(admin.get("/metrics").body()).as("one endpoint's bug leaves the others").isEqualTo("ok\n");
    }

    @Test
    void names_thatAreNotOneLowercaseSegment_orShadowTheApi_areRefused() {
        AdminHandler.Builder builder = AdminHandler.builder(Balancers.roundRobin(new EventLog(),
            Backend.of("a", URI.create("ws://127.0.0.1:1"))).build());
        builder.textEndpoint("metrics", PROMETHEUS, () -> "");

        for (String bad : new String[] {"status", "backends", "metrics", "Metrics", "a/b", "", "x y"}) {
            assertThatThrownBy(() -> builder.textEndpoint(bad, PROMETHEUS, () -> ""))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("textEndpoint name");
        }
        assertThatThrownBy(() -> builder.textEndpoint("other", " ", () -> "")).hasMessageContaining("contentType");
    }
}
