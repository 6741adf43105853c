package io.wslb.jetty.testing;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.http.HttpCookieStore;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.websocket.client.ClientUpgradeRequest;
import org.eclipse.jetty.websocket.client.WebSocketClient;

/**
 * A real Jetty {@link WebSocketClient} with 4 MiB message limits and no cookie store (so that no cookie is
 * carried from one connection to the next behind a test's back). Closing it closes every connection it made.
 */
@SuppressWarnings("try") // close() may throw InterruptedException, as Jetty's stop() does
public final class WsClient implements AutoCloseable {

    private final WebSocketClient client;
    private final List<ClientSocket> sockets = new CopyOnWriteArrayList<>();

    private WsClient(WebSocketClient client) {
        this.client = client;
    }

    /** @return a started client */
    public static WsClient start() throws Exception {
        return start(new SslContextFactory.Client());
    }

    /**
     * @param tls the TLS settings for {@code wss://} connections (trust, host name verification)
     * @return a started client
     */
    public static WsClient start(SslContextFactory.Client tls) throws Exception {
        HttpClient http = new HttpClient();
        http.setSslContextFactory(tls);
        http.setHttpCookieStore(new HttpCookieStore.Empty());
        QueuedThreadPool threads = new QueuedThreadPool(32, 4);
        threads.setName("test-client");
        http.setExecutor(threads);
        WebSocketClient client = new WebSocketClient(http);
        client.setMaxTextMessageSize(EchoBackend.MAX_MESSAGE);
        client.setMaxBinaryMessageSize(EchoBackend.MAX_MESSAGE);
        client.setIdleTimeout(Duration.ofSeconds(30));
        client.start();
        return new WsClient(client);
    }

    /** @return the underlying client */
    public WebSocketClient jetty() {
        return client;
    }

    /** Connects and waits (5 s at most) for the 101. */
    public ClientSocket connect(URI uri) throws Exception {
        return connect(new ClientUpgradeRequest(uri));
    }

    /** Connects with this request and waits (5 s at most) for the 101. */
    public ClientSocket connect(ClientUpgradeRequest request) throws Exception {
        ClientSocket socket = new ClientSocket();
        sockets.add(socket);
        client.connect(socket, request).get(5, TimeUnit.SECONDS);
        return socket;
    }

    @Override
    public void close() throws Exception {
        for (ClientSocket s : sockets) {
            s.closeQuietly();
        }
        client.stop();
    }
}
