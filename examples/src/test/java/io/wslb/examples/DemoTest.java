package io.wslb.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wslb.strategies.BalancingStrategies;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class DemoTest {

    @Test
    void demo_servesItsPage_andBalancesWebSocketsOverThreeBackends() throws Exception {
        try (Demo.Running demo = Demo.start("127.0.0.1", 0, BalancingStrategies.roundRobin())) {
            HttpClient http = HttpClient.newHttpClient();
            HttpResponse<String> page = http.send(HttpRequest.newBuilder(URI.create(demo.pageUri())).build(),
                HttpResponse.BodyHandlers.ofString());
            assertThat(page.statusCode()).isEqualTo(200);
            assertThat(page.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/html"));
            assertThat(page.body()).contains("new WebSocket(url)").contains("'/ws'");

            List<String> servedBy = new ArrayList<>();
            List<WebSocket> sockets = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                LinkedBlockingQueue<String> messages = new LinkedBlockingQueue<>();
                WebSocket ws = http.newWebSocketBuilder().buildAsync(URI.create(demo.balancerUri()), new WebSocket.Listener() {
                    @Override
                    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
                        messages.add(data.toString());
                        webSocket.request(1);
                        return null;
                    }
                }).get(5, TimeUnit.SECONDS);
                sockets.add(ws);
                servedBy.add(messages.poll(5, TimeUnit.SECONDS));
                ws.sendText("ping " + i, true);
                assertThat(messages.poll(5, TimeUnit.SECONDS)).isEqualTo("ping " + i);
            }
            assertThat(servedBy).containsExactlyInAnyOrder("echo-1", "echo-2", "echo-3");
            for (WebSocket ws : sockets) {
                ws.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(5, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void demo_linksToTheBalancersStatusPage_onLoopback_stoppedWithTheDemo() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        URI statusPage;
        try (Demo.Running demo = Demo.start("127.0.0.1", 0, BalancingStrategies.roundRobin())) {
            statusPage = URI.create(demo.statusPageUri());
            assertThat(statusPage.getHost()).isEqualTo("127.0.0.1");
            String page = http.send(HttpRequest.newBuilder(URI.create(demo.pageUri())).build(), HttpResponse.BodyHandlers.ofString())
                .body();
            assertThat(page).contains("href=\"" + statusPage + "\"").doesNotContain(Demo.Page.STATUS_PAGE);

            HttpResponse<String> html = http.send(HttpRequest.newBuilder(statusPage).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(html.statusCode()).isEqualTo(200);
            assertThat(html.body()).contains("<title>wslb status</title>");
            String status = http.send(HttpRequest.newBuilder(statusPage.resolve("status")).build(), HttpResponse.BodyHandlers.ofString())
                .body();
            assertThat(status).contains("\"id\":\"echo-1\"", "\"id\":\"echo-2\"", "\"id\":\"echo-3\"");
        }
        assertThatThrownBy(() -> http.send(HttpRequest.newBuilder(statusPage).build(), HttpResponse.BodyHandlers.discarding()))
            .as("the status page stops with the demo").isInstanceOf(IOException.class);
    }

    @Test
    void demo_answersPlainRequestsOnTheBalancerPathWith426_andUnknownPathsWith404() throws Exception {
        try (Demo.Running demo = Demo.start("127.0.0.1", 0, BalancingStrategies.roundRobin())) {
            HttpClient http = HttpClient.newHttpClient();
            String base = demo.pageUri();
            assertThat(http.send(HttpRequest.newBuilder(URI.create(base + "ws")).build(), HttpResponse.BodyHandlers.discarding())
                .statusCode()).isEqualTo(426);
            assertThat(http.send(HttpRequest.newBuilder(URI.create(base + "nothing-here")).build(), HttpResponse.BodyHandlers.discarding())
                .statusCode()).isEqualTo(404);
        }
    }

}
