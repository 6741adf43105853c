package io.wslb.testing;

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
 * One WebSocket connection over a plain {@link Socket}, on which a test writes any frame, legal or not, in any
 * {@link Chopping}, and reads back exactly the frames that arrive ({@link FrameReader}). It plays either side:
 * {@link #connect} makes a {@linkplain Role#CLIENT client} connection (it sends the upgrade request),
 * {@link RawWebSocketServer#accept} a {@linkplain Role#SERVER server} one (it answers it). {@link #open} stops
 * before the handshake, so a client test can send any request ({@link #upgrade}, {@link #write(String)}) and see
 * the exact answer ({@link RawHttpResponse}) before it exchanges frames on the same socket.
 *
 * <pre>{@code
 * try (RawWebSocketConnection ws = RawWebSocketConnection.connect(new InetSocketAddress("127.0.0.1", 8080), "/")) {
 *     ws.send(Frame.text("Hello"));                      // masked, as the client role requires
 *     ws.send(Chopping.every(1), Frame.ping(new byte[0])); // one byte per write
 *     ws.sendAsIs(Chopping.whole(), List.of(Frame.text("no mask"))); // deliberately unmasked
 *     Frame echo = ws.read();
 * }
 * try (RawWebSocketConnection ws = RawWebSocketConnection.open(8080)) {
 *     RawHttpResponse answer = ws.upgrade("/chat", "Origin: https://example.com");
 *     if (answer.status() == 101) {
 *         Frame close = ws.closeNormally();              // close 1000, the server's close, its end of stream
 *     }
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
    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);

    private final Socket socket;
    private final Role role;
    private final InputStream in;
    private final OutputStream out;
    private final FrameReader reader;
    private String requestHead;
    private String responseHead;

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
     *     {@code Sec-WebSocket-Accept} (the message holds the answer)
     */
    public static RawWebSocketConnection connect(InetSocketAddress address, String path) throws IOException {
        RawWebSocketConnection connection = open(address);
        try {
            RawHttpResponse answer = connection.upgrade(path);
            if (answer.status() != 101) {
                throw new IOException("upgrade refused: " + answer);
            }
            return connection;
        } catch (IOException | RuntimeException e) {
            connection.close();
            throw e;
        }
    }

    /**
     * Connects to {@code 127.0.0.1:port} and stops before the opening handshake.
     *
     * <pre>{@code RawWebSocketConnection ws = RawWebSocketConnection.open(8080);}</pre>
     *
     * @param port a port on 127.0.0.1
     * @return the connection, in the client role, with a 5 s read timeout
     * @throws IOException if it cannot connect
     */
    public static RawWebSocketConnection open(int port) throws IOException {
        return open(new InetSocketAddress("127.0.0.1", port));
    }

    /**
     * Connects from another loopback address, which a server sees as another client, and stops before the opening
     * handshake.
     *
     * <pre>{@code RawWebSocketConnection ws = RawWebSocketConnection.openFrom("127.0.0.7", 8080);}</pre>
     *
     * @param localIp the loopback address to connect from, such as {@code 127.0.0.7}
     * @param port a port on 127.0.0.1
     * @return the connection, in the client role, with a 5 s read timeout
     * @throws IOException if it cannot connect
     */
    public static RawWebSocketConnection openFrom(String localIp, int port) throws IOException {
        return open(new InetSocketAddress(localIp, 0), new InetSocketAddress("127.0.0.1", port));
    }

    /**
     * Connects to {@code address} and stops before the opening handshake.
     *
     * <pre>{@code RawWebSocketConnection ws = RawWebSocketConnection.open(new InetSocketAddress("127.0.0.1", 8080));}</pre>
     *
     * @param address where to connect
     * @return the connection, in the client role, with a 5 s read timeout
     * @throws IOException if it cannot connect
     */
    public static RawWebSocketConnection open(InetSocketAddress address) throws IOException {
        return open(null, address);
    }

    private static RawWebSocketConnection open(@Nullable InetSocketAddress local, InetSocketAddress address) throws IOException {
        Socket socket = new Socket();
        try {
            if (local != null) {
                socket.bind(local);
            }
            socket.connect(address, (int) DEFAULT_TIMEOUT.toMillis());
            socket.setSoTimeout((int) DEFAULT_TIMEOUT.toMillis());
            socket.setTcpNoDelay(true);
            return new RawWebSocketConnection(socket, Role.CLIENT, new BufferedInputStream(socket.getInputStream()), "", "");
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    /**
     * @return a fresh random {@code Sec-WebSocket-Key}
     */
    public static String newKey() {
        byte[] nonce = new byte[16];
        RANDOM.nextBytes(nonce);
        return Base64.getEncoder().encodeToString(nonce);
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

    /**
     * A valid upgrade request head for this connection's server, to send as it is or altered.
     *
     * <pre>{@code
     * RawWebSocketConnection ws = RawWebSocketConnection.open(8080);
     * ws.write(ws.upgradeRequest("/", RawWebSocketConnection.newKey(), "Connection: keep-alive, Upgrade"));
     * }</pre>
     *
     * @param path the request target
     * @param key the {@code Sec-WebSocket-Key}
     * @param extraHeaderLines further header lines such as {@code "Cookie: a=1"}; a {@code Connection} line among
     *     them replaces the default one
     * @return the head, ending with an empty line
     */
    public String upgradeRequest(String path, String key, String... extraHeaderLines) {
        StringBuilder b = new StringBuilder();
        b.append("GET ").append(path).append(" HTTP/1.1\r\n");
        b.append("Host: ").append(((InetSocketAddress) socket.getRemoteSocketAddress()).getHostString()).append(':').append(socket.getPort()).append("\r\n");
        b.append("Upgrade: websocket\r\n");
        boolean ownConnection = false;
        for (String line : extraHeaderLines) {
            ownConnection |= line.toLowerCase(Locale.ROOT).startsWith("connection:");
        }
        if (!ownConnection) {
            b.append("Connection: Upgrade\r\n");
        }
        b.append("Sec-WebSocket-Key: ").append(key).append("\r\n");
        b.append("Sec-WebSocket-Version: 13\r\n");
        for (String line : extraHeaderLines) {
            b.append(line).append("\r\n");
        }
        return b.append("\r\n").toString();
    }

    /**
     * Sends a valid upgrade request and reads the answer (with its body, unless it is a 101). A 101 becomes this
     * connection's {@linkplain #responseHead() response head}; frames may follow on the same connection.
     *
     * <pre>{@code int status = RawWebSocketConnection.open(8080).upgrade("/", "Cookie: a=1").status();}</pre>
     *
     * @param path the request target
     * @param extraHeaderLines further header lines, as for {@link #upgradeRequest}
     * @return the answer
     * @throws IOException if the socket fails, or the answer is a 101 with a wrong {@code Sec-WebSocket-Accept}
     */
    public RawHttpResponse upgrade(String path, String... extraHeaderLines) throws IOException {
        String key = newKey();
        String request = upgradeRequest(path, key, extraHeaderLines);
        write(request);
        requestHead = request;
        String head = RawHttpResponse.readHead(in);
        RawHttpResponse answer = RawHttpResponse.read(head, in);
        if (answer.status() == 101) {
            if (!acceptFor(key).equals(answer.header("Sec-WebSocket-Accept"))) {
                throw new IOException("101 with a wrong Sec-WebSocket-Accept: " + answer);
            }
            responseHead = head;
        }
        return answer;
    }

    /**
     * Reads an HTTP response from the connection, as {@link RawHttpResponse#read} does.
     *
     * @return the response
     * @throws IOException on socket errors or an end of stream before a complete head
     */
    public RawHttpResponse readResponse() throws IOException {
        return RawHttpResponse.read(in);
    }

    /** @return the side this connection plays */
    public Role role() {
        return role;
    }

    /** @return the upgrade request's head as it was sent (client) or received (server); empty before one */
    public String requestHead() {
        return requestHead;
    }

    /** @return the 101 answer's head as it was received (client) or sent (server); empty before one */
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
     * Writes text as ISO-8859-1 bytes, in one write, and flushes: an HTTP head, say, or a broken one.
     *
     * @param ascii the text
     * @throws IOException if the write fails
     */
    public void write(String ascii) throws IOException {
        write(ascii.getBytes(StandardCharsets.ISO_8859_1));
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
     * Waits for the peer to end the TCP connection (FIN or reset), discarding whatever frames are still in flight.
     *
     * @param timeout how long to wait
     * @return true if it ended within the timeout, false if it is still open then
     * @throws IOException if the socket fails otherwise
     */
    public boolean discardUntilEndOfStream(Duration timeout) throws IOException {
        socket.setSoTimeout((int) Math.max(1, timeout.toMillis()));
        try {
            byte[] sink = new byte[1024];
            while (in.read(sink) >= 0) {
                // discard
            }
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true; // reset by the peer: the end, too
        }
    }

    /**
     * Reads one data message, joining its fragments and skipping pings and pongs.
     *
     * @return an unmasked final frame with the first fragment's opcode and the whole payload
     * @throws IOException on socket errors, or if a close frame arrives first (the message holds it)
     */
    public Frame readMessage() throws IOException {
        ByteArrayOutputStream payload = new ByteArrayOutputStream();
        int opcode = -1;
        while (true) {
            Frame frame = read();
            if (frame.opcode() == Frame.CLOSE) {
                throw new IOException("close frame instead of a message: " + frame);
            }
            if (frame.isControl()) {
                continue;
            }
            if (opcode < 0) {
                opcode = frame.opcode();
            }
            payload.writeBytes(frame.payload());
            if (frame.fin()) {
                return Frame.of(opcode, payload.toByteArray());
            }
        }
    }

    /**
     * Reads frames up to a close frame, skipping others.
     *
     * @param timeout how long to wait for it
     * @return the close frame
     * @throws AssertionError if the connection ends or fails without one (what a client library reports as 1006),
     *     or none arrives in time
     * @throws IOException if the socket cannot be configured
     */
    public Frame awaitCloseFrame(Duration timeout) throws IOException {
        int previous = socket.getSoTimeout();
        socket.setSoTimeout((int) Math.max(1, timeout.toMillis()));
        try {
            while (true) {
                Frame frame;
                try {
                    frame = read();
                } catch (EOFException e) {
                    throw new AssertionError("the connection ended without a close frame (a client would see 1006)", e);
                } catch (SocketTimeoutException e) {
                    throw new AssertionError("no close frame within " + timeout, e);
                } catch (IOException e) {
                    throw new AssertionError("the connection failed without a close frame (a client would see 1006): " + e, e);
                }
                if (frame.opcode() == Frame.CLOSE) {
                    return frame;
                }
            }
        } finally {
            if (!socket.isClosed()) {
                socket.setSoTimeout(previous);
            }
        }
    }

    /**
     * Acts as a compliant client after a close frame arrived: answers it with the same code (1000 if it had none)
     * when the socket still takes it, waits for the server to end the TCP connection, then closes the socket.
     *
     * @param received the close frame that arrived
     * @param timeout how long to wait for the server's end of stream
     * @return true if the server ended the connection within the timeout
     * @throws IOException if the socket fails otherwise
     */
    public boolean answerCloseAndAwaitEnd(Frame received, Duration timeout) throws IOException {
        try {
            int code = received.closeStatus();
            send(Frame.close(code == 1005 ? 1000 : code, ""));
        } catch (IOException e) {
            // the server may have closed the socket already: nothing more to say
        }
        boolean ended = discardUntilEndOfStream(timeout);
        socket.close();
        return ended;
    }

    /**
     * Completes a closing handshake this side started: reads up to the peer's close frame, waits for the end of
     * stream, then closes the socket.
     *
     * @param timeout how long each step may take
     * @return the peer's close frame
     * @throws AssertionError if either step does not happen in time
     * @throws IOException if the socket fails otherwise
     */
    public Frame finishClosingHandshake(Duration timeout) throws IOException {
        Frame close = awaitCloseFrame(timeout);
        if (!discardUntilEndOfStream(timeout)) {
            throw new AssertionError("the peer did not close the TCP connection within " + timeout + " after " + close);
        }
        socket.close();
        return close;
    }

    /**
     * Runs a normal closing handshake from this side: close 1000 "bye", the peer's close frame, its end of stream
     * (3 s for each), then closes the socket.
     *
     * @return the peer's close frame
     * @throws IOException if the socket fails
     */
    public Frame closeNormally() throws IOException {
        send(Frame.close(1000, "bye"));
        return finishClosingHandshake(Duration.ofSeconds(3));
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
}
