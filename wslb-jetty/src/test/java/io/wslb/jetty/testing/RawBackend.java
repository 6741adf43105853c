package io.wslb.jetty.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/**
 * A hostile or broken backend on a plain {@link ServerSocket}: it reads each request head and answers with
 * whatever bytes its responder returns for it (null: it never answers, keeping the connection open).
 */
public final class RawBackend implements AutoCloseable {

    /** A responder's answer meaning: close the connection at once without answering. */
    public static final byte[] HANG_UP = new byte[0];

    private final ServerSocket server;
    private final Function<String, byte[]> responder;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final List<String> requests = new CopyOnWriteArrayList<>();
    private final Thread acceptor;

    private RawBackend(ServerSocket server, Function<String, byte[]> responder) {
        this.server = server;
        this.responder = responder;
        this.acceptor = new Thread(this::acceptLoop, "raw-backend-" + server.getLocalPort());
        acceptor.setDaemon(true);
    }

    /**
     * @param responder request head to answer bytes (null to stay silent)
     * @return a started backend
     */
    public static RawBackend start(Function<String, byte[]> responder) throws IOException {
        ServerSocket server = new ServerSocket();
        server.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
        RawBackend backend = new RawBackend(server, responder);
        backend.acceptor.start();
        return backend;
    }

    /**
     * @param requestHead a request head
     * @return the value of its {@code Sec-WebSocket-Key}
     */
    public static String keyOf(String requestHead) {
        for (String line : requestHead.split("\r\n")) {
            if (line.toLowerCase(Locale.ROOT).startsWith("sec-websocket-key:")) {
                return line.substring(line.indexOf(':') + 1).trim();
            }
        }
        throw new AssertionError("no Sec-WebSocket-Key in " + requestHead);
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                sockets.add(socket);
                Thread t = new Thread(() -> serve(socket), "raw-backend-conn");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket socket) {
        try {
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            int last4 = 0;
            while (last4 != 0x0D0A0D0A) {
                int b = in.read();
                if (b < 0) {
                    return;
                }
                head.write(b);
                last4 = (last4 << 8) | b;
            }
            String request = head.toString(StandardCharsets.ISO_8859_1);
            requests.add(request);
            byte[] answer = responder.apply(request);
            if (answer == HANG_UP) {
                return;
            }
            if (answer != null) {
                socket.getOutputStream().write(answer);
                socket.getOutputStream().flush();
            }
            while (in.read() >= 0) {
                // hold the connection until the peer or close() ends it
            }
        } catch (IOException e) {
            // connection ended
        } finally {
            try {
                socket.close();
            } catch (IOException e) {
                // already closed
            }
        }
    }

    /** @return {@code ws://127.0.0.1:port} */
    public URI uri() {
        return URI.create("ws://127.0.0.1:" + server.getLocalPort());
    }

    /** @return the request heads received so far */
    public List<String> requests() {
        return List.copyOf(requests);
    }

    /** @return accepted connections that are still open on this side (this side closes when the peer does) */
    public int openConnections() {
        return (int) sockets.stream().filter(s -> !s.isClosed()).count();
    }

    /** @return connections accepted so far */
    public int connections() {
        return sockets.size();
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket s : sockets) {
            s.close();
        }
    }
}
