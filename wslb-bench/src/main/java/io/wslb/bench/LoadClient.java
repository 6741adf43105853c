package io.wslb.bench;

import static java.util.Objects.requireNonNull;

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
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.SingleWriterRecorder;
import org.jspecify.annotations.Nullable;

/**
 * The bench's WebSocket client: raw NIO, one selector per I/O thread, a minimal handshake, a frame reader that looks
 * at frame headers (and at most the first 8 payload bytes) and skips payloads, and a writer that sends pre-built masked
 * frames (each connection masks its payload once, with its own random key; sending is then a plain {@code write}).
 * This keeps the client's CPU per round trip far below a Jetty client's, so that on a 2-core box the client is not
 * the thing being measured.
 *
 * <p>Three load shapes:
 * <ul>
 * <li><b>echo</b> (closed loop): each connection keeps W messages in flight. Round trips are timed per connection in
 * FIFO order (an echo keeps the order of a connection's messages): the send time of each frame goes into a ring of W
 * slots and is taken out when the matching echo's last frame has been read.</li>
 * <li><b>rate</b> (open loop): a sender thread sends on a fixed schedule ({@link RateSchedule}) whatever the answers
 * do; each frame carries its <em>intended</em> send time in its first 8 payload bytes, and the reader measures from
 * that time, so a stall anywhere shows in the latency (no coordinated omission).</li>
 * <li><b>connect</b>: upgrade, one echo, close handshake, N times with K at a time.</li>
 * </ul>
 * Latencies go to per-thread {@link SingleWriterRecorder}s (nanoseconds).
 */
final class LoadClient implements AutoCloseable {
    private static final String WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    private static final long HIGHEST_NS = TimeUnit.SECONDS.toNanos(60);
    /** Cap on the pre-built send buffer per connection; larger bursts are written in several chunks. */
    private static final int MAX_SEND_BUFFER = 256 * 1024;
    private static final long HANDSHAKE_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(15);
    private static final long CYCLE_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(10);
    /** After the peer's CLOSE frame, how long a connect cycle waits for the peer to close TCP before closing it. */
    private static final long EOF_GRACE_NS = TimeUnit.SECONDS.toNanos(1);

    private static final ByteBuffer NOTHING = ByteBuffer.allocate(0);

    private final List<URI> urls;
    private final ClientTls tls;
    private final IoThread[] threads;
    final AtomicInteger upgraded = new AtomicInteger();
    final AtomicInteger failed = new AtomicInteger();
    final AtomicInteger closedByPeer = new AtomicInteger();
    final AtomicReference<String> firstFailure = new AtomicReference<>();
    private int opened;

    // echo intervals
    private long intervalMarkNanos;
    private long lengthErrorsMark;

    // connect cycles, shared by the I/O threads
    private final AtomicInteger cycleTickets = new AtomicInteger();
    private final AtomicInteger cycleSeq = new AtomicInteger();
    private final AtomicInteger cyclesDone = new AtomicInteger();
    private final AtomicInteger cyclesOk = new AtomicInteger();
    private final AtomicLong handshakeErrors = new AtomicLong();
    private final AtomicLong echoErrors = new AtomicLong();
    private final AtomicLong closeErrors = new AtomicLong();
    private final AtomicLong noEofAfterClose = new AtomicLong();
    private final AtomicReference<String> firstCycleError = new AtomicReference<>();
    private volatile long lastCycleDoneNanos;
    private volatile int cyclePayload = 64;
    private volatile ConnectKeys cycleKeys = ConnectKeys.NONE;

    LoadClient(List<URI> urls, int threadCount) throws IOException {
        this(urls, threadCount, ClientTls.forRun());
    }

