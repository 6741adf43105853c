package io.wslb.testing;

import static java.util.Objects.requireNonNull;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jspecify.annotations.Nullable;

/**
 * A WebSocket server on {@code 127.0.0.1} and an ephemeral port whose connections are driven by the test, frame by
 * frame: {@link #accept} waits for the next connection, answers its upgrade request with a 101 (no subprotocol, no
 * extension) and returns it as a {@link RawWebSocketConnection} in the {@linkplain RawWebSocketConnection.Role#SERVER
 * server role}, on which the test plays whatever a server should (or should never) send. No thread of its own:
 * accepting happens on the caller's thread, so a client can connect before the test accepts (the kernel queues it).
 *
 * <pre>{@code
 * try (RawWebSocketServer server = RawWebSocketServer.start()) {
 *     // point the client under test at server.uri(), then:
 *     RawWebSocketConnection ws = server.accept(Duration.ofSeconds(5));
 *     ws.send(Frame.text("Hello").rsv(2));                // a broken frame, unmasked as a server sends it
 *     Frame reply = ws.read();                            // the client's close, say
 * }
 * }</pre>
 *
 * <p>{@link #close()} closes the port and every connection accepted. Thread-safe.
 */
public final class RawWebSocketServer implements AutoCloseable {

    private final ServerSocket server;
    private final List<RawWebSocketConnection> accepted = new CopyOnWriteArrayList<>();

    private RawWebSocketServer(ServerSocket server) {
        this.server = server;
    }

    /**
     * Opens a port on 127.0.0.1.
     *
     * <pre>{@code RawWebSocketServer server = RawWebSocketServer.start();}</pre>
     *
     * @return the server
     * @throws UncheckedIOException if no port can be opened
     */
    public static RawWebSocketServer start() {
        try {
            ServerSocket socket = new ServerSocket();
            socket.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
            return new RawWebSocketServer(socket);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** @return the port it listens on */
    public int port() {
        return server.getLocalPort();
    }

    /** @return {@code ws://127.0.0.1:port/} */
    public URI uri() {
        return URI.create("ws://127.0.0.1:" + port() + "/");
    }

    /**
     * Waits for the next connection and completes its opening handshake.
     *
     * @param timeout how long to wait for a connection
     * @return the connection, in the server role, with a 5 s read timeout
     * @throws SocketTimeoutException if none arrives in time
     * @throws IOException if the request is not a WebSocket upgrade (it got a 400) or the socket fails
     */
    public RawWebSocketConnection accept(Duration timeout) throws IOException {
        Socket socket;
        synchronized (server) {
            server.setSoTimeout((int) Math.max(1, timeout.toMillis()));
            socket = server.accept();
        }
        try {
            RawWebSocketConnection connection = handshake(socket);
            accepted.add(connection);
            return connection;
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    /** @return the connections accepted so far, closed ones included */
    public List<RawWebSocketConnection> accepted() {
        return List.copyOf(accepted);
    }

    /** Closes the port and every connection accepted. Idempotent. */
    @Override
    public void close() throws IOException {
        IOException first = null;
        try {
            server.close();
        } catch (IOException e) {
            first = e;
        }
        for (RawWebSocketConnection connection : accepted) {
            try {
                connection.close();
            } catch (IOException e) {
                if (first == null) {
                    first = e;
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }

    private static RawWebSocketConnection handshake(Socket socket) throws IOException {
        requireNonNull(socket, "socket");
        socket.setTcpNoDelay(true);
        socket.setSoTimeout((int) RawWebSocketConnection.DEFAULT_TIMEOUT.toMillis());
        InputStream in = new BufferedInputStream(socket.getInputStream());
        String request = RawHttpResponse.readHead(in);
        String key = header(request, "Sec-WebSocket-Key");
        if (!request.startsWith("GET ") || key == null || !"13".equals(header(request, "Sec-WebSocket-Version"))) {
            socket.getOutputStream().write("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                .getBytes(StandardCharsets.ISO_8859_1));
            socket.close();
            throw new IOException("not a WebSocket upgrade request: " + request);
        }
        String response = "HTTP/1.1 101 Switching Protocols\r\n"
            + "Upgrade: websocket\r\n"
            + "Connection: Upgrade\r\n"
            + "Sec-WebSocket-Accept: " + RawWebSocketConnection.acceptFor(key) + "\r\n\r\n";
        socket.getOutputStream().write(response.getBytes(StandardCharsets.ISO_8859_1));
        socket.getOutputStream().flush();
        return new RawWebSocketConnection(socket, RawWebSocketConnection.Role.SERVER, in, request, response);
    }

    /** The first value of a header in a head, or null. */
    private static @Nullable String header(String head, String name) {
        String prefix = name.toLowerCase(Locale.ROOT) + ":";
        for (String line : head.split("\r\n")) {
            if (line.toLowerCase(Locale.ROOT).startsWith(prefix)) {
                return line.substring(prefix.length()).trim();
            }
        }
        return null;
    }

    @Override
    public String toString() {
        return "RawWebSocketServer[" + uri() + ", accepted=" + accepted.size() + "]";
    }
}
