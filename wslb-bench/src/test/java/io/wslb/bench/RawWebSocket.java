package io.wslb.bench;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.concurrent.ThreadLocalRandom;

/** A blocking, frame-level WebSocket client for tests: writes masked frames, reads raw frames. */
final class RawWebSocket implements AutoCloseable {
    record RawFrame(boolean fin, int opcode, byte[] payload) {
        String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }

        int closeCode() {
            return payload.length >= 2 ? ((payload[0] & 0xFF) << 8) | (payload[1] & 0xFF) : 1005;
        }

        String closeReason() {
            return payload.length > 2 ? new String(payload, 2, payload.length - 2, StandardCharsets.UTF_8) : "";
        }
    }

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    final String statusLine;
    final String responseHead;

    RawWebSocket(int port) throws IOException {
        socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout(10_000);
        in = new DataInputStream(socket.getInputStream());
        out = socket.getOutputStream();
        byte[] k = new byte[16];
        ThreadLocalRandom.current().nextBytes(k);
        String key = Base64.getEncoder().encodeToString(k);
        out.write(("GET /chat?x=1 HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: " + key + "\r\nSec-WebSocket-Version: 13\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int state = 0;
        while (state < 4) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("EOF in handshake response: " + head);
            }
            head.write(b);
            state = (b == '\r' && (state == 0 || state == 2)) || (b == '\n' && (state == 1 || state == 3)) ? state + 1
                : (b == '\r' ? 1 : 0);
        }
        responseHead = head.toString(StandardCharsets.ISO_8859_1);
        statusLine = responseHead.substring(0, responseHead.indexOf('\r'));
        if (statusLine.contains(" 101 ") && !responseHead.contains(LoadClient.acceptFor(key))) {
            throw new IOException("bad accept value in " + responseHead);
        }
    }

    void send(int opcode, boolean fin, byte[] payload) throws IOException {
        ByteArrayOutputStream f = new ByteArrayOutputStream();
        f.write((fin ? 0x80 : 0) | opcode);
        int n = payload.length;
        if (n < 126) {
            f.write(0x80 | n);
        } else if (n < 65536) {
            f.write(0x80 | 126);
            f.write(n >>> 8);
            f.write(n);
        } else {
            f.write(0x80 | 127);
            for (int i = 7; i >= 0; i--) {
                f.write((int) ((long) n >>> (8 * i)));
            }
        }
        byte[] mask = new byte[4];
        ThreadLocalRandom.current().nextBytes(mask);
        f.write(mask);
        byte[] masked = new byte[n];
        for (int i = 0; i < n; i++) {
            masked[i] = (byte) (payload[i] ^ mask[i & 3]);
        }
        f.write(masked);
        out.write(f.toByteArray());
        out.flush();
    }

    void sendText(String s) throws IOException {
        send(1, true, s.getBytes(StandardCharsets.UTF_8));
    }

    void sendClose(int code, String reason) throws IOException {
        byte[] r = reason.getBytes(StandardCharsets.UTF_8);
        byte[] p = new byte[2 + r.length];
        p[0] = (byte) (code >>> 8);
        p[1] = (byte) code;
        System.arraycopy(r, 0, p, 2, r.length);
        send(8, true, p);
    }

    RawFrame read() throws IOException {
        int b0 = in.readUnsignedByte();
        int b1 = in.readUnsignedByte();
        if ((b1 & 0x80) != 0) {
            throw new IOException("server frame is masked");
        }
        long len = b1 & 0x7F;
        if (len == 126) {
            len = in.readUnsignedShort();
        } else if (len == 127) {
            len = in.readLong();
        }
        byte[] payload = new byte[Math.toIntExact(len)];
        in.readFully(payload);
        return new RawFrame((b0 & 0x80) != 0, b0 & 0x0F, payload);
    }

    /** Reads a whole message (concatenating continuation frames); control frames are returned as they come. */
    RawFrame readMessage() throws IOException {
        RawFrame first = read();
        if (first.opcode() >= 8 || first.fin()) {
            return first;
        }
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        all.write(first.payload());
        RawFrame f;
        do {
            f = read();
            all.write(f.payload());
        } while (!f.fin());
        return new RawFrame(true, first.opcode(), all.toByteArray());
    }

    /** True if the peer closed the TCP connection (EOF) within the socket timeout. */
    boolean awaitEof() throws IOException {
        try {
            return in.read() < 0;
        } catch (java.net.SocketException x) {
            return true; // reset
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
