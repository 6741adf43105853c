package io.wslb.jetty.e2e.abuse;

import static org.assertj.core.api.Assertions.assertThat;

import io.wslb.AdmissionLimits;
import io.wslb.Backend;
import io.wslb.RejectCause;
import io.wslb.WebSocketLoadBalancerBuilder;
import io.wslb.jetty.testing.EventLog;
import io.wslb.testing.Frame;
import io.wslb.testing.RawHttpResponse;
import io.wslb.testing.RawWebSocketConnection;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A flood of valid handshakes from one address, beyond its rate: the budget gets 101s, the rest 429. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HandshakeFloodTest extends AbuseTestBase {

    private static final int RATE = 20;
    private static final long SECOND = 1_000_000_000L;

    /** The balancer's clock: it moves only when the test moves it. */
    private final AtomicLong clock = new AtomicLong();

    @Override
    WebSocketLoadBalancerBuilder balancer(Backend scripted) {
        return super.balancer(scripted).admissionLimits(AdmissionLimits.unlimited().withMaxHandshakesPerClientPerSecond(RATE)).ticker(clock::get);
    }

    @Test
    void aFloodOfHandshakesBeyondThePerAddressRate_gets429_andOnlyTheBudgetReachesTheBackend() throws Exception {
        // The warm-up and the bystanders took tokens; ten seconds later the bucket is full again, and time then
        // stands still for the whole flood: exactly RATE handshakes may pass.
        clock.addAndGet(10 * SECOND);
        long backendConnectionsBefore = backend.accepted();
        int rejectedBefore = events.rejected.size();
        ConcurrentLinkedQueue<RawWebSocketConnection> upgraded = new ConcurrentLinkedQueue<>();
        List<String> wrong = new CopyOnWriteArrayList<>();
        AtomicLong refused = new AtomicLong();
        AtomicBoolean stop = new AtomicBoolean();
        ExecutorService flood = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> senders = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                senders.add(flood.submit(() -> {
                    for (int i = 0; i < 50 || !stop.get(); i++) {
                        RawWebSocketConnection raw = RawWebSocketConnection.open(proxy.port());
                        RawHttpResponse answer = raw.upgrade("/flood");
                        if (answer.status() == 101) {
                            upgraded.add(raw);
                            continue;
                        }
                        raw.close();
                        if (answer.status() == 429 && "1".equals(answer.header("Retry-After"))) {
                            refused.incrementAndGet();
                        } else {
                            wrong.add(answer.toString());
                        }
                    }
                    return null;
                }));
            }
            harness.duringAbuse();
            stop.set(true);
            for (Future<?> sender : senders) {
                sender.get(30, TimeUnit.SECONDS);
            }

            assertThat(wrong).as("answers other than 101 or 429 with Retry-After: 1").isEmpty();
            assertThat(upgraded).as("handshakes that passed").hasSize(RATE);
            assertThat(refused.get()).as("handshakes refused").isGreaterThanOrEqualTo(200 - RATE);
            for (RawWebSocketConnection raw : upgraded) {
                raw.send(Frame.text("accepted and working"));
                assertThat(raw.readMessage().text()).isEqualTo("accepted and working");
                assertThat(raw.closeNormally().closeStatus()).isEqualTo(1000);
            }
        } finally {
            flood.shutdownNow();
            for (RawWebSocketConnection raw : upgraded) {
                raw.close();
            }
        }
        assertThat(backend.accepted() - backendConnectionsBefore).as("TCP connections the backend accepted").isEqualTo(RATE);
        assertThat(events.rejected.subList(rejectedBefore, events.rejected.size())).hasSize((int) refused.get())
            .extracting(EventLog.Rejected::cause).containsOnly(RejectCause.TOO_MANY_HANDSHAKES);
    }
}
