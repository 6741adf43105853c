package io.wslb.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.SingleWriterRecorder;

/**
 * The bench's WebSocket client: raw NIO, one selector per I/O thread, a minimal handshake, a frame reader that looks
 * at frame headers only and skips payloads, and a writer that sends pre-built masked frames (each connection masks
 * its payload once, with its own random key, when the run starts; sending is then a plain {@code write}). This keeps
 * the client's CPU per round trip far below a Jetty client's, so that on a 2-core box the client is not the thing
 * being measured.
 *
 * <p>Round trips are timed per connection in FIFO order (an echo keeps the order of a connection's messages): the
 * send time of each frame goes into a ring of {@code inflight} slots and is taken out when the matching echo's last
 * frame has been read. Latencies go to a per-thread {@link SingleWriterRecorder} (nanoseconds).
 */
final class LoadClient implements AutoCloseable {
    private static final String WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    private static final long HIGHEST_NS = TimeUnit.SECONDS.toNanos(60);
    /** Cap on the pre-built send buffer per connection; larger bursts are written in several chunks. */
    private static final int MAX_SEND_BUFFER = 256 * 1024;

    private final List<URI> urls;
    private final IoThread[] threads;
    final AtomicInteger upgraded = new AtomicInteger();
    final AtomicInteger failed = new AtomicInteger();
    final AtomicInteger closedByPeer = new AtomicInteger();
    final AtomicReference<String> firstFailure = new AtomicReference<>();
    private int opened;

    LoadClient(List<URI> urls, int threadCount) throws IOException {
        if (urls.isEmpty()) {
            throw new IllegalArgumentException("at least one --url is required");
        }
        this.urls = List.copyOf(urls);
        threads = new IoThread[threadCount];
        for (int i = 0; i < threadCount; i++) {
            threads[i] = new IoThread(i);
            threads[i].start();
        }
    }

