package io.wslb.jetty.internal.io;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.eclipse.jetty.io.ByteArrayEndPoint;
import org.eclipse.jetty.util.component.AbstractLifeCycle;
import org.eclipse.jetty.util.thread.Scheduler;
import org.junit.jupiter.api.Test;

class HandshakeDeadlinesTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final HandshakeDeadlines deadlines = new HandshakeDeadlines();
    private final ManualScheduler scheduler = new ManualScheduler();

    @Test
    void aHeadThatArrives_cancelsItsDeadline_soThatNothingOfTheConnectionStaysQueued() {
        Connection c = new Connection(1);
        deadlines.arm(scheduler, c, TIMEOUT);
        assertThat(scheduler.tasks).singleElement().satisfies(t -> assertThat(t.delay).isEqualTo(TIMEOUT));

        deadlines.met(c.remote);

        assertThat(scheduler.tasks.get(0).cancelled).isTrue();
        assertThat(deadlines.pending()).isZero();
        scheduler.tasks.get(0).action.run(); // a timer that fires anyway, racing the cancel
        assertThat(c.isOpen()).isTrue();
    }

    @Test
    void aDeadlineThatPasses_closesTheConnection() {
        Connection c = new Connection(1);
        deadlines.arm(scheduler, c, TIMEOUT);

        scheduler.tasks.get(0).action.run();

        assertThat(c.isOpen()).isFalse();
        assertThat(deadlines.pending()).isZero();
    }

    @Test
    void onlyTheConnectionsWithoutAHead_areClosed() {
        List<Connection> connections = List.of(new Connection(1), new Connection(2), new Connection(3));
        connections.forEach(c -> deadlines.arm(scheduler, c, TIMEOUT));

        deadlines.met(connections.get(0).remote);
        deadlines.met(connections.get(2).remote);
        scheduler.tasks.forEach(t -> t.action.run());

        assertThat(connections).extracting(Connection::isOpen).containsExactly(true, false, true);
        assertThat(scheduler.tasks).extracting(t -> t.cancelled).containsExactly(true, false, true);
    }

    @Test
    void aHeadArrivingWhileTheDeadlineIsBeingScheduled_stillCancelsTheTimer() {
        Connection c = new Connection(1);
        scheduler.duringSchedule = task -> deadlines.met(c.remote);

        deadlines.arm(scheduler, c, TIMEOUT);

        assertThat(scheduler.tasks.get(0).cancelled).isTrue();
        assertThat(deadlines.pending()).isZero();
    }

    @Test
    void aHeadOfAnUnknownOrAddresslessConnection_isIgnored() {
        deadlines.met(null);
        deadlines.met(new InetSocketAddress("127.0.0.1", 9));

        assertThat(deadlines.pending()).isZero();
    }

    /** An endpoint with its own remote address (the key a deadline is filed under). */
    private static final class Connection extends ByteArrayEndPoint {
        final SocketAddress remote;

        Connection(int port) {
            this.remote = new InetSocketAddress("127.0.0.1", port);
        }

        @Override
        public SocketAddress getRemoteSocketAddress() {
            return remote;
        }
    }

    /** A scheduler that only records what it is given; the test fires the tasks. */
    private static final class ManualScheduler extends AbstractLifeCycle implements Scheduler {
        final List<Recorded> tasks = new ArrayList<>();
        Consumer<Recorded> duringSchedule = task -> { };

        @Override
        public Task schedule(Runnable action, long delay, TimeUnit unit) {
            Recorded task = new Recorded(action, Duration.ofNanos(unit.toNanos(delay)));
            tasks.add(task);
            duringSchedule.accept(task);
            return task;
        }
    }

    private static final class Recorded implements Scheduler.Task {
        final Runnable action;
        final Duration delay;
        boolean cancelled;

        Recorded(Runnable action, Duration delay) {
            this.action = action;
            this.delay = delay;
        }

        @Override
        public boolean cancel() {
            cancelled = true;
            return true;
        }
    }
}
