package io.wslb.jetty.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Innocent connections through the proxy while a test abuses it: each of N real WebSocket clients sends a text
 * message, waits for its echo, checks it is exactly what it sent, and starts over, on its own thread, until
 * {@link #stop()}. Every round trip must succeed: the first wrong echo, missing echo or close ends that bystander
 * and is reported by {@link #awaitProgress()} and {@link #stop()}.
 */
public final class Bystanders {

    /** Round trips each bystander must complete for {@link #awaitProgress()} to return. */
    public static final int PROGRESS = 3;

    private final List<ClientSocket> sockets;
    private final List<Thread> threads = new ArrayList<>();
    private final AtomicLongArray roundTrips;
    private final List<Throwable> failures = new CopyOnWriteArrayList<>();
    private volatile boolean stopping;

    private Bystanders(List<ClientSocket> sockets) {
        this.sockets = sockets;
        this.roundTrips = new AtomicLongArray(sockets.size());
    }

    /**
     * Connects {@code count} clients and starts their echo loops.
     *
     * @param client the client that connects them
     * @param uri the proxy address to connect to
     * @param count how many
     * @return the running bystanders
     */
    public static Bystanders start(WsClient client, URI uri, int count) throws Exception {
        List<ClientSocket> sockets = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            sockets.add(client.connect(uri));
        }
        Bystanders bystanders = new Bystanders(sockets);
        for (int i = 0; i < count; i++) {
            int index = i;
            Thread t = new Thread(() -> bystanders.loop(index), "bystander-" + i);
            t.setDaemon(true);
            bystanders.threads.add(t);
            t.start();
        }
        return bystanders;
    }

    private void loop(int index) {
        ClientSocket socket = sockets.get(index);
        long n = 0;
        while (!stopping) {
            String text = "bystander " + index + " round trip " + n;
            try {
                String echo = socket.echo(text);
                if (!text.equals(echo)) {
                    throw new AssertionError("bystander " + index + " sent '" + text + "' and got back '" + echo + "'");
                }
            } catch (Throwable failure) {
                failures.add(new AssertionError("bystander " + index + " failed at round trip " + n
                    + (socket.closed().isDone() ? " (closed: " + socket.closed().join() + ")" : ""), failure));
                return;
            }
            n++;
            roundTrips.incrementAndGet(index);
        }
    }

    /** @return round trips completed by all bystanders together */
    public long roundTrips() {
        long sum = 0;
        for (int i = 0; i < roundTrips.length(); i++) {
            sum += roundTrips.get(i);
        }
        return sum;
    }

    /**
     * Waits until every bystander has completed {@value #PROGRESS} more round trips than when called. Called while
     * an abuse is going on, it proves that every other connection is being served during it.
     *
     * @return round trips of all bystanders together, when they all progressed
     * @throws AssertionError if a bystander failed, or made no progress within 20 s
     */
    public long awaitProgress() {
        long[] from = new long[roundTrips.length()];
        for (int i = 0; i < from.length; i++) {
            from[i] = roundTrips.get(i);
        }
        await("every bystander completes " + PROGRESS + " more echo round trips").atMost(Duration.ofSeconds(20))
            .pollInterval(Duration.ofMillis(5))
            .until(() -> {
                assertNoFailure();
                for (int i = 0; i < from.length; i++) {
                    if (roundTrips.get(i) < from[i] + PROGRESS) {
                        return false;
                    }
                }
                return true;
            });
        return roundTrips();
    }

    private void assertNoFailure() {
        if (!failures.isEmpty()) {
            AssertionError error = new AssertionError(failures.size() + " bystander(s) failed; the first: " + failures.get(0).getMessage(),
                failures.get(0));
            throw error;
        }
    }

    /**
     * Stops the loops, checks that no round trip failed, and closes every bystander with 1000 (the echo of the
     * close must come back through the proxy).
     *
     * @return round trips of all bystanders together
     */
    public long stop() throws Exception {
        stopping = true;
        for (Thread t : threads) {
            t.join(TimeUnit.SECONDS.toMillis(10));
            assertThat(t.isAlive()).as(t.getName() + " still running").isFalse();
        }
        assertNoFailure();
        for (ClientSocket socket : sockets) {
            assertThat(socket.close(1000, "bystander done").code()).as("bystander close").isEqualTo(1000);
        }
        return roundTrips();
    }

    /** Stops the loops without checking anything (for clean-up after a failure). */
    public void abandon() {
        stopping = true;
        for (ClientSocket socket : sockets) {
            socket.closeQuietly();
        }
    }
}