    /**
     * Opens {@code n} more connections, round-robin over the URLs and I/O threads, keeping at most {@code maxPending}
     * handshakes in progress (so the listen backlog never overflows). Returns when every one has answered 101 or
     * failed, or when {@code timeout} has passed.
     *
     * @return the number of connections upgraded (answered 101 with a correct accept value) by this call
     */
    int connect(int n, int maxPending, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        int before = upgraded.get();
        int doneBefore = before + failed.get();
        for (int i = 0; i < n; i++) {
            while (opened - (upgraded.get() + failed.get()) >= maxPending) {
                if (System.nanoTime() > deadline) {
                    return upgraded.get() - before;
                }
                Thread.sleep(1);
            }
            IoThread t = threads[opened % threads.length];
            URI url = urls.get(opened % urls.size());
            opened++;
            t.submit(() -> t.open(url));
        }
        while (upgraded.get() + failed.get() - doneBefore < n && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        return upgraded.get() - before;
    }

    int openConnections() {
        int n = 0;
        for (IoThread t : threads) {
            n += t.openCount;
        }
        return n;
    }

    /** Everything measured in one echo window. */
    record EchoWindow(long roundTrips, double seconds, Histogram rttNanos, long lengthErrors) {
        double perSecond() {
            return roundTrips / seconds;
        }
    }

    /** Callbacks at the start and end of the measured window (to sample /proc figures at the same instants). */
    interface WindowListener {
        void windowStart();

        void windowEnd();
    }

    /**
     * Starts echoing on every open connection ({@code inflight} binary frames of {@code payload} bytes each), lets it
     * run for {@code warmup}, measures for {@code duration}, then stops sending and waits (bounded) for the frames in
     * flight to come back.
     */
    EchoWindow echo(int inflight, int payload, Duration warmup, Duration duration, WindowListener listener)
        throws InterruptedException {
        CountDownLatch started = new CountDownLatch(threads.length);
        for (IoThread t : threads) {
            t.submit(() -> {
                t.startEcho(inflight, payload);
                started.countDown();
            });
        }
        started.await(30, TimeUnit.SECONDS);
        Thread.sleep(warmup.toMillis());

        listener.windowStart();
        long t0 = System.nanoTime();
        long errors0 = 0;
        for (IoThread t : threads) {
            t.recorder.getIntervalHistogram(); // discard warm-up samples
            errors0 += t.lengthErrors;
        }
        Thread.sleep(duration.toMillis());
        Histogram total = new Histogram(HIGHEST_NS, 3);
        long t1 = System.nanoTime();
        long errors1 = 0;
        for (IoThread t : threads) {
            total.add(t.recorder.getIntervalHistogram());
            errors1 += t.lengthErrors;
        }
        listener.windowEnd();

        for (IoThread t : threads) {
            t.sending = false;
        }
        long drainDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (System.nanoTime() < drainDeadline && inflightTotal() > 0) {
            Thread.sleep(5);
        }
        return new EchoWindow(total.getTotalCount(), (t1 - t0) / 1e9, total, errors1 - errors0);
    }

    private long inflightTotal() {
        long n = 0;
        for (IoThread t : threads) {
            n += t.inflight;
        }
        return n;
    }

    /** Sends a CLOSE (1000) on every connection and waits (bounded) for the peers to finish the close. */
    void closeAll(Duration grace) throws InterruptedException {
        for (IoThread t : threads) {
            t.submit(t::closeAllConnections);
        }
        long deadline = System.nanoTime() + grace.toNanos();
        while (System.nanoTime() < deadline && openConnections() + closingConnections() > 0) {
            Thread.sleep(5);
        }
        for (IoThread t : threads) {
            t.submit(t::abortAll);
        }
        Thread.sleep(20);
    }

    private int closingConnections() {
        int n = 0;
        for (IoThread t : threads) {
            n += t.closingCount;
        }
        return n;
    }

    @Override
    public void close() {
        for (IoThread t : threads) {
            t.submit(t::abortAll);
            t.stopRequested = true;
            t.selector.wakeup();
        }
        try {
            for (IoThread t : threads) {
                t.join(5000);
            }
        } catch (InterruptedException x) {
            Thread.currentThread().interrupt();
        }
    }

    private static final int CONNECTING = 0;
    private static final int HANDSHAKING = 1;
    private static final int OPEN = 2;
    private static final int CLOSING = 3;
    private static final int CLOSED = 4;

    /** One client connection, touched only by its I/O thread. */
    private static final class Conn {
        final SocketChannel channel;
        SelectionKey key;
        int state = CONNECTING;
        final long startedNanos = System.nanoTime();
        ByteBuffer handshakeOut;
        ByteBuffer handshakeIn;
        String expectedAccept;
        final byte[] mask = new byte[4];

        // sending
        ByteBuffer frames; // `framesInBuffer` identical masked frames back to back
        int frameLen;
        int framesInBuffer;
        int owed;
        boolean writePending;
        long[] sendTimes = new long[0];
        int head;
        int count;

        // receiving (frame headers only)
        final byte[] header = new byte[14];
        int headerLen;
        long payloadLeft;
        int opcode;
        int messageOpcode;
        boolean fin;
        long messageLen;

        Conn(SocketChannel channel) {
            this.channel = channel;
        }
    }

    private final class IoThread extends Thread {
        final Selector selector;
        final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
        final ByteBuffer readBuffer = ByteBuffer.allocateDirect(256 * 1024);
        final SingleWriterRecorder recorder = new SingleWriterRecorder(HIGHEST_NS, 3);
        final List<Conn> conns = new ArrayList<>();
        final List<Conn> handshakes = new ArrayList<>();
        volatile boolean stopRequested;
        volatile boolean sending;
        volatile long inflight;
        volatile long lengthErrors;
        volatile int openCount;
        volatile int closingCount;
        int expectedLength;
        long lastTimeoutScan;

        IoThread(int index) throws IOException {
            super("ws-client-" + index);
            setDaemon(true);
            selector = Selector.open();
        }

        void submit(Runnable task) {
            tasks.add(task);
            selector.wakeup();
        }

        @Override
        public void run() {
            try {
                while (!stopRequested) {
                    selector.select(50);
                    Runnable task;
                    while ((task = tasks.poll()) != null) {
                        task.run();
                    }
                    Iterator<SelectionKey> it = selector.selectedKeys().iterator();
                    while (it.hasNext()) {
                        SelectionKey key = it.next();
                        it.remove();
                        Conn c = (Conn) key.attachment();
                        try {
                            handle(c, key);
                        } catch (IOException | RuntimeException x) {
                            if (c.state == OPEN) {
                                closedByPeer.incrementAndGet();
                            }
                            fail(c, x);
                        }
                    }
                    scanHandshakeTimeouts();
                }
            } catch (IOException x) {
                x.printStackTrace();
            } finally {
                abortAll();
                try {
                    selector.close();
                } catch (IOException ignored) {
                    // exiting
                }
            }
        }

        void open(URI url) {
            SocketChannel ch = null;
            try {
                ch = SocketChannel.open();
                ch.configureBlocking(false);
                ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
                Conn c = new Conn(ch);
                ThreadLocalRandom.current().nextBytes(c.mask);
                prepareHandshake(c, url);
                int port = url.getPort() > 0 ? url.getPort() : 80;
                boolean connected = ch.connect(new InetSocketAddress(url.getHost(), port));
                c.key = ch.register(selector, connected ? SelectionKey.OP_WRITE : SelectionKey.OP_CONNECT, c);
                if (connected) {
                    c.state = HANDSHAKING;
                }
                handshakes.add(c);
            } catch (IOException x) {
                failed.incrementAndGet();
                firstFailure.compareAndSet(null, "connect " + url + ": " + x);
                if (ch != null) {
                    try {
                        ch.close();
                    } catch (IOException ignored) {
                        // failing anyway
                    }
                }
            }
        }

        private void prepareHandshake(Conn c, URI url) {
            byte[] keyBytes = new byte[16];
            ThreadLocalRandom.current().nextBytes(keyBytes);
            String key = Base64.getEncoder().encodeToString(keyBytes);
            c.expectedAccept = acceptFor(key);
            String path = url.getRawPath() == null || url.getRawPath().isEmpty() ? "/" : url.getRawPath();
            if (url.getRawQuery() != null) {
                path += "?" + url.getRawQuery();
            }
            String req = "GET " + path + " HTTP/1.1\r\n"
                + "Host: " + url.getHost() + ":" + url.getPort() + "\r\n"
                + "Upgrade: websocket\r\n"
                + "Connection: Upgrade\r\n"
                + "Sec-WebSocket-Key: " + key + "\r\n"
                + "Sec-WebSocket-Version: 13\r\n\r\n";
            c.handshakeOut = ByteBuffer.wrap(req.getBytes(StandardCharsets.US_ASCII));
        }

        private void handle(Conn c, SelectionKey key) throws IOException {
            if (!key.isValid()) {
                return;
            }
            if (key.isConnectable()) {
                c.channel.finishConnect();
                c.state = HANDSHAKING;
                key.interestOps(SelectionKey.OP_WRITE);
            }
            if (key.isValid() && key.isWritable()) {
                onWritable(c);
            }
            if (key.isValid() && key.isReadable()) {
                onReadable(c);
            }
        }

        private void onWritable(Conn c) throws IOException {
            if (c.state == HANDSHAKING) {
                c.channel.write(c.handshakeOut);
                if (!c.handshakeOut.hasRemaining()) {
                    c.handshakeOut = null;
                    c.handshakeIn = ByteBuffer.allocate(2048);
                    c.key.interestOps(SelectionKey.OP_READ);
                }
                return;
            }
            if (c.writePending) {
                c.channel.write(c.frames);
                if (c.frames.hasRemaining()) {
                    return;
                }
                c.writePending = false;
                c.key.interestOps(SelectionKey.OP_READ);
                sendOwed(c, System.nanoTime());
            }
        }

        private void onReadable(Conn c) throws IOException {
            if (c.state == HANDSHAKING) {
                readHandshake(c);
                return;
            }
            ByteBuffer buf = readBuffer;
            int n;
            do {
                buf.clear();
                n = c.channel.read(buf);
                if (n < 0) {
                    if (c.state == OPEN) {
                        closedByPeer.incrementAndGet();
                    }
                    closeChannel(c);
                    return;
                }
                buf.flip();
                long now = System.nanoTime();
                parse(c, buf, now);
                if (c.state == OPEN && sending) {
                    sendOwed(c, now);
                }
            } while (n == buf.capacity() && c.state != CLOSED);
        }

        private void readHandshake(Conn c) throws IOException {
            ByteBuffer in = c.handshakeIn;
            int n = c.channel.read(in);
            if (n < 0) {
                throw new IOException("EOF during handshake");
            }
            byte[] a = in.array();
            int end = -1;
            for (int i = 3; i < in.position(); i++) {
                if (a[i] == '\n' && a[i - 1] == '\r' && a[i - 2] == '\n' && a[i - 3] == '\r') {
                    end = i + 1;
                    break;
                }
            }
            if (end < 0) {
                if (!in.hasRemaining()) {
                    throw new IOException("handshake response too large");
                }
                return;
            }
            String head = new String(a, 0, end, StandardCharsets.ISO_8859_1);
            String statusLine = head.substring(0, head.indexOf('\r'));
            if (!statusLine.startsWith("HTTP/1.1 101")) {
                throw new IOException("no 101: " + statusLine);
            }
            String accept = null;
            for (String line : head.split("\r\n")) {
                int colon = line.indexOf(':');
                if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase("Sec-WebSocket-Accept")) {
                    accept = line.substring(colon + 1).trim();
                }
            }
            if (!c.expectedAccept.equals(accept)) {
                throw new IOException("bad Sec-WebSocket-Accept: " + accept);
            }
            c.state = OPEN;
            handshakes.remove(c);
            conns.add(c);
            openCount++;
            upgraded.incrementAndGet();
            ByteBuffer rest = ByteBuffer.wrap(a, end, in.position() - end);
            c.handshakeIn = null;
            c.expectedAccept = null;
            if (rest.hasRemaining()) {
                parse(c, rest, System.nanoTime());
            }
        }

        /** Walks frame headers; payload bytes are skipped, never copied. */
        private void parse(Conn c, ByteBuffer buf, long now) {
            while (buf.hasRemaining()) {
                if (c.payloadLeft > 0) {
                    int skip = (int) Math.min(buf.remaining(), c.payloadLeft);
                    buf.position(buf.position() + skip);
                    c.payloadLeft -= skip;
                    if (c.payloadLeft == 0) {
                        frameDone(c, now);
                    }
                    continue;
                }
                c.header[c.headerLen++] = buf.get();
                if (c.headerLen < 2) {
                    continue;
                }
                int len7 = c.header[1] & 0x7F;
                boolean masked = (c.header[1] & 0x80) != 0;
                int need = 2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0) + (masked ? 4 : 0);
                if (c.headerLen < need) {
                    continue;
                }
                long len;
                if (len7 == 126) {
                    len = ((c.header[2] & 0xFF) << 8) | (c.header[3] & 0xFF);
                } else if (len7 == 127) {
                    len = 0;
                    for (int i = 2; i < 10; i++) {
                        len = (len << 8) | (c.header[i] & 0xFF);
                    }
                } else {
                    len = len7;
                }
                c.fin = (c.header[0] & 0x80) != 0;
                c.opcode = c.header[0] & 0x0F;
                c.headerLen = 0;
                c.payloadLeft = len;
                if (c.opcode == 1 || c.opcode == 2) {
                    c.messageOpcode = c.opcode;
                    c.messageLen = len;
                } else if (c.opcode == 0) {
                    c.messageLen += len;
                }
                if (len == 0) {
                    frameDone(c, now);
                }
            }
        }

