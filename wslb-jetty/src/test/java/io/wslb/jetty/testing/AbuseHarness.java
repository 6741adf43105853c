package io.wslb.jetty.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.wslb.testing.Frame;
import io.wslb.testing.RawWebSocketConnection;
import java.time.Duration;

/**
 * Wraps an abuse test: warms the proxy up, takes a {@link Baseline}, keeps {@link Bystanders} echoing through the
 * proxy during the abuse, and at the end ({@link #finish()}) checks that every bystander round trip succeeded,
 * that they progressed while the abuse was going on, and that threads, open files and pool buffers are back to
 * the baseline with no tunnel left open.
 *
 * <pre>{@code
 * harness = AbuseHarness.start(proxy, client, "/bystander", 4);
 * ... abuse ...
 * harness.duringAbuse();   // while the abuse is still under way: every bystander makes progress
 * ... end of the abuse ...
 * harness.finish();        // in @AfterEach, so that no test of the class can skip it
 * }</pre>
 */
public final class AbuseHarness implements AutoCloseable {

    private final Baseline baseline;
    private final Bystanders bystanders;
    private int checksDuringAbuse;
    private boolean finished;

    private AbuseHarness(Baseline baseline, Bystanders bystanders) {
        this.baseline = baseline;
        this.bystanders = bystanders;
    }

    /**
     * @param proxy a tracked proxy ({@link LoadBalancerProxy#handlerTracked})
     * @param client a client for the warm-up and the bystanders
     * @param bystanderPath the path the bystanders connect to (it must reach an echo backend)
     * @param count how many bystanders
     * @return the harness, bystanders running
     */
    public static AbuseHarness start(LoadBalancerProxy proxy, WsClient client, String bystanderPath, int count) throws Exception {
        // Warm up the paths the tests take (a real client, raw sockets, an error answer), so that classes loaded
        // and jars opened for the first time do not count as files left open.
        for (int i = 0; i < 3; i++) {
            ClientSocket socket = client.connect(proxy.uri(bystanderPath));
            assertThat(socket.echo("warm-up")).isEqualTo("warm-up");
            socket.close(1000, "warm-up done");
        }
        try (RawWebSocketConnection raw = RawWebSocketConnection.open(proxy.port())) {
            raw.write("GET " + bystanderPath + " HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(raw.readResponse().status()).isEqualTo(426);
        }
        try (RawWebSocketConnection raw = RawWebSocketConnection.open(proxy.port())) {
            assertThat(raw.upgrade(bystanderPath).status()).isEqualTo(101);
            raw.send(Frame.text("warm-up"));
            assertThat(raw.readMessage().text()).isEqualTo("warm-up");
            assertThat(raw.closeNormally().closeStatus()).isEqualTo(1000);
        }
        Baseline baseline = Baseline.take(proxy);
        return new AbuseHarness(baseline, Bystanders.start(client, proxy.uri(bystanderPath), count));
    }

    /** @return the baseline taken before the bystanders started */
    public Baseline baseline() {
        return baseline;
    }

    /** @return the bystanders */
    public Bystanders bystanders() {
        return bystanders;
    }

    /**
     * Called while the abuse is under way (its connections open, its flood stalled, its clients still trickling):
     * waits until every bystander completed {@value Bystanders#PROGRESS} more round trips.
     *
     * @return round trips of all bystanders so far
     */
    public long duringAbuse() {
        checksDuringAbuse++;
        return bystanders.awaitProgress();
    }

    /**
     * Ends the bystanders and checks everything (see the class comment).
     *
     * @return round trips the bystanders completed
     */
    public long finish() throws Exception {
        if (finished) {
            return bystanders.roundTrips();
        }
        finished = true;
        long roundTrips;
        try {
            roundTrips = bystanders.stop();
        } catch (Throwable failure) {
            bystanders.abandon();
            throw failure;
        }
        assertThat(checksDuringAbuse).as("times the test checked the bystanders during its abuse").isPositive();
        assertThat(roundTrips).as("bystander round trips").isPositive();
        baseline.assertRestored(Duration.ofSeconds(15));
        return roundTrips;
    }

    @Override
    public void close() {
        if (!finished) {
            finished = true;
            bystanders.abandon();
        }
    }
}
