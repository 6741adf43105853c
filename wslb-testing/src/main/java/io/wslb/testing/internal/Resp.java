package io.wslb.testing.internal;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * One Redis command over a fresh loopback socket, in RESP2, with no client library: what the {@code RedisServer}
 * fixture needs to ask a server whether it answers, and to let tests read or plant raw values.
 */
public final class Resp {

    private Resp() {}

    /**
     * Sends one command and reads its reply within {@code timeout}, connect included.
     *
     * @param address the server
     * @param timeout for the connect and for each read
     * @param args the command and its arguments, sent as bulk strings
     * @return a simple or bulk string reply as text, an integer reply in decimal, or null for a nil reply
     * @throws IOException if the server cannot be reached or does not answer in time
     * @throws IllegalStateException if the server answers with an error or an array
     */
    public static @Nullable String call(InetSocketAddress address, Duration timeout, String... args) throws IOException {
        int millis = (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis()));
        try (Socket socket = new Socket()) {
            socket.connect(address, millis);
            socket.setSoTimeout(millis);
            socket.setTcpNoDelay(true);
            OutputStream out = socket.getOutputStream();
            out.write(encode(args));
            out.flush();
            return readReply(socket.getInputStream(), args[0]);
        }
    }

    static byte[] encode(String... args) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        bytes.writeBytes(("*" + args.length + "\r\n").getBytes(UTF_8));
        for (String arg : args) {
            byte[] value = arg.getBytes(UTF_8);
            bytes.writeBytes(("$" + value.length + "\r\n").getBytes(UTF_8));
            bytes.writeBytes(value);
            bytes.writeBytes("\r\n".getBytes(UTF_8));
        }
        return bytes.toByteArray();
    }

    private static @Nullable String readReply(InputStream in, String command) throws IOException {
        int type = in.read();
        if (type < 0) {
            throw new EOFException("redis-server closed the connection before answering " + command);
        }
        String line = readLine(in);
        switch (type) {
            case '+':
            case ':':
                return line;
            case '-':
                throw new IllegalStateException("redis-server answered " + command + " with an error: " + line);
            case '$':
                int length = Integer.parseInt(line);
                if (length < 0) {
                    return null;
                }
                byte[] value = in.readNBytes(length);
                if (value.length < length || in.read() != '\r' || in.read() != '\n') {
                    throw new EOFException("redis-server's answer to " + command + " ended early");
                }
                return new String(value, UTF_8);
            case '*':
                throw new IllegalStateException("redis-server answered " + command + " with an array, which this fixture does not read");
            default:
                throw new IllegalStateException("not a RESP reply to " + command + ": type byte " + type);
        }
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int previous = -1;
        while (true) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("redis-server closed the connection in the middle of a reply");
            }
            if (previous == '\r' && b == '\n') {
                byte[] bytes = line.toByteArray();
                return new String(bytes, 0, bytes.length - 1, UTF_8);
            }
            line.write(b);
            previous = b;
        }
    }
}