        private void frameDone(Conn c, long now) {
            int op = c.opcode;
            if (op == 8) {
                // peer closed (or answered our close)
                if (c.state == OPEN) {
                    closedByPeer.incrementAndGet();
                }
                closeChannel(c);
                return;
            }
            if (op > 2 || !c.fin) {
                return; // ping/pong or a non-final fragment
            }
            if (c.count > 0) {
                long sent = c.sendTimes[c.head];
                c.head = (c.head + 1) % c.sendTimes.length;
                c.count--;
                inflight--;
                long rtt = now - sent;
                recorder.recordValue(rtt < HIGHEST_NS ? rtt : HIGHEST_NS);
                if (c.messageLen != expectedLength) {
                    lengthErrors++;
                }
                if (sending && c.state == OPEN) {
                    c.owed++;
                }
            }
        }

        void startEcho(int window, int payload) {
            expectedLength = payload;
            for (Conn c : conns) {
                if (c.state != OPEN) {
                    continue;
                }
                buildFrames(c, window, payload);
                c.sendTimes = new long[window];
                c.head = 0;
                c.count = 0;
                c.owed = window;
            }
            sending = true;
            long now = System.nanoTime();
            for (Conn c : conns) {
                if (c.state == OPEN) {
                    try {
                        sendOwed(c, now);
                    } catch (IOException x) {
                        fail(c, x);
                    }
                }
            }
        }

