package io.wslb.jetty.admin;

import io.wslb.WebSocketLoadBalancer;
import io.wslb.jetty.AdminHandler;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ContextHandler;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * A real Jetty server on 127.0.0.1 and an ephemeral port holding an {@link AdminHandler} (optionally under a
 * context path), with a {@link java.net.http.HttpClient} to call it.
 */
@SuppressWarnings("try") // close() may throw InterruptedException, as Jetty's stop() does
final class AdminServer implements AutoCloseable {

    /** One answer: status, headers and body, the body also parsed when it is JSON. */
    record Answer(int status, HttpResponse<String> response) {
        String body() {
            return response.body();
        }

        Map<String, Object> json() {
            return TestJson.object(response.body());
        }

        String error() {
            return (String) json().get("error");
        }

        String header(String name) {
            return response.headers().firstValue(name).orElse(null);
        }
    }

    private final Server server;
    private final ServerConnector connector;
    private final String contextPath;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5)).build();
    private volatile String token;

    private AdminServer(Server server, ServerConnector connector, String contextPath) {
        this.server = server;
        this.connector = connector;
        this.contextPath = contextPath;
    }

    static AdminServer start(WebSocketLoadBalancer balancer) throws Exception {
        return start(balancer, b -> b, "");
    }

    static AdminServer start(WebSocketLoadBalancer balancer, UnaryOperator<AdminHandler.Builder> config) throws Exception {
        return start(balancer, config, "");
    }

    /**
     * @param contextPath "" for the root, or a context path such as "/admin" to mount the handler under
     */
    static AdminServer start(WebSocketLoadBalancer balancer, UnaryOperator<AdminHandler.Builder> config,
                             String contextPath) throws Exception {
        QueuedThreadPool threads = new QueuedThreadPool(16, 2);
        threads.setName("admin");
        Server server = new Server(threads);
        ServerConnector connector = new ServerConnector(server, 1, 1);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        Handler admin = config.apply(AdminHandler.builder(balancer)).build();
        server.setHandler(contextPath.isEmpty() ? admin : new ContextHandler(admin, contextPath));
        try {
            server.start();
        } catch (Exception e) {
            server.stop();
            throw e;
        }
        return new AdminServer(server, connector, contextPath);
    }

    /** @param token the bearer token sent from now on, or null for none */
    AdminServer withToken(String token) {
        this.token = token;
        return this;
    }

    Server server() {
        return server;
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + connector.getLocalPort() + contextPath + path);
    }

    Answer get(String path) throws IOException, InterruptedException {
        return send(request(path).GET());
    }

    Answer post(String path, String json) throws IOException, InterruptedException {
        return send(request(path).POST(HttpRequest.BodyPublishers.ofString(json)));
    }

    Answer post(String path, byte[] body) throws IOException, InterruptedException {
        return send(request(path).POST(HttpRequest.BodyPublishers.ofByteArray(body)));
    }

    Answer method(String method, String path) throws IOException, InterruptedException {
        return send(request(path).method(method, HttpRequest.BodyPublishers.noBody()));
    }

    HttpRequest.Builder request(String path) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(10));
        String t = token;
        if (t != null) {
            builder.header("Authorization", "Bearer " + t);
        }
        return builder;
    }

    Answer send(HttpRequest.Builder request) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        return new Answer(response.statusCode(), response);
    }

    @Override
    public void close() throws Exception {
        server.stop();
    }
}
