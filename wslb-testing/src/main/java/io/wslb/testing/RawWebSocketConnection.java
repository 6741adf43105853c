package io.wslb.testing;

import static java.util.Objects.requireNonNull;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * One WebSocket connection over a plain {@link Socket}, after its opening handshake, on which a test writes any
 * frame, legal or not, in any {@link Chopping}, and reads back exactly the frames that arrive ({@link FrameReader}).
 * It plays either side: {@link #connect} makes a {@linkplain Role#CLIENT client} connection (it sends the upgrade
 * request), {@link RawWebSocketServer#accept} a {@linkplain Role#SERVER server} one (it answers it).
 *
 * <pre>{@code
 * try (RawWebSocketConnection ws = RawWebSocketConnection.connect(new InetSocketAddress("127.0.0.1", 8080), "/")) {
 *     ws.send(Frame.text("Hello"));                      // masked, as the client role requires
 *     ws.send(Chopping.every(1), Frame.ping(new byte[0])); // one byte per write
 *     ws.sendAsIs(Chopping.whole(), List.of(Frame.text("no mask"))); // deliberately unmasked
 *     Frame echo = ws.read();
 * }
 * }</pre>
 *
 * <p>Reads block up to the {@linkplain #readTimeout(Duration) read timeout} (5 s unless set). Not thread-safe: one
 * thread reads, and one (possibly another) writes.
 */
public final class RawWebSocketConnection implements AutoCloseable {

    /** The side a connection plays; it decides how {@link #send} masks frames. */
    public enum Role {
        /** Sends the upgrade request; {@link #send} masks every frame that has no key with a fresh random key. */
        CLIENT,
        /** Answers the upgrade request; {@link #send} sends every frame unmasked. */
        SERVER;

        /**
         * @param frame a frame
         * @return the frame as this role sends it: masked (keeping a key it has) for a client, unmasked for a server
         */
        public Frame prepare(Frame frame) {
            if (this == SERVER) {
                return frame.unmasked();
            }
            return frame.isMasked() ? frame : frame.masked();
        }
    }

    static final String GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);

    private final Socket socket;
    private final Role role;
    private final InputStream in;
    private final OutputStream out;
    private final FrameReader reader;
    private final String requestHead;
    private final String responseHead;

    RawWebSocketConnection(Socket socket, Role role, InputStream in, String requestHead, String responseHead) throws IOException {
        this.socket = socket;
        this.role = role;
        this.in = in;
        this.out = socket.getOutputStream();
        this.reader = FrameReader.of(in);
        this.requestHead = requestHead;
        this.responseHead = responseHead;
    }

    /**
     * Connects to {@code address}, sends a valid upgrade request for {@code path} and reads the answer.
     *
     * <pre>{@code RawWebSocketConnection ws = RawWebSocketConnection.connect(new InetSocketAddress("127.0.0.1", 8080), "/chat");}</pre>
     *
     * @param address where to connect
     * @param path the request target, such as {@code /} or {@code /room?x=1}
     * @return the connection, in the client role
     * @throws IOException if the connection fails, or the answer is not a 101 with the right
     *     {@code Sec-WebSocket-Accept} (the message holds the answer's head)
     */
    public static RawWebSocketConnection connect(InetSocketAddress address, String path) throws IOException {
        Socket socket = new Socket();
        try {
            socket.connect(address, (int) DEFAULT_TIMEOUT.toMillis());
            socket.setSoTimeout((int) DEFAULT_TIMEOUT.toMillis());
            socket.setTcpNoDelay(true);
            byte[] nonce = new byte[16];
            RANDOM.nextBytes(nonce);
            String key = Base64.getEncoder().encodeToString(nonce);
            String request = "GET " + path + " HTTP/1.1\r\n"
                + "Host: " + address.getHostString() + ":" + address.getPort() + "\r\n"
                + "Upgrade: websocket\r\n"
                + "Connection: Upgrade\r\n"
                + "Sec-WebSocket-Key: " + key + "\r\n"
                + "Sec-WebSocket-Version: 13\r\n\r\n";
            socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            socket.getOutputStream().flush();
            InputStream in = new BufferedInputStream(socket.getInputStream());
            String response = readHead(in);
            if (!response.startsWith("HTTP/1.1 101")) {
                throw new IOException("upgrade refused: " + response);
            }
            String accept = header(response, "Sec-WebSocket-Accept");
            if (!acceptFor(key).equals(accept)) {
                throw new IOException("101 with a wrong Sec-WebSocket-Accept: " + response);
            }
            return new RawWebSocketConnection(socket, Role.CLIENT, in, request, response);
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    /**
     * @param key a {@code Sec-WebSocket-Key}
     * @return the {@code Sec-WebSocket-Accept} value that answers it
     */
    public static String acceptFor(String key) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-1").digest((key + GUID).getBytes(StandardCharsets.ISO_8859_1));
            return Base64.getEncoder().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is always available", e);
        }
    }

    /** Reads an HTTP head up to and including the empty line; ISO-8859-1. */
    static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int last4 = 0;
        while (last4 != 0x0D0A0D0A) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("end of stream inside an HTTP head: " + head.toString(StandardCharsets.ISO_8859_1));
            }
            if (head.size() > 65536) {
                throw new IOException("HTTP head over 64 KiB");
            }
            head.write(b);
            last4 = (last4 << 8) | b;
        }
        return head.toString(StandardCharsets.ISO_8859_1);
    }

    /** The first value of a header in a head, or null. */
    static @Nullable String header(String head, String name) {
        String prefix = name.toLowerCase(Locale.ROOT) + ":";
        for (String line : head.split("\r\n")) {
            if (line.toLowerCase(Locale.ROOT).startsWith(prefix)) {
                return line.substring(prefix.length()).trim();
            }
        }
        return null;
    }

    /** @return the side this connection plays */
    public Role role() {
        return role;
    }

    /** @return the upgrade request's head as it was sent (client) or received (server) */
    public String requestHead() {
        return requestHead;
    }

    /** @return the 101 answer's head as it was received (client) or sent (server) */
    public String responseHead() {
        return responseHead;
    }

    /**
     * @param timeout how long each read may block from now on
     * @return this connection
     */
    public RawWebSocketConnection readTimeout(Duration timeout) {
        try {
            socket.setSoTimeout((int) Math.max(1, timeout.toMillis()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    /**
     * Sends frames as this connection's {@linkplain Role#prepare role sends them}, in one write.
     *
     * @param frames the frames
     * @throws IOException if the write fails
     */
    public void send(Frame... frames) throws IOException {
        send(Chopping.whole(), List.of(frames));
    }

    /**
     * Sends frames as this connection's role sends them, cut into writes by {@code chopping}.
     *
     * @param chopping how to cut the bytes into writes
     * @param frames the frames
     * @throws IOException if a write fails
     */
    public void send(Chopping chopping, Frame... frames) throws IOException {
        send(chopping, List.of(frames));
    }

    /**
     * Sends frames as this connection's role sends them, cut into writes by {@code chopping}.
     *
     * @param chopping how to cut the bytes into writes
     * @param frames the frames
     * @throws IOException if a write fails
     */
    public void send(Chopping chopping, List<Frame> frames) throws IOException {
        sendAsIs(chopping, frames.stream().map(role::prepare).toList());
    }

    /**
     * Sends frames exactly as they are (an unmasked frame from a client, a masked one from a server).
     *
     * @param chopping how to cut the bytes into writes
     * @param frames the frames
     * @throws IOException if a write fails
     */
    public void sendAsIs(Chopping chopping, List<Frame> frames) throws IOException {
        chopping.write(out, frames);
    }

    /**
     * Writes bytes as they are, in one write, and flushes.
     *
     * @param bytes anything: part of a frame, several frames, garbage
     * @throws IOException if the write fails
     */
    public void write(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /**
     * Reads the next frame.
     *
     * @return the frame as it arrived
     * @throws EOFException at end of stream
     * @throws SocketTimeoutException if nothing complete arrives within the read timeout
     * @throws IOException on other failures
     */
    public Frame read() throws IOException {
        return reader.read();
    }

    /**
     * Waits for the peer to end the TCP connection (FIN or reset), expecting nothing else to arrive first.
     *
     * @param timeout how long to wait
     * @return true if it ended within the timeout, false if it is still open then
     * @throws IOException if bytes arrive before the end (the message says how many)
     */
    public boolean awaitEndOfStream(Duration timeout) throws IOException {
        int previous = socket.getSoTimeout();
        socket.setSoTimeout((int) Math.max(1, timeout.toMillis()));
        long unexpected = 0;
        try {
            byte[] sink = new byte[1024];
            for (int n = in.read(sink); n >= 0; n = in.read(sink)) {
                unexpected += n;
            }
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            // reset by the peer: the end, too
        } finally {
            if (!socket.isClosed()) {
                socket.setSoTimeout(previous);
            }
        }
        if (unexpected > 0) {
            throw new IOException(unexpected + " unexpected bytes arrived before the end of stream");
        }
        return true;
    }

    /**
     * Half-closes: sends a FIN, keeps reading possible.
     *
     * @throws IOException if the socket fails
     */
    public void shutdownOutput() throws IOException {
        socket.shutdownOutput();
    }

    /** @return true once {@link #close()} or {@link #abort()} was called */
    public boolean isClosed() {
        return socket.isClosed();
    }

    /** @return the local port of the socket */
    public int localPort() {
        return socket.getLocalPort();
    }

    /** Closes the TCP connection (a FIN), without a close frame. Idempotent. */
    @Override
    public void close() throws IOException {
        socket.close();
    }

    /**
     * Closes the TCP connection with a reset (SO_LINGER 0), without a close frame.
     *
     * @throws IOException if the socket fails
     */
    public void abort() throws IOException {
        if (!socket.isClosed()) {
            socket.setSoLinger(true, 0);
            socket.close();
        }
    }

    @Override
    public String toString() {
        return "RawWebSocketConnection[" + role + ", " + socket.getLocalSocketAddress() + " <-> " + socket.getRemoteSocketAddress() + "]";
    }

    static RawWebSocketConnection serverSide(Socket socket) throws IOException {
        requireNonNull(socket, "socket");
        socket.setTcpNoDelay(true);
        socket.setSoTimeout((int) DEFAULT_TIMEOUT.toMillis());
        InputStream in = new BufferedInputStream(socket.getInputStream());
        String request = readHead(in);
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
            + "Sec-WebSocket-Accept: " + acceptFor(key) + "\r\n\r\n";
        socket.getOutputStream().write(response.getBytes(StandardCharsets.ISO_8859_1));
        socket.getOutputStream().flush();
        return new RawWebSocketConnection(socket, Role.SERVER, in, request, response);
    }
}
