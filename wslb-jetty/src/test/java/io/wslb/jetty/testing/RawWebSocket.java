package io.wslb.jetty.testing;

import io.wslb.testing.FrameReader;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

/**
 * A WebSocket client over a plain {@link Socket} that writes handshakes and frames byte by byte and reads the
 * answers byte by byte, to see exactly what a proxy puts on the wire (statuses, close frames) and to send what a
 * well-behaved client library never would (unmasked frames, oversized headers, bytes before the 101).
 */
public final class RawWebSocket implements AutoCloseable {

    private static final String GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    private static final SecureRandom RANDOM = new SecureRandom();

    /** An HTTP response head and body. */
    public record HttpResponse(int status, List<String[]> headers, byte[] body) {
        /** @return the first value of the header (name in any case), or null */
        public String header(String name) {
            for (String[] h : headers) {
                if (h[0].equalsIgnoreCase(name)) {
                    return h[1];
                }
            }
            return null;
        }

        /** @return every value of the header (name in any case) */
        public List<String> headers(String name) {
            List<String> values = new ArrayList<>();
            for (String[] h : headers) {
                if (h[0].equalsIgnoreCase(name)) {
                    values.add(h[1]);
                }
            }
            return values;
        }

        /** @return the body as UTF-8 text */
        public String bodyText() {
            return new String(body, StandardCharsets.UTF_8);
        }

        @Override
        public String toString() {
            StringBuilder b = new StringBuilder("HTTP ").append(status);
            for (String[] h : headers) {
                b.append("\n  ").append(h[0]).append(": ").append(h[1]);
            }
            return b.append("\n  body: ").append(bodyText()).toString();
        }
    }

    /** One frame as received. */
    public record Frame(boolean fin, int rsv, int opcode, boolean masked, byte[] payload) {
        /** @return the close code of a close frame, or 1005 when it carries none */
        public int closeCode() {
            if (opcode != 0x8) {
                throw new IllegalStateException("not a close frame: opcode " + opcode);
            }
            return payload.length < 2 ? 1005 : ((payload[0] & 0xFF) << 8) | (payload[1] & 0xFF);
        }

        /** @return the reason of a close frame */
        public String closeReason() {
            return payload.length <= 2 ? "" : new String(payload, 2, payload.length - 2, StandardCharsets.UTF_8);
        }

        /** @return the payload as UTF-8 text */
        public String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }

        @Override
        public String toString() {
            return "Frame[opcode=" + opcode + ", fin=" + fin + ", length=" + payload.length
                + (opcode == 0x8 ? ", code=" + closeCode() + ", reason=" + closeReason() : "") + "]";
        }
    }

    private final Socket socket;
    private final InputStream in;
    private final FrameReader frames;
    private final OutputStream out;
    private final int port;

    private RawWebSocket(Socket socket, int port) throws IOException {
        this.socket = socket;
        this.port = port;
        this.in = new BufferedInputStream(socket.getInputStream());
        this.frames = FrameReader.of(in);
        this.out = socket.getOutputStream();
    }

    /**
     * @param port a port on 127.0.0.1
     * @return a connected socket with a 5 s read timeout
     * @throws IOException if it cannot connect
     */
    public static RawWebSocket connect(int port) throws IOException {
        return connectFrom("127.0.0.1", port);
    }

    /**
     * @param localIp the loopback address to connect from, e.g. {@code 127.0.0.7}: each is another client address
     * @param port a port on 127.0.0.1
     * @return a connected socket with a 5 s read timeout
     * @throws IOException if it cannot connect
     */
    public static RawWebSocket connectFrom(String localIp, int port) throws IOException {
        Socket socket = new Socket();
        socket.bind(new InetSocketAddress(localIp, 0));
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        socket.setSoTimeout(5000);
        socket.setTcpNoDelay(true);
        return new RawWebSocket(socket, port);
    }

    /** @return a fresh random {@code Sec-WebSocket-Key} */
    public static String newKey() {
        byte[] nonce = new byte[16];
        RANDOM.nextBytes(nonce);
        return Base64.getEncoder().encodeToString(nonce);
    }

    /** @return the {@code Sec-WebSocket-Accept} value for a key */
    public static String acceptFor(String key) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-1").digest((key + GUID).getBytes(StandardCharsets.ISO_8859_1));
            return Base64.getEncoder().encodeToString(digest);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A valid upgrade request head.
     *
     * @param path the request target
     * @param key the key
     * @param extraHeaderLines further header lines such as {@code "Cookie: a=1"}
     * @return the head, ending with an empty line
     */
    public String upgradeRequest(String path, String key, String... extraHeaderLines) {
        StringBuilder b = new StringBuilder();
        b.append("GET ").append(path).append(" HTTP/1.1\r\n");
        b.append("Host: 127.0.0.1:").append(port).append("\r\n");
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
     * Writes a valid upgrade request and reads the answer's head (and body, if it is not a 101).
     *
     * @param path the request target
     * @param extraHeaderLines further header lines
     * @return the answer; for a 101 its accept value has been checked by the caller if it matters
     * @throws IOException on socket errors
     */
    public HttpResponse upgrade(String path, String... extraHeaderLines) throws IOException {
        String key = newKey();
        write(upgradeRequest(path, key, extraHeaderLines));
        HttpResponse response = readResponse();
        if (response.status() == 101 && !acceptFor(key).equals(response.header("Sec-WebSocket-Accept"))) {
            throw new AssertionError("101 with a wrong Sec-WebSocket-Accept: " + response);
        }
        return response;
    }

    /** Writes text as ISO-8859-1 bytes. */
    public void write(String ascii) throws IOException {
        write(ascii.getBytes(StandardCharsets.ISO_8859_1));
    }

    /** Writes bytes. */
    public void write(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /**
     * Reads an HTTP response: the head, then a body of {@code Content-Length} bytes, or up to end of stream when
     * it is neither a 101 nor sized.
     *
     * @return the response
     * @throws IOException on socket errors or end of stream before a complete head
     */
    public HttpResponse readResponse() throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int last4 = 0;
        while (last4 != 0x0D0A0D0A) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("end of stream inside the response head: " + head.toString(StandardCharsets.ISO_8859_1));
            }
            head.write(b);
            last4 = (last4 << 8) | b;
        }
        String[] lines = head.toString(StandardCharsets.ISO_8859_1).split("\r\n");
        String[] statusLine = lines[0].split(" ", 3);
        int status = Integer.parseInt(statusLine[1]);
        List<String[]> headers = new ArrayList<>();
        for (int i = 1; i < lines.length; i++) {
            if (lines[i].isEmpty()) {
                continue;
            }
            int colon = lines[i].indexOf(':');
            headers.add(new String[] {lines[i].substring(0, colon).trim(), lines[i].substring(colon + 1).trim()});
        }
        byte[] body = new byte[0];
        if (status != 101) {
            String length = null;
            for (String[] h : headers) {
                if (h[0].equalsIgnoreCase("Content-Length")) {
                    length = h[1];
                }
            }
            if (length != null) {
                body = in.readNBytes(Integer.parseInt(length));
            } else if (status >= 200 && status != 204 && status != 304) {
                body = in.readAllBytes();
            }
        }
        return new HttpResponse(status, headers, body);
    }

    /**
     * Sends one frame.
     *
     * @param fin the FIN bit
     * @param opcode the opcode
     * @param payload the payload
     * @param masked whether to mask it (a client must)
     * @throws IOException on socket errors
     */
    public void sendFrame(boolean fin, int opcode, byte[] payload, boolean masked) throws IOException {
        write(frame(fin, opcode, payload, masked));
    }

    /** Sends a masked, final text frame. */
    public void sendText(String text) throws IOException {
        sendFrame(true, 0x1, text.getBytes(StandardCharsets.UTF_8), true);
    }

    /** Sends a masked close frame with a code and reason. */
    public void sendClose(int code, String reason) throws IOException {
        byte[] text = reason.getBytes(StandardCharsets.UTF_8);
        byte[] payload = new byte[2 + text.length];
        payload[0] = (byte) (code >> 8);
        payload[1] = (byte) code;
        System.arraycopy(text, 0, payload, 2, text.length);
        sendFrame(true, 0x8, payload, true);
    }

    /**
     * @return the bytes of one frame
     */
    public static byte[] frame(boolean fin, int opcode, byte[] payload, boolean masked) {
        byte[] mask = null;
        if (masked) {
            mask = new byte[4];
            RANDOM.nextBytes(mask);
        }
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(frameHeader(fin, opcode, payload.length, mask));
        for (int i = 0; i < payload.length; i++) {
            b.write(mask == null ? payload[i] : payload[i] ^ mask[i & 3]);
        }
        return b.toByteArray();
    }

    /**
     * @param fin the FIN bit
     * @param opcode the opcode
     * @param length the payload length the header announces
     * @param mask the 4-byte masking key, or null for an unmasked frame
     * @return the frame header bytes only
     */
    public static byte[] frameHeader(boolean fin, int opcode, long length, byte[] mask) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write((fin ? 0x80 : 0) | opcode);
        int maskBit = mask == null ? 0 : 0x80;
        if (length <= 125) {
            b.write(maskBit | (int) length);
        } else if (length <= 0xFFFF) {
            b.write(maskBit | 126);
            b.write((int) (length >> 8));
            b.write((int) length);
        } else {
            b.write(maskBit | 127);
            for (int shift = 56; shift >= 0; shift -= 8) {
                b.write((int) (length >> shift));
            }
        }
        if (mask != null) {
            b.writeBytes(mask);
        }
        return b.toByteArray();
    }

    /**
     * Reads one frame.
     *
     * @return the frame
     * @throws EOFException at end of stream (the peer closed the TCP connection)
     * @throws SocketTimeoutException when nothing arrives within the read timeout
     * @throws IOException on other socket errors
     */
    public Frame readFrame() throws IOException {
        io.wslb.testing.Frame frame = frames.read();
        return new Frame(frame.fin(), frame.rsv(), frame.opcode(), frame.isMasked(), frame.payload());
    }

    /**
     * Reads one data message, joining its fragments (a server may fragment large messages) and skipping
     * control frames other than close.
     *
     * @return a frame holding the first fragment's opcode and the whole payload
     * @throws IOException on socket errors, or if a close frame arrives first
     */
    public Frame readMessage() throws IOException {
        ByteArrayOutputStream payload = new ByteArrayOutputStream();
        int opcode = -1;
        while (true) {
            Frame frame = readFrame();
            if (frame.opcode() == 0x8) {
                throw new IOException("close frame instead of a message: " + frame);
            }
            if (frame.opcode() >= 0x8) {
                continue;
            }
            if (opcode < 0) {
                opcode = frame.opcode();
            }
            payload.writeBytes(frame.payload());
            if (frame.fin()) {
                return new Frame(true, 0, opcode, false, payload.toByteArray());
            }
        }
    }

    /**
     * Reads frames until a close frame, skipping others; fails when the connection ends without one (what a
     * client library would report as 1006).
     *
     * @param timeout how long to wait for it
     * @return the close frame
     * @throws IOException on socket errors
     */
    public Frame awaitCloseFrame(Duration timeout) throws IOException {
        int previous = socket.getSoTimeout();
        socket.setSoTimeout((int) timeout.toMillis());
        try {
            while (true) {
                Frame frame;
                try {
                    frame = readFrame();
                } catch (EOFException e) {
                    throw new AssertionError("the connection ended without a close frame (a client would see 1006)", e);
                } catch (SocketTimeoutException e) {
                    throw new AssertionError("no close frame within " + timeout, e);
                } catch (IOException e) {
                    throw new AssertionError("the connection failed without a close frame (a client would see 1006): " + e, e);
                }
                if (frame.opcode() == 0x8) {
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
     * @param timeout how long to wait
     * @return true if the peer closed the TCP connection (end of stream or reset) within the timeout, after any
     *     frames still in flight
     * @throws IOException on socket errors
     */
    public boolean awaitEndOfStream(Duration timeout) throws IOException {
        socket.setSoTimeout((int) timeout.toMillis());
        try {
            while (in.read() >= 0) {
                // discard
            }
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true; // reset
        }
    }

    /**
     * Behaves as a compliant client after receiving a close frame: answers it with a close frame carrying the same
     * code (if the socket is still writable), waits for the server to close the TCP connection, then closes its own
     * socket.
     *
     * @param received the close frame received
     * @param timeout how long to wait for the server's end of stream
     * @return true if the server closed the connection within the timeout
     * @throws IOException on socket errors other than the peer having gone
     */
    public boolean answerCloseAndAwaitEnd(Frame received, Duration timeout) throws IOException {
        try {
            int code = received.closeCode();
            sendClose(code == 1005 ? 1000 : code, "");
        } catch (IOException e) {
            // the proxy may already have closed the socket: nothing more to say
        }
        boolean ended = awaitEndOfStream(timeout);
        socket.close();
        return ended;
    }

    /**
     * Completes a closing handshake this client started: reads frames up to the server's close frame, waits for
     * the server to close the TCP connection, then closes its own socket.
     *
     * @param timeout how long each step may take
     * @return the server's close frame
     * @throws IOException on socket errors
     */
    public Frame finishClosingHandshake(Duration timeout) throws IOException {
        Frame close = awaitCloseFrame(timeout);
        if (!awaitEndOfStream(timeout)) {
            throw new AssertionError("the server did not close the TCP connection within " + timeout + " after " + close);
        }
        socket.close();
        return close;
    }

    /**
     * Runs a normal closing handshake started by this client: close 1000, the server's close frame, the server's
     * end of stream, then closes the socket.
     *
     * @return the server's close frame
     * @throws IOException on socket errors
     */
    public Frame closeNormally() throws IOException {
        sendClose(1000, "bye");
        return finishClosingHandshake(Duration.ofSeconds(3));
    }

    /** Closes the TCP connection at once, without a close frame. */
    @Override
    public void close() throws IOException {
        socket.close();
    }

    /** Closes the TCP connection with a reset (SO_LINGER 0), without a close frame. */
    public void abort() throws IOException {
        socket.setSoLinger(true, 0);
        socket.close();
    }
}
