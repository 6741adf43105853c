package io.wslb.jetty.internal.tunnel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class PumpTest {

    /** Writes asynchronously (on another thread) or synchronously, at random; checks it never runs twice at once. */
    static final class RecordingPump extends Pump {
        final AtomicInteger running = new AtomicInteger();
        final AtomicInteger overlaps = new AtomicInteger();
        final AtomicInteger writesInFlight = new AtomicInteger();
        final AtomicInteger processedWhileWriting = new AtomicInteger();
        final AtomicLong wakes = new AtomicLong();
        final AtomicLong lastWakeSeen = new AtomicLong();
        final AtomicInteger runs = new AtomicInteger();
        final ExecutorService writer;
        volatile boolean finish;
        final AtomicReference<String> ended = new AtomicReference<>();

        RecordingPump(ExecutorService writer) {
            this.writer = writer;
        }

        @Override
        protected Step process() {
            if (running.incrementAndGet() != 1) {
                overlaps.incrementAndGet();
            }
            try {
                if (writesInFlight.get() != 0) {
                    processedWhileWriting.incrementAndGet();
                }
                lastWakeSeen.set(wakes.get());
                runs.incrementAndGet();
                if (finish) {
                    return Step.DONE;
                }
                int dice = ThreadLocalRandom.current().nextInt(3);
                if (dice == 0) {
                    return Step.IDLE;
                }
                writesInFlight.incrementAndGet();
                writing();
                if (dice == 1) {
                    writesInFlight.decrementAndGet();
                    succeeded(); // completes inside process, as a socket write often does
                } else {
                    writer.execute(() -> {
                        writesInFlight.decrementAndGet();
                        succeeded();
                    });
                }
                return Step.WRITING;
            } finally {
                running.decrementAndGet();
            }
        }

        void poke() {
            wakes.incrementAndGet();
            wake();
        }

        @Override
        protected void onDone() {
            ended.compareAndSet(null, "done");
        }

        @Override
        protected void onFailed(Throwable cause) {
            ended.compareAndSet(null, "failed: " + cause);
        }
    }

    @Test
    void processNeverRunsTwiceAtOnce_neverDuringAWrite_andNoWakeIsLost() throws Exception {
        ExecutorService writer = Executors.newFixedThreadPool(2);
        RecordingPump pump = new RecordingPump(writer);
        int threads = 4;
        int wakesEach = 20_000;
        int minRuns = 1_000;
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> wakers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Thread thread = new Thread(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    return;
                }
                // On until the pump has run many times too: a slow writer thread can hold the first write long
                // enough for every poke to land while it is in flight (CI once saw 4 runs for 80,000 pokes).
                for (int i = 0; i < wakesEach || pump.runs.get() < minRuns; i++) {
                    pump.poke();
                }
            });
            wakers.add(thread);
            thread.start();
        }
        start.countDown();
        for (Thread thread : wakers) {
            thread.join();
        }
        // Every wake either ran process itself or found a run (or a write) that will run it afterwards.
        await().atMost(Duration.ofSeconds(10)).until(() -> pump.writesInFlight.get() == 0 && pump.running.get() == 0);
        pump.poke();
        await().atMost(Duration.ofSeconds(10))
            .until(() -> pump.lastWakeSeen.get() == pump.wakes.get() && pump.writesInFlight.get() == 0);

        assertThat(pump.overlaps.get()).isZero();
        assertThat(pump.processedWhileWriting.get()).isZero();
        assertThat(pump.runs.get()).isGreaterThan(threads);

        pump.finish = true;
        pump.poke();
        await().atMost(Duration.ofSeconds(10)).until(() -> pump.ended.get() != null);
        assertThat(pump.ended.get()).isEqualTo("done");
        int runsAtEnd = pump.runs.get();
        pump.poke();
        assertThat(pump.runs.get()).as("a finished pump does not run").isEqualTo(runsAtEnd);
        writer.shutdown();
        assertThat(writer.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void aFailedWrite_endsThePumpOnce() {
        AtomicReference<String> ended = new AtomicReference<>();
        AtomicInteger failures = new AtomicInteger();
        Pump pump = new Pump() {
            @Override
            protected Step process() {
                writing();
                failed(new java.io.IOException("broken pipe"));
                return Step.WRITING;
            }

            @Override
            protected void onDone() {
                ended.set("done");
            }

            @Override
            protected void onFailed(Throwable cause) {
                failures.incrementAndGet();
                ended.set(cause.getMessage());
            }
        };
        pump.wake();
        pump.wake();
        pump.failed(new java.io.IOException("again"));
        assertThat(ended.get()).isEqualTo("broken pipe");
        assertThat(failures.get()).isEqualTo(1);
    }
}
