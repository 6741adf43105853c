package io.wslb.jetty.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.wslb.jetty.ProxyServerConnector;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.server.Server;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The accept queue of a {@link ProxyServerConnector}: the kernel holds a burst of connects until the server accepts
 * them, instead of dropping those beyond the JDK's 50 and leaving the clients to retry seconds later.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class AcceptQueueTest {

    private static final int BURST = 1000;

    private final Server server = new Server();
    private final List<SocketChannel> clients = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (SocketChannel client : clients) {
            client.close();
        }
        server.stop();
    }

    @Test
    void byDefault_theConnectorListensWithTheLongestAcceptQueueTheKernelAllows() throws Exception {
        ProxyServerConnector connector = new ProxyServerConnector(server, 1);
        server.addConnector(connector);
        server.start();

        // Linux cuts every backlog to net.core.somaxconn (4096 by default since 5.4); the test machines run Linux.
        int somaxconn = Integer.parseInt(Files.readAllLines(Path.of("/proc/sys/net/core/somaxconn")).get(0).strip());
        assertThat(connector.getAcceptQueueSize()).as("the backlog asked of the kernel").isEqualTo(somaxconn);
    }

    @Test
    void aBurstOf1000Connects_whileTheSelectorIsBusy_waitsInTheAcceptQueue_andEveryOneIsServed() throws Exception {
        ProxyServerConnector connector = new ProxyServerConnector(server, 1);
        server.addConnector(connector);
        CountDownLatch busy = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicBoolean first = new AtomicBoolean(true);
        // Listeners run on the selector thread, which also accepts: holding the first connection's there stands
        // for a selector busy with TLS handshakes while a burst arrives, and stops accepting meanwhile.
        connector.addEventListener(new Connection.Listener() {
            @Override
            public void onOpened(Connection connection) {
                if (first.getAndSet(false)) {
                    busy.countDown();
                    try {
                        release.await(60, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            }
        });
        server.start();
        InetSocketAddress address = new InetSocketAddress("127.0.0.1", connector.getLocalPort());
        try (Socket holder = new Socket(address.getAddress(), address.getPort())) {
            assertThat(busy.await(10, TimeUnit.SECONDS)).as("the selector took the first connection").isTrue();

            long start = System.nanoTime();
            try (Selector selector = Selector.open()) {
                for (int i = 0; i < BURST; i++) {
                    SocketChannel client = SocketChannel.open();
                    clients.add(client);
                    client.configureBlocking(false);
                    if (!client.connect(address)) {
                        client.register(selector, SelectionKey.OP_CONNECT);
                    }
                }
                int connected = awaitConnects(selector, Duration.ofSeconds(10));
                Duration took = Duration.ofNanos(System.nanoTime() - start);
                // The kernel completes a connect it has room to queue at once; beyond the queue it drops the SYN and
                // the client only retries after 1 s, 3 s, 7 s... while the selector is still busy.
                assertThat(connected).as("connects completed by the kernel within 10 s while the selector was busy"
                    + " (took %d ms)", took.toMillis()).isEqualTo(BURST);
            }
            release.countDown();

            Map<String, Integer> answers = requestOnEach(Duration.ofSeconds(60));
            assertThat(answers).as("status lines of the %d clients", BURST).containsOnlyKeys("HTTP/1.1 404 Not Found");
            assertThat(answers.get("HTTP/1.1 404 Not Found")).isEqualTo(BURST);
            assertThat(holder.isConnected()).isTrue();
        } finally {
            release.countDown();
        }
    }

    private int awaitConnects(Selector selector, Duration within) throws IOException {
        int connected = (int) clients.stream().filter(SocketChannel::isConnected).count();
        long deadline = System.nanoTime() + within.toNanos();
        while (connected < BURST) {
            long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (left <= 0) {
                break;
            }
            selector.select(left);
            for (SelectionKey key : selector.selectedKeys()) {
                if (((SocketChannel) key.channel()).finishConnect()) {
                    key.cancel();
                    connected++;
                }
            }
            selector.selectedKeys().clear();
        }
        return connected;
    }

    /** Sends a request on every client and collects the status line each gets (or what went wrong). */
    private Map<String, Integer> requestOnEach(Duration within) throws IOException {
        byte[] request = "GET /nothing-here HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n"
            .getBytes(StandardCharsets.US_ASCII);
        Map<String, Integer> answers = new HashMap<>();
        try (Selector selector = Selector.open()) {
            Map<SocketChannel, StringBuilder> heads = new HashMap<>();
            for (SocketChannel client : clients) {
                client.write(ByteBuffer.wrap(request));
                client.register(selector, SelectionKey.OP_READ);
                heads.put(client, new StringBuilder());
            }
            ByteBuffer buffer = ByteBuffer.allocate(4096);
            long deadline = System.nanoTime() + within.toNanos();
            while (!heads.isEmpty()) {
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0) {
                    answers.merge("no answer within " + within.toSeconds() + " s", heads.size(), Integer::sum);
                    break;
                }
                selector.select(left);
                for (SelectionKey key : selector.selectedKeys()) {
                    SocketChannel client = (SocketChannel) key.channel();
                    StringBuilder head = heads.get(client);
                    buffer.clear();
                    int read;
                    try {
                        read = client.read(buffer);
                    } catch (IOException e) {
                        read = -1;
                    }
                    if (read > 0) {
                        head.append(new String(buffer.array(), 0, read, StandardCharsets.ISO_8859_1));
                    }
                    int eol = head.indexOf("\r\n");
                    if (eol >= 0 || read < 0) {
                        answers.merge(eol >= 0 ? head.substring(0, eol) : "closed without an answer", 1, Integer::sum);
                        heads.remove(client);
                        key.cancel();
                    }
                }
                selector.selectedKeys().clear();
            }
        }
        return answers;
    }
}