        private void buildFrames(Conn c, int window, int payload) {
            int headerLen = payload < 126 ? 6 : payload < 65536 ? 8 : 14;
            int frameLen = headerLen + payload;
            byte[] frame = new byte[frameLen];
            frame[0] = (byte) 0x82; // FIN + BINARY
            int p;
            if (payload < 126) {
                frame[1] = (byte) (0x80 | payload);
                p = 2;
            } else if (payload < 65536) {
                frame[1] = (byte) (0x80 | 126);
                frame[2] = (byte) (payload >>> 8);
                frame[3] = (byte) payload;
                p = 4;
            } else {
                frame[1] = (byte) (0x80 | 127);
                long len = payload;
                for (int i = 9; i >= 2; i--) {
                    frame[i] = (byte) len;
                    len >>>= 8;
                }
                p = 10;
            }
            System.arraycopy(c.mask, 0, frame, p, 4);
            p += 4;
            for (int i = 0; i < payload; i++) {
                byte plain = (byte) ('a' + (i % 26));
                frame[p + i] = (byte) (plain ^ c.mask[i & 3]);
            }
            int copies = Math.max(1, Math.min(window, MAX_SEND_BUFFER / frameLen));
            ByteBuffer b = ByteBuffer.allocateDirect(copies * frameLen);
            for (int i = 0; i < copies; i++) {
                b.put(frame);
            }
            b.flip();
            c.frames = b;
            c.frameLen = frameLen;
            c.framesInBuffer = copies;
        }