    /** @param tls how {@code wss://} URLs are connected to */
    LoadClient(List<URI> urls, int threadCount, ClientTls tls) throws IOException {
        if (urls.isEmpty()) {
            throw new IllegalArgumentException("at least one --url is required");
        }
        this.urls = List.copyOf(urls);
        this.tls = tls;
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
            t.submit(() -> t.open(url, false, null));
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

    /** Callbacks at the start and end of the measured window (to sample /proc figures at the same instants). */
    interface WindowListener {
        WindowListener NONE = new WindowListener() {
            @Override
            public void windowStart() {
            }

            @Override
            public void windowEnd() {
            }
        };

        void windowStart();

        void windowEnd();

        /**
         * Both listeners: {@code outer} starts first and ends last, so what {@code outer} costs (a query to another
         * process, say) stays out of {@code inner}'s window.
         */
        static WindowListener both(WindowListener outer, WindowListener inner) {
            return new WindowListener() {
                @Override
                public void windowStart() {
                    outer.windowStart();
                    inner.windowStart();
                }

                @Override
                public void windowEnd() {
                    inner.windowEnd();
                    outer.windowEnd();
                }
            };
        }
    }

    // ------------------------------------------------------------------ echo (closed loop)

    /** Everything measured in one echo window. */
    record EchoWindow(long roundTrips, double seconds, Histogram rttNanos, long lengthErrors) {
        double perSecond() {
            return roundTrips / seconds;
        }
    }

    /** Round trips completed since the previous {@link #takeInterval()} (or {@link #startEcho}). */
    record Interval(long roundTrips, double seconds, Histogram rttNanos, long lengthErrors) {
        double perSecond() {
            return roundTrips / seconds;
        }
    }

    /**
     * Starts echoing on every open connection ({@code inflight} binary frames of {@code payload} bytes each), lets it
     * run for {@code warmup}, measures for {@code duration}, then stops sending and waits (bounded) for the frames in
     * flight to come back.
     */
    EchoWindow echo(int inflight, int payload, Duration warmup, Duration duration, WindowListener listener)
        throws InterruptedException {
        startEcho(inflight, payload);
        Thread.sleep(warmup.toMillis());
        listener.windowStart();
        takeInterval(); // discard warm-up samples
        Thread.sleep(duration.toMillis());
        Interval w = takeInterval();
        listener.windowEnd();
        stopEcho();
        return new EchoWindow(w.roundTrips(), w.seconds(), w.rttNanos(), w.lengthErrors());
    }

    /** Starts the closed-loop echo on every open connection; it runs until {@link #stopEcho()}. */
    void startEcho(int inflight, int payload) throws InterruptedException {
        CountDownLatch started = new CountDownLatch(threads.length);
        for (IoThread t : threads) {
            t.submit(() -> {
                t.startEcho(inflight, payload);
                started.countDown();
            });
        }
        started.await(30, TimeUnit.SECONDS);
        intervalMarkNanos = System.nanoTime();
        lengthErrorsMark = lengthErrors();
        for (IoThread t : threads) {
            t.recorder.getIntervalHistogram();
        }
    }

    /** The round trips since the last call (or since {@link #startEcho}), and the time that covers. */
    Interval takeInterval() {
        long now = System.nanoTime();
        Histogram total = new Histogram(HIGHEST_NS, 3);
        for (IoThread t : threads) {
            total.add(t.recorder.getIntervalHistogram());
        }
        long errors = lengthErrors();
        Interval i = new Interval(total.getTotalCount(), (now - intervalMarkNanos) / 1e9, total, errors - lengthErrorsMark);
        intervalMarkNanos = now;
        lengthErrorsMark = errors;
        return i;
    }

    /** Stops sending and waits (at most 5 s) for the frames in flight to come back. */
    void stopEcho() throws InterruptedException {
        for (IoThread t : threads) {
            t.sending = false;
        }
        long drainDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (System.nanoTime() < drainDeadline && inflightTotal() > 0) {
            Thread.sleep(5);
        }
    }

    private long lengthErrors() {
        long n = 0;
        for (IoThread t : threads) {
            n += t.lengthErrors;
        }
        return n;
    }

    private long inflightTotal() {
        long n = 0;
        for (IoThread t : threads) {
            n += t.inflight;
        }
        return n;
    }

    // ------------------------------------------------------------------ rate (open loop)

    /**
     * One open-loop run. {@code scheduled}: slots due in the window; {@code sent}: of those, sent; {@code received}:
     * of those, echoed back; latency from each slot's intended send time; {@code sendLag}: how late the sender was
     * against the schedule (actual minus intended send time).
     */
    record RateWindow(double targetRate, int connections, long scheduled, long sent, long received, double seconds,
                      Histogram latency, Histogram sendLag, long lengthErrors, long sendErrors) {
        double achievedRate() {
            return sent / seconds;
        }

        long lost() {
            return sent - received;
        }
    }

    /**
     * Sends {@code perSecond} messages per second in total over every open connection for {@code warmup} plus
     * {@code duration}, on the {@link RateSchedule}; latencies of the messages whose intended send time falls in the
     * measured window are recorded. Waits (at most 5 s) for the window's last echoes.
     */
    RateWindow rate(double perSecond, int payload, Duration warmup, Duration duration, WindowListener listener)
        throws InterruptedException {
        if (payload < 8) {
            throw new IllegalArgumentException("rate mode needs a payload of at least 8 bytes (it carries the send time)");
        }
        long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50);
        long windowStart = start + warmup.toNanos();
        long windowEnd = windowStart + duration.toNanos();
        ConcurrentLinkedQueue<Conn> ready = new ConcurrentLinkedQueue<>();
        CountDownLatch prepared = new CountDownLatch(threads.length);
        for (IoThread t : threads) {
            t.submit(() -> {
                t.startRate(payload, windowStart, windowEnd, ready);
                prepared.countDown();
            });
        }
        prepared.await(30, TimeUnit.SECONDS);
        List<Conn> conns = new ArrayList<>(ready);
        Histogram latency = new Histogram(HIGHEST_NS, 3);
        if (conns.isEmpty()) {
            return new RateWindow(perSecond, 0, 0, 0, 0, duration.toNanos() / 1e9, latency, new Histogram(3), 0, 0);
        }
        RateSchedule schedule = new RateSchedule(start, perSecond, conns.size());
        long received0 = rateReceived();
        long errors0 = lengthErrors();
        RateSender sender = new RateSender(conns, schedule, windowStart, windowEnd);
        sender.start();
        sleepUntil(windowStart);
        listener.windowStart();
        sleepUntil(windowEnd);
        listener.windowEnd();
        sender.join(TimeUnit.SECONDS.toMillis(10));
        sender.stopRequested = true;
        sender.join(2000);
        long drainDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (rateReceived() - received0 < sender.sentInWindow && System.nanoTime() < drainDeadline) {
            Thread.sleep(2);
        }
        for (IoThread t : threads) {
            t.submit(t::stopRate);
        }
        for (IoThread t : threads) {
            latency.add(t.recorder.getIntervalHistogram());
        }
        return new RateWindow(perSecond, conns.size(), schedule.slotsBetween(windowStart, windowEnd),
            sender.sentInWindow, rateReceived() - received0, duration.toNanos() / 1e9, latency, sender.lag,
            lengthErrors() - errors0, sender.sendErrors);
    }

