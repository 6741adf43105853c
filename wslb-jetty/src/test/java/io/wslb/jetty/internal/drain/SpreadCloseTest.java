package io.wslb.jetty.internal.drain;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.eclipse.jetty.util.thread.Scheduler;
import org.junit.jupiter.api.Test;

/**
 * The moments at which a drain or a stop ends its connections: drawn uniformly over the window, decided by the
 * proxy, so they can be checked without any clock (the end-to-end drain test sees them through a loaded machine).
 */
class SpreadCloseTest {

    /** Records what would be scheduled, and when; runs nothing. */
    private static final class RecordingScheduler implements Scheduler {
        final List<Long> delaysNanos = new CopyOnWriteArrayList<>();

        @Override
        public Task schedule(Runnable task, long delay, TimeUnit units) {
            delaysNanos.add(units.toNanos(delay));
            return () -> false;
        }

        @Override
        public boolean isRunning() {
            return true;
        }

        @Override
        public void start() {}

        @Override
        public void stop() {}

        @Override
        public boolean isStarted() {
            return true;
        }

        @Override
        public boolean isStarting() {
            return false;
        }

        @Override
        public boolean isStopping() {
            return false;
        }

        @Override
        public boolean isStopped() {
            return false;
        }

        @Override
        public boolean isFailed() {
            return false;
        }

        @Override
        public boolean addEventListener(java.util.EventListener listener) {
            return false;
        }

        @Override
        public boolean removeEventListener(java.util.EventListener listener) {
            return false;
        }
    }

    @Test
    void aThousandEnds_areSpreadEvenlyOverTheWindow_eachThirdGettingAboutAThird() {
        RecordingScheduler scheduler = new RecordingScheduler();
        List<Integer> endedAtOnce = new ArrayList<>();
        Duration window = Duration.ofSeconds(3);

        SpreadClose.spread(IntStream.range(0, 1000).boxed().toList(), window, endedAtOnce::add, scheduler);

        assertThat(scheduler.delaysNanos.size() + endedAtOnce.size()).isEqualTo(1000);
        assertThat(scheduler.delaysNanos).allSatisfy(d -> assertThat(d).isBetween(1L, window.toNanos() - 1));
        Map<Long, Long> perThird = scheduler.delaysNanos.stream()
            .collect(Collectors.groupingBy(d -> d * 3 / window.toNanos(), Collectors.counting()));
        // Binomial(1000, 1/3): mean 333, standard deviation 15; 250..420 is more than five deviations either way.
        assertThat(perThird.keySet()).containsExactlyInAnyOrder(0L, 1L, 2L);
        assertThat(perThird.values()).allSatisfy(n -> assertThat(n).isBetween(250L, 420L));
    }

    @Test
    void aZeroWindow_endsEverythingAtOnce_withoutScheduling() {
        RecordingScheduler scheduler = new RecordingScheduler();
        List<String> ended = new ArrayList<>();

        SpreadClose.spread(List.of("a", "b", "c"), Duration.ZERO, ended::add, scheduler);

        assertThat(ended).containsExactly("a", "b", "c");
        assertThat(scheduler.delaysNanos).isEmpty();
    }
}
