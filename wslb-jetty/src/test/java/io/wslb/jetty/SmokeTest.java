package io.wslb.jetty;

import static org.assertj.core.api.Assertions.assertThat;

import io.wslb.Backend;
import io.wslb.WebSocketLoadBalancer;
import io.wslb.strategies.BalancingStrategies;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.server.WebSocketUpgradeHandler;
import org.junit.jupiter.api.Test;

class SmokeTest {

    public static class Echo implements Session.Listener.AutoDemanding {
        private Session session;

        @Override
        public void onWebSocketOpen(Session session) {
            this.session = session;
        }

        @Override
        public void onWebSocketText(String message) {
            session.sendText(message, Callback.NOOP);
        }
    }

    @Test
    void textEchoesThroughTheProxy() throws Exception {
        Server backend = new Server();
        ServerConnector bc = new ServerConnector(backend);
        bc.setHost("127.0.0.1");
        backend.addConnector(bc);
        backend.setHandler(WebSocketUpgradeHandler.from(backend, c -> c.addMapping("/*", (rq, rs, cb) -> new Echo())));
        backend.start();

        WebSocketLoadBalancer lb = WebSocketLoadBalancer.builder()
            .backend(Backend.of(URI.create("ws://127.0.0.1:" + bc.getLocalPort())))
            .strategy(BalancingStrategies.roundRobin())
            .build();
        Server proxy = new Server();
        ServerConnector pc = new ServerConnector(proxy);
        pc.setHost("127.0.0.1");
        proxy.addConnector(pc);
        proxy.setHandler(WebSocketLoadBalancerHandler.at("/", lb));
        proxy.start();
        try {
            CompletableFuture<String> got = new CompletableFuture<>();
            WebSocket ws = HttpClient.newHttpClient().newWebSocketBuilder()
                .buildAsync(URI.create("ws://127.0.0.1:" + pc.getLocalPort() + "/echo"), new WebSocket.Listener() {
                    @Override
                    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
                        got.complete(data.toString());
                        return null;
                    }
                }).get(5, TimeUnit.SECONDS);
            ws.sendText("hello", true);
            assertThat(got.get(5, TimeUnit.SECONDS)).isEqualTo("hello");
            ws.sendClose(1000, "bye").get(5, TimeUnit.SECONDS);
        } finally {
            proxy.stop();
            backend.stop();
        }
    }
}