    private long rateReceived() {
        long n = 0;
        for (IoThread t : threads) {
            n += t.rateReceived;
        }
        return n;
    }

    private static void sleepUntil(long nanoTime) throws InterruptedException {
        long left;
        while ((left = nanoTime - System.nanoTime()) > 0) {
            TimeUnit.NANOSECONDS.sleep(left);
        }
    }

    /**
     * Sends the rate schedule's frames. It writes to the channels directly (the I/O threads only read them while the
     * rate mode is on); each connection has an outbox for the rare partial write, flushed before that connection's
     * next frame and whenever the sender wakes up.
     */
    private static final class RateSender extends Thread {
        private final List<Conn> conns;
        private final RateSchedule schedule;
        private final long windowStart;
        private final long windowEnd;
        private final Set<Conn> pending = new LinkedHashSet<>();
        final Histogram lag = new Histogram(HIGHEST_NS, 3);
        volatile long sentInWindow;
        volatile long sendErrors;
        volatile boolean stopRequested;

        RateSender(List<Conn> conns, RateSchedule schedule, long windowStart, long windowEnd) {
            super("ws-rate-sender");
            setDaemon(true);
            this.conns = conns;
            this.schedule = schedule;
            this.windowStart = windowStart;
            this.windowEnd = windowEnd;
        }

        @Override
        public void run() {
            RateSchedule.Pacer pacer = new RateSchedule.Pacer();
            long last = schedule.slotsBefore(windowEnd);
            for (long k = 0; k < last && !stopRequested; k++) {
                long due = schedule.slotTime(k);
                if (!pending.isEmpty()) {
                    flushPending();
                }
                pacer.awaitUntil(due);
                long now = System.nanoTime();
                Conn c = conns.get(schedule.connectionOf(k));
                boolean ok = send(c, due);
                if (due >= windowStart && due < windowEnd) {
                    if (ok) {
                        sentInWindow++;
                        lag.recordValue(Math.min(Math.max(0, now - due), HIGHEST_NS));
                    } else {
                        sendErrors++;
                    }
                }
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
            while (!pending.isEmpty() && System.nanoTime() < deadline) {
                flushPending();
                Thread.onSpinWait();
            }
        }

        private boolean send(Conn c, long intended) {
            ByteBuffer out = requireNonNull(c.rateOut, "rate outbox not allocated");
            try {
                if (c.dead) {
                    return false;
                }
                out.compact();
                byte[] frame = requireNonNull(c.rateFrame, "rate frame not built");
                if (out.remaining() < frame.length) {
                    out.flip();
                    return false; // outbox full: the peer is not reading; count it as a send error
                }
                int p = out.position();
                out.put(frame);
                int stampAt = p + c.rateStampOffset;
                for (int i = 0; i < 8; i++) {
                    out.put(stampAt + i, (byte) ((intended >>> (56 - 8 * i)) ^ c.mask[i & 3]));
                }
                out.flip();
                c.wire.write(out);
                if (out.hasRemaining() || c.wire.hasPendingOutput()) {
                    pending.add(c);
                } else {
                    pending.remove(c);
                }
                return true;
            } catch (IOException | RuntimeException x) {
                c.dead = true;
                pending.remove(c);
                return false;
            }
        }

        private void flushPending() {
            for (Iterator<Conn> it = pending.iterator(); it.hasNext(); ) {
                Conn c = it.next();
                try {
                    ByteBuffer out = requireNonNull(c.rateOut, "rate outbox not allocated");
                    c.wire.write(out);
                    if (!out.hasRemaining() && !c.wire.hasPendingOutput()) {
                        it.remove();
                    }
                } catch (IOException | RuntimeException x) {
                    c.dead = true;
                    it.remove();
                }
            }
        }
    }

