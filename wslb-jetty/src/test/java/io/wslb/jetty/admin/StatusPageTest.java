package io.wslb.jetty.admin;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.wslb.WebSocketLoadBalancer;
import io.wslb.jetty.AdminHandler;
import io.wslb.jetty.testing.Balancers;
import io.wslb.jetty.testing.Closer;
import io.wslb.jetty.testing.EchoBackends;
import io.wslb.jetty.testing.EventLog;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The status page at the admin handler's {@code /}: served without the token (it holds no data), with headers
 * that keep it self-contained, while everything else still asks for the token. The browser side is tested by
 * the launcher's Node.js suite, in headless Chromium.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class StatusPageTest {

    private static final String TOKEN = "s3cret-T0ken";

    private final Closer closer = new Closer();
    private WebSocketLoadBalancer balancer;

    @AfterEach
    void stop() throws Exception {
        closer.close();
    }

    private AdminServer start(UnaryOperator<AdminHandler.Builder> config, String contextPath) throws Exception {
        EchoBackends backends = closer.add(EchoBackends.start(2));
        balancer = Balancers.roundRobin(new EventLog(), backends.members()).build();
        return closer.add(AdminServer.start(balancer, config, contextPath));
    }

    @Test
    void getRoot_servesTheSelfContainedPage_withoutTheToken_andWithStrictHeaders() throws Exception {
        AdminServer admin = start(b -> b.bearerToken(TOKEN), "");

        AdminServer.Answer page = admin.get("/");

        assertThat(page.status()).isEqualTo(200);
        assertThat(page.header("Content-Type")).isEqualTo("text/html; charset=utf-8");
        assertThat(page.header("Cache-Control")).isEqualTo("no-store");
        assertThat(page.header("X-Content-Type-Options")).isEqualTo("nosniff");
        assertThat(page.header("X-Frame-Options")).isEqualTo("DENY");
        String csp = page.header("Content-Security-Policy");
        assertThat(csp).startsWith("default-src 'none';").contains("connect-src 'self'", "frame-ancestors 'none'")
            .doesNotContain("unsafe-inline", "unsafe-eval", "http:", "https:", "*");
        assertThat(csp).as("the page's own script and style, by hash")
            .contains("script-src " + hashOfElement(page.body(), "script") + ";")
            .contains("style-src " + hashOfElement(page.body(), "style") + ";");
        assertThat(page.body()).startsWith("<!doctype html>").contains("<title>wslb status</title>")
            .as("it loads nothing from elsewhere").doesNotContain("src=", "http://", "https://", "@import", "url(");
        assertThat(page.body()).as("relative to where the handler is mounted").contains("fetch('status'");
        assertThat(admin.get("/status").status()).as("the data still needs the token").isEqualTo(401);
        assertThat(admin.withToken(TOKEN).get("/status").status()).isEqualTo(200);
    }

    @Test
    void otherMethodsOnRoot_get405WithTheToken_and401WithoutIt_andUnknownPathsStay404() throws Exception {
        AdminServer admin = start(b -> b.bearerToken(TOKEN), "");

        assertThat(admin.post("/", "{}").status()).as("nothing but the page is served without the token").isEqualTo(401);
        assertThat(admin.get("/index.html").status()).isEqualTo(401);
        admin.withToken(TOKEN);
        AdminServer.Answer post = admin.post("/", "{}");
        assertThat(post.status()).isEqualTo(405);
        assertThat(post.header("Allow")).isEqualTo("GET");
        assertThat(post.error()).contains("POST is not allowed on /");
        assertThat(admin.method("DELETE", "/").status()).isEqualTo(405);
        AdminServer.Answer unknown = admin.get("/index.html");
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.error()).contains("no such endpoint: /index.html").contains("GET /,");
    }

    @Test
    void thePage_isServedWhereTheHandlerIsMounted() throws Exception {
        AdminServer admin = start(b -> b, "/admin");

        AdminServer.Answer page = admin.get("/");

        assertThat(page.status()).isEqualTo(200);
        assertThat(page.body()).contains("<title>wslb status</title>");
        assertThat(page.response().uri().resolve("status").getPath()).isEqualTo("/admin/status");
        assertThat(admin.get("/status").status()).isEqualTo(200);
    }

    /** The CSP source of the page's one {@code <tag>} element: the SHA-256 of its text, as a browser computes it. */
    private static String hashOfElement(String html, String tag) throws Exception {
        Matcher m = Pattern.compile("<" + tag + ">(.*?)</" + tag + ">", Pattern.DOTALL).matcher(html);
        assertThat(m.find()).as("a <%s> element", tag).isTrue();
        byte[] digest = MessageDigest.getInstance("SHA-256").digest(m.group(1).getBytes(UTF_8));
        assertThat(m.find()).as("only one <%s> element", tag).isFalse();
        return "'sha256-" + Base64.getEncoder().encodeToString(digest) + "'";
    }
}