        private void sendOwed(Conn c, long now) throws IOException {
            while (c.owed > 0 && !c.writePending) {
                int k = Math.min(c.owed, c.framesInBuffer);
                ByteBuffer b = c.frames;
                b.limit(k * c.frameLen).position(0);
                for (int i = 0; i < k; i++) {
                    c.sendTimes[(c.head + c.count) % c.sendTimes.length] = now;
                    c.count++;
                }
                inflight += k;
                c.owed -= k;
                c.channel.write(b);
                if (b.hasRemaining()) {
                    c.writePending = true;
                    c.key.interestOps(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
                }
            }
        }

        void closeAllConnections() {
            sending = false;
            for (Conn c : new ArrayList<>(conns)) {
                if (c.state != OPEN) {
                    continue;
                }
                try {
                    byte[] f = new byte[8];
                    f[0] = (byte) 0x88;
                    f[1] = (byte) 0x82;
                    System.arraycopy(c.mask, 0, f, 2, 4);
                    f[6] = (byte) ((1000 >>> 8) ^ c.mask[0]);
                    f[7] = (byte) ((1000 & 0xFF) ^ c.mask[1]);
                    c.state = CLOSING;
                    openCount--;
                    closingCount++;
                    c.writePending = false;
                    c.key.interestOps(SelectionKey.OP_READ);
                    c.channel.write(ByteBuffer.wrap(f)); // 8 bytes on an idle socket: written at once
                } catch (IOException x) {
                    closeChannel(c);
                }
            }
        }

        private void closeChannel(Conn c) {
            if (c.state == CLOSED) {
                return;
            }
            if (c.state == OPEN) {
                openCount--;
                inflight -= c.count;
            } else if (c.state == CLOSING) {
                closingCount--;
            }
            c.state = CLOSED;
            conns.remove(c);
            try {
                c.channel.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }

        private void fail(Conn c, Exception x) {
            if (c.state == CONNECTING || c.state == HANDSHAKING) {
                failed.incrementAndGet();
                firstFailure.compareAndSet(null, x.toString());
                handshakes.remove(c);
            }
            closeChannel(c);
        }

        private void scanHandshakeTimeouts() {
            long now = System.nanoTime();
            if (handshakes.isEmpty() || now - lastTimeoutScan < TimeUnit.MILLISECONDS.toNanos(200)) {
                return;
            }
            lastTimeoutScan = now;
            for (Conn c : new ArrayList<>(handshakes)) {
                if (now - c.startedNanos > TimeUnit.SECONDS.toNanos(15)) {
                    fail(c, new IOException("handshake timeout"));
                }
            }
        }

        void abortAll() {
            for (Conn c : new ArrayList<>(handshakes)) {
                fail(c, new IOException("aborted"));
            }
            for (Conn c : new ArrayList<>(conns)) {
                closeChannel(c);
            }
        }
    }

    static String acceptFor(String key) {
        try {
            MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
            byte[] d = sha1.digest((key + WS_GUID).getBytes(StandardCharsets.US_ASCII));
            return Base64.getEncoder().encodeToString(d);
        } catch (NoSuchAlgorithmException x) {
            throw new IllegalStateException(x);
        }
    }
}