    // ------------------------------------------------------------------ connect cycles

    /**
     * One connect run: {@code requested} cycles of connect + upgrade, one echo of {@code payload} bytes, close
     * handshake (our CLOSE 1000, the peer's CLOSE 1000, then the peer closes TCP). Errors by stage: handshake (no
     * 101, bad accept value, refused, timeout), echo (no echo, wrong length, connection ended), close (no CLOSE frame
     * from the peer before the connection ended, a code other than 1000, timeout). {@code noEofAfterClose}: cycles
     * whose close handshake completed but the peer did not close TCP within 1 s (not an error; we closed it).
     */
    record CycleRun(int requested, int completed, int ok, long handshakeErrors, long echoErrors, long closeErrors,
                    long noEofAfterClose, double seconds, Histogram handshake, Histogram cycle, @Nullable String firstError) {
        /** Successful upgrades (101) per second over the whole run. */
        double upgradesPerSecond() {
            return handshake.getTotalCount() / seconds;
        }

        long errors() {
            return handshakeErrors + echoErrors + closeErrors + (requested - completed);
        }
    }

    /** Runs {@code n} connect cycles, {@code concurrency} at a time, on the URLs as given; bounded by {@code timeout}. */
    CycleRun cycles(int n, int concurrency, int payload, Duration timeout, WindowListener listener)
        throws InterruptedException {
        return cycles(n, concurrency, payload, ConnectKeys.NONE, timeout, listener);
    }

