package io.wslb.jetty.testing;

import io.wslb.testing.FrameReader;
import io.wslb.testing.RawWebSocketConnection;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * A backend on a plain {@link ServerSocket} that runs a script per connection, chosen from the request head
 * (usually by path), and records exactly what arrived on the wire: the request head, every frame after it, and
 * how the connection ended (end of stream or reset). Scripts use blocking socket I/O, so a script that writes is
 * throttled by TCP like any well-behaved peer: it never queues more than one frame of its own.
 *
 * <p>{@link #ECHO} is a minimal RFC 6455 server: it answers the upgrade, echoes data frames unmasked, answers
 * pings with pongs and answers a close frame with the same code, then closes the socket, so a real client can be
 * served through it.
 */
public final class ScriptedBackend implements AutoCloseable {

    /** What a backend connection does once its request head has been read. */
    @FunctionalInterface
    public interface Script {
        /**
         * @param peer the connection
         * @throws IOException when the connection fails (recorded as its end)
         */
        void run(Peer peer) throws IOException;
    }

    /** One frame as the backend received it (unmasked). */
    public record Frame(boolean fin, int rsv, int opcode, boolean masked, byte[] payload) {
        /** @return the close code of a close frame, or 1005 when it carries none */
        public int closeCode() {
            return payload.length < 2 ? 1005 : ((payload[0] & 0xFF) << 8) | (payload[1] & 0xFF);
        }

        @Override
        public String toString() {
            return "Frame[opcode=" + opcode + ", length=" + payload.length + (opcode == 8 ? ", code=" + closeCode() : "") + "]";
        }
    }

    /** A backend connection. */
    public static final class Peer {
        private final Socket socket;
        private final InputStream in;
        private final FrameReader reader;
        private final OutputStream out;
        private volatile String head;
        private final List<Frame> frames = new CopyOnWriteArrayList<>();
        private final AtomicLong bytesAfterHead = new AtomicLong();
        private final AtomicLong bytesWritten = new AtomicLong();
        private final CompletableFuture<String> ended = new CompletableFuture<>();

        Peer(Socket socket) throws IOException {
            this.socket = socket;
            this.in = new BufferedInputStream(socket.getInputStream());
            this.reader = FrameReader.of(new FilterInputStream(in) {
                // Every byte of a frame counts as read after the head, as readToEnd counts them.
                @Override
                public int read() throws IOException {
                    int b = super.read();
                    if (b >= 0) {
                        bytesAfterHead.incrementAndGet();
                    }
                    return b;
                }

                @Override
                public int read(byte[] bytes, int offset, int length) throws IOException {
                    int n = super.read(bytes, offset, length);
                    if (n > 0) {
                        bytesAfterHead.addAndGet(n);
                    }
                    return n;
                }
            }, 16L << 20);
            this.out = socket.getOutputStream();
        }

        /** @return the request head, or null while it has not been read completely */
        public String head() {
            return head;
        }

        /** @return the request path of the head (without the query) */
        public String path() {
            String target = head.substring(head.indexOf(' ') + 1, head.indexOf(' ', head.indexOf(' ') + 1));
            int query = target.indexOf('?');
            return query < 0 ? target : target.substring(0, query);
        }

        /** @return frames read so far by {@link #readFrame()} */
        public List<Frame> frames() {
            return List.copyOf(frames);
        }

        /** @return bytes received after the request head (frames and anything else) */
        public long bytesAfterHead() {
            return bytesAfterHead.get();
        }

        /** @return bytes this side has written after its answer (its writes that returned) */
        public long bytesWritten() {
            return bytesWritten.get();
        }

        /**
         * @return completes with "eof" when the proxy closed the connection (read returned end of stream), "reset"
         *     when it was reset, or "closed" when this side closed it first
         */
        public CompletableFuture<String> ended() {
            return ended;
        }

        /** @return the socket */
        public Socket socket() {
            return socket;
        }

        /** Writes bytes as they are. */
        public void write(byte[] bytes) throws IOException {
            out.write(bytes);
            out.flush();
        }

        /** Writes text as ISO-8859-1. */
        public void write(String ascii) throws IOException {
            write(ascii.getBytes(StandardCharsets.ISO_8859_1));
        }

        /**
         * Answers a valid 101 for the request's key.
         *
         * @param extraHeaderLines header lines to add, such as {@code "Sec-WebSocket-Extensions: x"}
         */
        public void answer101(String... extraHeaderLines) throws IOException {
            StringBuilder b = new StringBuilder("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n");
            b.append("Sec-WebSocket-Accept: ").append(RawWebSocketConnection.acceptFor(RawBackend.keyOf(head))).append("\r\n");
            for (String line : extraHeaderLines) {
                b.append(line).append("\r\n");
            }
            write(b.append("\r\n").toString());
        }

        /** Sends one unmasked frame and counts its bytes once the write returned. */
        public void sendFrame(boolean fin, int opcode, byte[] payload) throws IOException {
            byte[] frame = io.wslb.testing.Frame.of(opcode, payload).fin(fin).encode();
            write(frame);
            bytesWritten.addAndGet(frame.length);
        }

        /**
         * Reads one frame, recording it.
         *
         * @return the frame
         * @throws EOFException at end of stream
         */
        public Frame readFrame() throws IOException {
            io.wslb.testing.Frame read = reader.read();
            Frame frame = new Frame(read.fin(), read.rsv(), read.opcode(), read.isMasked(), read.payload());
            frames.add(frame);
            return frame;
        }


        /** Reads and counts everything up to the end of stream (or a reset), then records the end. */
        public void readToEnd() throws IOException {
            byte[] chunk = new byte[8192];
            int n;
            while ((n = in.read(chunk)) >= 0) {
                bytesAfterHead.addAndGet(n);
            }
            throw new EOFException("end of stream");
        }

        /** Serves as an echo server until the connection ends: see {@link ScriptedBackend#ECHO}. */
        public void echo() throws IOException {
            answer101();
            while (true) {
                Frame frame = readFrame();
                switch (frame.opcode()) {
                    case 0x9 -> sendFrame(true, 0xA, frame.payload());
                    case 0xA -> { }
                    case 0x8 -> {
                        sendFrame(true, 0x8, frame.payload().length < 2 ? new byte[0] : new byte[] {frame.payload()[0], frame.payload()[1]});
                        return; // the server closes the TCP connection first (RFC 6455 section 7.1.1)
                    }
                    default -> sendFrame(frame.fin(), frame.opcode(), frame.payload());
                }
            }
        }

        void readHead() throws IOException {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            int last4 = 0;
            while (last4 != 0x0D0A0D0A) {
                int b = in.read();
                if (b < 0) {
                    throw new EOFException("end of stream inside the request head");
                }
                bytes.write(b);
                last4 = (last4 << 8) | b;
            }
            head = bytes.toString(StandardCharsets.ISO_8859_1);
        }

        void end(String how) {
            ended.complete(how);
            try {
                socket.close();
            } catch (IOException e) {
                // already closed
            }
        }

        @Override
        public String toString() {
            return "Peer[" + (head == null ? "no head" : head.lines().findFirst().orElse("")) + ", frames=" + frames
                + ", ended=" + ended.getNow(null) + "]";
        }
    }

    /** Echo server (see the class comment). */
    public static final Script ECHO = Peer::echo;

    /** Reads the head and never answers; records the end when the proxy closes the connection. */
    public static final Script SILENT = Peer::readToEnd;

    private final ServerSocket server;
    private final Function<String, Script> scripts;
    private final List<Peer> peers = new CopyOnWriteArrayList<>();
    private final AtomicLong accepted = new AtomicLong();

    private ScriptedBackend(ServerSocket server, Function<String, Script> scripts) {
        this.server = server;
        this.scripts = scripts;
    }

    /**
     * @param scripts request path to the script of that connection
     * @return a started backend
     */
    public static ScriptedBackend start(Function<String, Script> scripts) throws IOException {
        ServerSocket server = new ServerSocket();
        server.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
        ScriptedBackend backend = new ScriptedBackend(server, scripts);
        Thread acceptor = new Thread(backend::acceptLoop, "scripted-backend-" + server.getLocalPort());
        acceptor.setDaemon(true);
        acceptor.start();
        return backend;
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            Socket socket;
            try {
                socket = server.accept();
            } catch (IOException e) {
                return;
            }
            accepted.incrementAndGet();
            Thread t = new Thread(() -> serve(socket), "scripted-backend-conn");
            t.setDaemon(true);
            t.start();
        }
    }

    private void serve(Socket socket) {
        Peer peer;
        try {
            socket.setTcpNoDelay(true);
            peer = new Peer(socket);
        } catch (IOException e) {
            return;
        }
        peers.add(peer);
        try {
            peer.readHead();
            Script script = scripts.apply(peer.path().toLowerCase(Locale.ROOT));
            script.run(peer);
            peer.end("closed");
        } catch (EOFException e) {
            peer.end("eof");
        } catch (SocketException e) {
            peer.end(socket.isClosed() ? "closed" : "reset");
        } catch (IOException | RuntimeException e) {
            peer.end("failed: " + e);
        }
    }

    /** @return {@code ws://127.0.0.1:port} */
    public URI uri() {
        return URI.create("ws://127.0.0.1:" + server.getLocalPort());
    }

    /** @return TCP connections accepted so far */
    public long accepted() {
        return accepted.get();
    }

    /** @return every connection so far, in the order accepted */
    public List<Peer> peers() {
        return List.copyOf(peers);
    }

    /**
     * @param path a request path
     * @return the connections whose request head named that path (compared without the query)
     */
    public List<Peer> peers(String path) {
        return peers.stream().filter(p -> p.head() != null && p.path().equals(path)).toList();
    }

    /** @return connections that have not ended yet */
    public List<Peer> open() {
        return peers.stream().filter(p -> !p.ended().isDone()).toList();
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Peer p : peers) {
            p.end("closed");
        }
    }
}
