package io.wslb.jetty.e2e.abuse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.wslb.jetty.testing.ScriptedBackend;
import io.wslb.testing.Frame;
import io.wslb.testing.RawWebSocketConnection;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A ping flood and slow readers cost the proxy a bounded amount of memory, and the flooding side is throttled by
 * TCP instead of being buffered.
 *
 * <p>The bound, from how the data path works: each direction of a tunnel is one {@code Relay} (a {@code Pump}).
 * A relay reads its source into one buffer taken from the server's pool ({@code ProxyContext.BUFFER_SIZE}, 64
 * KiB), scans it and writes it to its sink, and does not read its source again until that write has completed
 * ({@code Pump} runs nothing while a write it started is in flight). The buffer goes back to the pool whenever a
 * read finds nothing, and before the relay writes a frame of its own (a close or a liveness ping, which are small
 * heap buffers). A frame header split across reads is carried in a 14-byte array, not a pooled buffer. The proxy
 * never answers a ping itself: client pings are relayed to the backend like any frame and the backend's pongs
 * come back through the other relay, under the same rule. So a tunnel holds at most two pooled buffers, one per
 * direction, whatever its peers do; and with no handshake in progress the proxy's whole pool use is at most
 * {@code 2 x open tunnels} buffers. When a sink stops reading, its relay's write stays pending, so that relay
 * stops reading its source, whose TCP window closes, and the writer on the far side blocks: the excess stays in
 * the kernel's socket buffers and in the writer, not in the proxy.
 *
 * <p>Each test samples the pool thousands of times during its flood and asserts the maximum against that bound
 * (the flooding tunnel plus the four bystanders, echoing all along), then asserts the flooding writer stalled
 * far below what it tried to write.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class BoundedMemoryTest extends AbuseTestBase {

    /** Open tunnels during a flood: the bystanders and the flooding one. */
    private static final int TUNNELS = BYSTANDERS + 1;
    /** Pooled buffers the proxy may hold at once (see the class comment). */
    private static final int MAX_BUFFERS = 2 * TUNNELS;
    /** What each flooding side tries to write: far more than every socket buffer on the way could hold. */
    private static final long TRY = 1L << 30;
    /** The writer counts as stalled once its count stayed the same over this many polls, 100 ms apart. */
    private static final int STALL_POLLS = 10;

    private ScheduledExecutorService sampler;
    private final AtomicLong samples = new AtomicLong();
    private final AtomicLong maxBuffers = new AtomicLong();
    private final AtomicLong maxBufferBytes = new AtomicLong();

    @BeforeEach
    void sampleThePoolEveryMillisecond() {
        sampler = Executors.newSingleThreadScheduledExecutor();
        sampler.scheduleAtFixedRate(() -> {
            maxBuffers.accumulateAndGet(proxy.unreleasedBuffers(), Math::max);
            maxBufferBytes.accumulateAndGet(proxy.unreleasedBufferBytes(), Math::max);
            samples.incrementAndGet();
        }, 0, 1, TimeUnit.MILLISECONDS);
    }

    @AfterEach
    void stopSampling() {
        sampler.shutdownNow();
    }

    /** Waits until {@code progress} stops moving, and returns where it stopped. */
    private static long awaitStall(String what, LongSupplier progress) {
        long[] last = {-1};
        int[] unchanged = {0};
        await(what + " stalls").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() -> {
            long now = progress.getAsLong();
            if (now == last[0]) {
                unchanged[0]++;
            } else {
                unchanged[0] = 0;
                last[0] = now;
            }
            return unchanged[0] >= STALL_POLLS || now >= TRY;
        });
        return last[0];
    }

    /** Writes {@code unit} over and over until {@link #TRY} bytes or a failure, counting what was written. */
    private static Thread flood(RawWebSocketConnection raw, byte[] unit, AtomicLong written) {
        Thread t = new Thread(() -> {
            try {
                while (written.get() < TRY) {
                    raw.write(unit);
                    written.addAndGet(unit.length);
                }
            } catch (IOException closed) {
                // the test closed the socket
            }
        }, "flooder");
        t.setDaemon(true);
        t.start();
        return t;
    }

    private void assertBoundedWhileStalled(String flood, long stalledAt, long samplesBefore) {
        // Sampling goes on while the writer is stalled: take at least a thousand samples of the flood in all.
        await().atMost(Duration.ofSeconds(30)).until(() -> samples.get() - samplesBefore >= 1000);
        long sampled = samples.get() - samplesBefore;
        System.out.printf("%s: writer stalled at %,d of %,d bytes tried; pool max %d buffers (%,d bytes) over %,d samples%n",
            flood, stalledAt, TRY, maxBuffers.get(), maxBufferBytes.get(), sampled);
        assertThat(sampled).as("pool samples taken during the flood").isGreaterThanOrEqualTo(1000);
        assertThat(maxBuffers.get()).as("most buffers the proxy held at once (bound: 2 per open tunnel)").isLessThanOrEqualTo(MAX_BUFFERS);
        assertThat(maxBufferBytes.get()).as("most pooled bytes the proxy held at once").isLessThanOrEqualTo(MAX_BUFFERS * 64L * 1024);
        assertThat(stalledAt).as("bytes the flooding side managed to write before TCP stopped it").isLessThan(TRY / 16);
    }

    @Test
    void aClientFloodingPingsAndNeverReadingThePongs_costsBoundedMemory_andIsThrottled() throws Exception {
        java.io.ByteArrayOutputStream pings = new java.io.ByteArrayOutputStream();
        for (int i = 0; i < 500; i++) {
            pings.writeBytes(Frame.of(0x9, new byte[125]).masked().encode());
        }
        byte[] batch = pings.toByteArray();
        AtomicLong written = new AtomicLong();
        long samplesBefore = samples.get();
        RawWebSocketConnection raw = RawWebSocketConnection.open(proxy.port());
        Thread flooder = null;
        try {
            assertThat(raw.upgrade("/pings").status()).isEqualTo(101);
            flooder = flood(raw, batch, written);

            long stalledAt = awaitStall("the ping flood", written::get);
            ScriptedBackend.Peer backendSide = backend.peers("/pings").get(0);
            long pongBytes = awaitStall("the backend's pongs", backendSide::bytesWritten);
            harness.duringAbuse();

            assertBoundedWhileStalled("ping flood", stalledAt, samplesBefore);
            long pingFrames = backendSide.frames().stream().filter(f -> f.opcode() == 0x9).count();
            System.out.printf("ping flood: %,d pings written by the client, %,d reached the backend, %,d bytes of pongs written by it%n",
                stalledAt / 131, pingFrames, pongBytes);
            assertThat(stalledAt / 131).as("pings the client wrote").isGreaterThanOrEqualTo(10_000);
            assertThat(pingFrames).as("pings relayed to the backend").isGreaterThanOrEqualTo(10_000);
        } finally {
            raw.abort();
            if (flooder != null) {
                flooder.join(10_000);
            }
        }
    }

    @Test
    void aClientThatStopsReading_whileTheBackendPushesAsFastAsItCan_costsBoundedMemory_andThrottlesTheBackend() throws Exception {
        byte[] message = new byte[16 * 1024];
        scripts.put("/push", peer -> {
            peer.answer101();
            while (peer.bytesWritten() < TRY) {
                peer.sendFrame(true, 0x2, message);
            }
        });
        long samplesBefore = samples.get();
        RawWebSocketConnection raw = RawWebSocketConnection.open(proxy.port());
        try {
            assertThat(raw.upgrade("/push").status()).isEqualTo(101);
            ScriptedBackend.Peer pusher = backend.peers("/push").get(0);

            long stalledAt = awaitStall("the backend's push", pusher::bytesWritten);
            harness.duringAbuse();

            assertBoundedWhileStalled("slow reader, backend pushing", stalledAt, samplesBefore);
            // The client can still read what was relayed, in order: nothing was dropped to keep memory bounded.
            assertThat(raw.read().payload()).hasSize(message.length);
        } finally {
            raw.abort();
        }
    }

    @Test
    void aClientUploadingWithoutReadingTheEcho_costsBoundedMemory_andIsThrottled() throws Exception {
        byte[] frame = Frame.of(0x2, new byte[16 * 1024]).masked().encode();
        AtomicLong written = new AtomicLong();
        long samplesBefore = samples.get();
        RawWebSocketConnection raw = RawWebSocketConnection.open(proxy.port());
        Thread flooder = null;
        try {
            assertThat(raw.upgrade("/upload").status()).isEqualTo(101);
            flooder = flood(raw, frame, written);

            long stalledAt = awaitStall("the upload", written::get);
            harness.duringAbuse();

            assertBoundedWhileStalled("slow reader, echo of an upload", stalledAt, samplesBefore);
        } finally {
            raw.abort();
            if (flooder != null) {
                flooder.join(10_000);
            }
        }
    }
}