    /**
     * Runs {@code n} connect cycles, {@code concurrency} at a time, each adding the affinity key {@code keys} gives it
     * to its URL's query; bounded by {@code timeout}.
     */
    CycleRun cycles(int n, int concurrency, int payload, ConnectKeys keys, Duration timeout, WindowListener listener)
        throws InterruptedException {
        cyclePayload = payload;
        cycleKeys = keys;
        cyclesDone.set(0);
        cyclesOk.set(0);
        handshakeErrors.set(0);
        echoErrors.set(0);
        closeErrors.set(0);
        noEofAfterClose.set(0);
        firstCycleError.set(null);
        for (IoThread t : threads) {
            t.handshakeRecorder.getIntervalHistogram();
            t.cycleRecorder.getIntervalHistogram();
        }
        cycleTickets.set(n);
        listener.windowStart();
        long t0 = System.nanoTime();
        lastCycleDoneNanos = t0;
        for (int i = 0; i < Math.min(concurrency, n); i++) {
            IoThread t = threads[i % threads.length];
            t.submit(t::startCycle);
        }
        long deadline = t0 + timeout.toNanos();
        while (cyclesDone.get() < n && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        long t1 = cyclesDone.get() >= n ? lastCycleDoneNanos : System.nanoTime();
        listener.windowEnd();
        if (cyclesDone.get() < n) {
            cycleTickets.set(0);
            CountDownLatch aborted = new CountDownLatch(threads.length);
            for (IoThread t : threads) {
                t.submit(() -> {
                    t.abortCycles();
                    aborted.countDown();
                });
            }
            aborted.await(5, TimeUnit.SECONDS);
        }
        Histogram hs = new Histogram(HIGHEST_NS, 3);
        Histogram cy = new Histogram(HIGHEST_NS, 3);
        for (IoThread t : threads) {
            hs.add(t.handshakeRecorder.getIntervalHistogram());
            cy.add(t.cycleRecorder.getIntervalHistogram());
        }
        return new CycleRun(n, cyclesDone.get(), cyclesOk.get(), handshakeErrors.get(), echoErrors.get(),
            closeErrors.get(), noEofAfterClose.get(), Math.max(1, t1 - t0) / 1e9, hs, cy, firstCycleError.get());
    }

    // ------------------------------------------------------------------ close

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

    private static final int STAGE_HANDSHAKE = 0;
    private static final int STAGE_ECHO = 1;
    private static final int STAGE_CLOSE = 2;
    private static final int STAGE_EOF = 3;

    /** One client connection, touched only by its I/O thread (except the rate sender's fields). */
    private static final class Conn {
        final SocketChannel channel;
        final Wire wire;
        boolean connected; // TCP is up (a TLS connection stays CONNECTING through its TLS handshake)
        @Nullable SelectionKey key; // set in open() right after registering, before any event
        int state = CONNECTING;
        final long startedNanos = System.nanoTime();
        @Nullable ByteBuffer handshakeOut; // our upgrade request, until written
        @Nullable ByteBuffer handshakeIn; // the 101 response, while it is read
        @Nullable String expectedAccept; // what the 101 must carry, until it is checked
        final byte[] mask = new byte[4];

        // sending (echo)
        @Nullable ByteBuffer frames; // `framesInBuffer` identical masked frames back to back; built when echo starts
        int frameLen;
        int framesInBuffer;
        int owed;
        boolean writePending;
        long[] sendTimes = new long[0];
        int head;
        int count;

        // sending (rate): owned by the rate sender thread while the rate mode is on
        byte @Nullable [] rateFrame;
        int rateStampOffset;
        @Nullable ByteBuffer rateOut;
        volatile boolean dead;

        // connect cycle
        boolean cycle;
        int stage;
        long stageDeadline;

        // receiving (frame headers, and the first 8 payload bytes of a message / control frame)
        final byte[] header = new byte[14];
        int headerLen;
        long payloadLeft;
        int opcode;
        boolean fin;
        long messageLen;
        int capture;
        boolean captureControl;
        long stamp;
        int stampLen;
        long control;
        int controlLen;

        Conn(SocketChannel channel, Wire wire) {
            this.channel = channel;
            this.wire = wire;
        }

        SelectionKey key() {
            return requireNonNull(key, "connection not registered with its selector");
        }
    }

    private final class IoThread extends Thread {
        final Selector selector;
        final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
        final ByteBuffer readBuffer = ByteBuffer.allocateDirect(256 * 1024);
        final SingleWriterRecorder recorder = new SingleWriterRecorder(HIGHEST_NS, 3);
        final SingleWriterRecorder handshakeRecorder = new SingleWriterRecorder(HIGHEST_NS, 3);
        final SingleWriterRecorder cycleRecorder = new SingleWriterRecorder(HIGHEST_NS, 3);
        final List<Conn> conns = new ArrayList<>();
        final List<Conn> handshakes = new ArrayList<>();
        final List<Conn> cycling = new ArrayList<>();
        volatile boolean stopRequested;
        volatile boolean sending;
        volatile long inflight;
        volatile long lengthErrors;
        volatile int openCount;
        volatile int closingCount;
        volatile long rateReceived;
        boolean rateMode;
        long rateWindowStart;
        long rateWindowEnd;
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
                            if (c.state == OPEN && !c.cycle) {
                                closedByPeer.incrementAndGet();
                            }
                            fail(c, x);
                        }
                    }
                    scanTimeouts();
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

        /** Opens a connection to {@code url}, adding {@code extraQuery} (such as {@code room=KEY}) to its query. */
        void open(URI url, boolean cycle, @Nullable String extraQuery) {
            SocketChannel ch = null;
            try {
                ch = SocketChannel.open();
                ch.configureBlocking(false);
                ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
                boolean secure = "wss".equals(url.getScheme());
                Conn c = new Conn(ch, secure ? new TlsWire(ch, tls, tls.newEngine(url)) : Wire.plain(ch));
                c.cycle = cycle;
                ThreadLocalRandom.current().nextBytes(c.mask);
                prepareHandshake(c, url, extraQuery);
                int port = url.getPort() > 0 ? url.getPort() : secure ? 443 : 80;
                boolean connected = ch.connect(new InetSocketAddress(url.getHost(), port));
                c.key = ch.register(selector, connected ? SelectionKey.OP_WRITE : SelectionKey.OP_CONNECT, c);
                c.connected = connected;
                if (connected && !secure) {
                    c.state = HANDSHAKING;
                }
                handshakes.add(c);
                if (cycle) {
                    c.stage = STAGE_HANDSHAKE;
                    cycling.add(c);
                }
            } catch (IOException x) {
                if (ch != null) {
                    try {
                        ch.close();
                    } catch (IOException ignored) {
                        // failing anyway
                    }
                }
                if (cycle) {
                    cycleFailed(STAGE_HANDSHAKE, "connect " + url + ": " + x);
                    submit(this::startCycle); // not recursively: every connect may fail at once
                } else {
                    failed.incrementAndGet();
                    firstFailure.compareAndSet(null, "connect " + url + ": " + x);
                }
            }
        }

        private void prepareHandshake(Conn c, URI url, @Nullable String extraQuery) {
            byte[] keyBytes = new byte[16];
            ThreadLocalRandom.current().nextBytes(keyBytes);
            String key = Base64.getEncoder().encodeToString(keyBytes);
            c.expectedAccept = acceptFor(key);
            String req = "GET " + ConnectKeys.requestTarget(url, extraQuery) + " HTTP/1.1\r\n"
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
                c.connected = true;
                key.interestOps(SelectionKey.OP_WRITE);
                if (c.wire instanceof TlsWire) {
                    return; // the TLS handshake starts when the socket is writable
                }
                c.state = HANDSHAKING;
            }
            if (c.state == CONNECTING && c.connected) {
                int waitFor = c.wire.handshake();
                if (waitFor != 0) {
                    key.interestOps(waitFor);
                    return;
                }
                c.state = HANDSHAKING;
                onWritable(c);
                return;
            }
            if (key.isValid() && key.isWritable()) {
                onWritable(c);
            }
            if (key.isValid() && key.isReadable()) {
                onReadable(c);
            }
        }

        private void onWritable(Conn c) throws IOException {
            if (c.wire.hasPendingOutput()) {
                c.wire.write(NOTHING);
                if (c.wire.hasPendingOutput()) {
                    return;
                }
            }
            if (c.state == HANDSHAKING) {
                ByteBuffer request = requireNonNull(c.handshakeOut, "upgrade request not prepared");
                c.wire.write(request);
                if (!request.hasRemaining() && !c.wire.hasPendingOutput()) {
                    c.handshakeOut = null;
                    c.handshakeIn = ByteBuffer.allocate(2048);
                    c.key().interestOps(SelectionKey.OP_READ);
                }
                return;
            }
            if (c.writePending) {
                ByteBuffer frames = requireNonNull(c.frames, "echo frames not built");
                c.wire.write(frames);
                if (frames.hasRemaining() || c.wire.hasPendingOutput()) {
                    return;
                }
                c.writePending = false;
                c.key().interestOps(SelectionKey.OP_READ);
                sendOwed(c, System.nanoTime());
            } else {
                c.key().interestOps(SelectionKey.OP_READ); // what was left of a CLOSE frame has gone
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
                n = c.wire.read(buf);
                if (n < 0) {
                    if (c.cycle) {
                        if (c.stage == STAGE_EOF) {
                            cycleSucceeded(c, System.nanoTime());
                        } else {
                            cycleError(c, "connection ended without " + (c.stage == STAGE_ECHO ? "the echo" : "a CLOSE frame"));
                        }
                        return;
                    }
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
            } while (c.wire.readAgain(n, buf) && c.state != CLOSED);
        }

        private void readHandshake(Conn c) throws IOException {
            ByteBuffer in = requireNonNull(c.handshakeIn, "no handshake response buffer");
            int n = c.wire.read(in);
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
            if (!requireNonNull(c.expectedAccept, "no expected Sec-WebSocket-Accept").equals(accept)) {
                throw new IOException("bad Sec-WebSocket-Accept: " + accept);
            }
            long now = System.nanoTime();
            c.state = OPEN;
            handshakes.remove(c);
            conns.add(c);
            openCount++;
            upgraded.incrementAndGet();
            ByteBuffer rest = ByteBuffer.wrap(a, end, in.position() - end);
            c.handshakeIn = null;
            c.expectedAccept = null;
            if (c.cycle) {
                handshakeRecorder.recordValue(Math.min(now - c.startedNanos, HIGHEST_NS));
                c.stage = STAGE_ECHO;
                buildFrames(c, 1, cyclePayload);
                c.sendTimes = new long[1];
                c.owed = 1;
                sendOwed(c, now);
            }
            if (rest.hasRemaining()) {
                parse(c, rest, now);
            }
        }

        /** Walks frame headers; payload bytes are skipped, never copied (but for the first 8, see {@link Conn}). */
        private void parse(Conn c, ByteBuffer buf, long now) {
            while (buf.hasRemaining() && c.state != CLOSED) {
                if (c.payloadLeft > 0) {
                    if (c.capture > 0) {
                        long b = buf.get() & 0xFF;
                        if (c.captureControl) {
                            c.control = (c.control << 8) | b;
                            c.controlLen++;
                        } else {
                            c.stamp = (c.stamp << 8) | b;
                            c.stampLen++;
                        }
                        c.capture--;
                        c.payloadLeft--;
                    } else {
                        int skip = (int) Math.min(buf.remaining(), c.payloadLeft);
                        buf.position(buf.position() + skip);
                        c.payloadLeft -= skip;
                    }
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
                    c.messageLen = len;
                    c.stamp = 0;
                    c.stampLen = 0;
                    c.captureControl = false;
                    c.capture = (int) Math.min(8, len);
                } else if (c.opcode == 0) {
                    c.messageLen += len;
                    c.captureControl = false;
                    c.capture = (int) Math.min(8 - c.stampLen, len);
                } else {
                    c.control = 0;
                    c.controlLen = 0;
                    c.captureControl = true;
                    c.capture = (int) Math.min(8, len);
                }
                if (len == 0) {
                    frameDone(c, now);
                }
            }
        }

        private void frameDone(Conn c, long now) {
            int op = c.opcode;
            if (op == 8) {
                if (c.cycle) {
                    onCycleClose(c, now);
                    return;
                }
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
            if (c.cycle) {
                onCycleEcho(c, now);
                return;
            }
            if (rateMode) {
                if (c.stampLen == 8 && c.stamp >= rateWindowStart && c.stamp < rateWindowEnd) {
                    long latency = now - c.stamp;
                    recorder.recordValue(Math.min(Math.max(0, latency), HIGHEST_NS));
                    rateReceived++;
                    if (c.messageLen != expectedLength) {
                        lengthErrors++;
                    }
                }
                return;
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
            for (Conn c : new ArrayList<>(conns)) {
                if (c.state == OPEN) {
                    try {
                        sendOwed(c, now);
                    } catch (IOException x) {
                        fail(c, x);
                    }
                }
            }
        }

        void startRate(int payload, long windowStart, long windowEnd, ConcurrentLinkedQueue<Conn> out) {
            expectedLength = payload;
            recorder.getIntervalHistogram(); // drop samples of an earlier mode
            rateWindowStart = windowStart;
            rateWindowEnd = windowEnd;
            rateMode = true;
            for (Conn c : conns) {
                if (c.state != OPEN) {
                    continue;
                }
                buildFrames(c, 1, payload);
                byte[] frame = new byte[c.frameLen];
                requireNonNull(c.frames, "echo frames not built").get(0, frame);
                c.rateFrame = frame;
                c.rateStampOffset = c.frameLen - payload;
                c.rateOut = ByteBuffer.allocateDirect(Math.max(64 * 1024, 4 * c.frameLen));
                c.rateOut.flip(); // empty, in "drain" mode
                c.dead = false;
                out.add(c);
            }
        }

        void stopRate() {
            rateMode = false;
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
            c.wire.recordSize(frameLen);
        }

        private void sendOwed(Conn c, long now) throws IOException {
            while (c.owed > 0 && !c.writePending) {
                int k = Math.min(c.owed, c.framesInBuffer);
                ByteBuffer b = requireNonNull(c.frames, "echo frames not built");
                b.limit(k * c.frameLen).position(0);
                for (int i = 0; i < k; i++) {
                    c.sendTimes[(c.head + c.count) % c.sendTimes.length] = now;
                    c.count++;
                }
                if (!c.cycle) {
                    inflight += k;
                }
                c.owed -= k;
                c.wire.write(b);
                if (b.hasRemaining() || c.wire.hasPendingOutput()) {
                    c.writePending = true;
                    c.key().interestOps(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
                }
            }
        }

        // -------------------------------------------------------------- connect cycles

        void startCycle() {
            if (cycleTickets.getAndDecrement() <= 0) {
                return;
            }
            int seq = cycleSeq.getAndIncrement();
            URI url = urls.get(Math.floorMod(seq, urls.size()));
            open(url, true, cycleKeys.query(seq));
        }

        private void onCycleEcho(Conn c, long now) {
            if (c.stage != STAGE_ECHO) {
                cycleError(c, "unexpected data frame");
                return;
            }
            if (c.messageLen != cyclePayload) {
                cycleError(c, "echo of " + c.messageLen + " bytes, expected " + cyclePayload);
                return;
            }
            c.count = 0;
            try {
                sendClose(c);
            } catch (IOException x) {
                cycleError(c, "sending CLOSE: " + x);
                return;
            }
            c.stage = STAGE_CLOSE;
        }

        private void onCycleClose(Conn c, long now) {
            if (c.stage != STAGE_CLOSE) {
                cycleError(c, "peer sent CLOSE before the echo");
                return;
            }
            int code = c.controlLen >= 2 ? (int) (c.control >>> (8 * (c.controlLen - 2))) & 0xFFFF : -1;
            if (code != 1000) {
                cycleError(c, "peer answered CLOSE with code " + code + ", expected 1000");
                return;
            }
            c.stage = STAGE_EOF;
            c.stageDeadline = now + EOF_GRACE_NS;
        }

        private void cycleSucceeded(Conn c, long now) {
            if (c.state == CLOSED) {
                return;
            }
            cycleRecorder.recordValue(Math.min(now - c.startedNanos, HIGHEST_NS));
            cyclesOk.incrementAndGet();
            countCycleDone();
            finishCycle(c);
        }

        private void cycleError(Conn c, String why) {
            if (c.state == CLOSED) {
                return;
            }
            cycleFailed(c.stage, why);
            finishCycle(c);
        }

        /** Counts a failed cycle (by stage) as done. */
        private void cycleFailed(int stage, String why) {
            (stage == STAGE_HANDSHAKE ? handshakeErrors : stage == STAGE_ECHO ? echoErrors : closeErrors).incrementAndGet();
            String name = stage == STAGE_HANDSHAKE ? "handshake" : stage == STAGE_ECHO ? "echo" : "close";
            firstCycleError.compareAndSet(null, name + ": " + why);
            countCycleDone();
        }

        /** Closes a finished cycle's connection and starts the next cycle, if any are left. */
        private void finishCycle(Conn c) {
            handshakes.remove(c);
            cycling.remove(c);
            closeChannel(c);
            startCycle();
        }

        private void countCycleDone() {
            lastCycleDoneNanos = System.nanoTime();
            cyclesDone.incrementAndGet();
        }

        void abortCycles() {
            for (Conn c : new ArrayList<>(cycling)) {
                cycleError(c, "aborted (run timed out)");
            }
        }

        // -------------------------------------------------------------- close

        private void sendClose(Conn c) throws IOException {
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
            c.key().interestOps(SelectionKey.OP_READ);
            c.wire.write(ByteBuffer.wrap(f)); // 8 bytes on an idle socket: written at once
            if (c.wire.hasPendingOutput()) {
                c.key().interestOps(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
            }
        }

        void closeAllConnections() {
            sending = false;
            for (Conn c : new ArrayList<>(conns)) {
                if (c.state != OPEN || c.cycle) {
                    continue;
                }
                try {
                    sendClose(c);
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
                if (!c.cycle) {
                    inflight -= c.count;
                }
            } else if (c.state == CLOSING) {
                closingCount--;
            }
            c.state = CLOSED;
            c.dead = true;
            conns.remove(c);
            c.wire.release();
            try {
                c.channel.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }

        private void fail(Conn c, Exception x) {
            if (c.cycle) {
                if (c.stage == STAGE_EOF) {
                    cycleSucceeded(c, System.nanoTime()); // the close handshake completed; the TCP close was not a FIN
                } else {
                    cycleError(c, x.toString());
                }
                return;
            }
            if (c.state == CONNECTING || c.state == HANDSHAKING) {
                failed.incrementAndGet();
                firstFailure.compareAndSet(null, x.toString());
                handshakes.remove(c);
            }
            closeChannel(c);
        }

        private void scanTimeouts() {
            long now = System.nanoTime();
            if ((handshakes.isEmpty() && cycling.isEmpty()) || now - lastTimeoutScan < TimeUnit.MILLISECONDS.toNanos(200)) {
                return;
            }
            lastTimeoutScan = now;
            for (Conn c : new ArrayList<>(handshakes)) {
                if (!c.cycle && now - c.startedNanos > HANDSHAKE_TIMEOUT_NS) {
                    fail(c, new IOException("handshake timeout"));
                }
            }
            for (Conn c : new ArrayList<>(cycling)) {
                if (c.stage == STAGE_EOF && now - c.stageDeadline > 0) {
                    noEofAfterClose.incrementAndGet();
                    cycleSucceeded(c, now);
                } else if (now - c.startedNanos > CYCLE_TIMEOUT_NS) {
                    cycleError(c, "timeout");
                }
            }
        }

        void abortAll() {
            abortCycles();
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
