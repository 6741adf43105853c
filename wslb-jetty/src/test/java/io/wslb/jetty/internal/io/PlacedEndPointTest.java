package io.wslb.jetty.internal.io;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class PlacedEndPointTest {
    private final ScheduledExecutorScheduler scheduler = new ScheduledExecutorScheduler();
    private ServerSocketChannel server;
    private SocketChannel socket;
    private SocketChannel accepted;

    @BeforeEach
    void connectASocketPair() throws Exception {
        scheduler.start();
        server = ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        socket = SocketChannel.open(server.getLocalAddress());
        accepted = server.accept();
    }

    @AfterEach
    void close() throws Exception {
        socket.close();
        accepted.close();
        server.close();
        scheduler.stop();
    }

    @Test
    void aClosedSocketsCancelledKeyIsNotAskedToChangeItsInterestAndTheEndPointCloses() throws Exception {
        RecordingKey key = new RecordingKey(socket);
        PlacedEndPoint endPoint = readInterestPending(key);

        socket.close(); // as a tunnel does from within the selector's task; the JDK cancels the key
        key.valid = false;
        endPoint.updateKey();

        assertThat(key.interestChanges).isEmpty();
        assertThat(endPoint.isOpen()).isFalse();
    }

    @Test
    void aValidKeyGetsThePendingInterestChange() {
        RecordingKey key = new RecordingKey(socket);
        PlacedEndPoint endPoint = readInterestPending(key);

        endPoint.updateKey();

        assertThat(key.interestChanges).containsExactly(SelectionKey.OP_READ);
        assertThat(endPoint.isOpen()).isTrue();
    }

    @Test
    void aReadAwaitedWhenTheEndPointClosesFailsWithAClosedChannelExceptionWithoutAStackTrace() {
        PlacedEndPoint endPoint = openEndPoint();
        AtomicReference<Throwable> failure = awaitRead(endPoint);

        endPoint.close();

        assertThat(failure.get()).isInstanceOf(ClosedChannelException.class);
        assertThat(failure.get().getStackTrace()).isEmpty();
        assertThat(endPoint.isFillInterested()).isFalse();
        assertThat(socket.isOpen()).isFalse();
    }

    @Test
    void aReadAskedForAfterTheEndPointClosed_failsAtOnce() {
        PlacedEndPoint endPoint = openEndPoint();
        endPoint.onSelected(); // as within a selector's loop: an interest change would wait for the key update
        endPoint.close();

        AtomicReference<Throwable> failure = awaitRead(endPoint);

        assertThat(failure.get()).isInstanceOf(ClosedChannelException.class);
        assertThat(endPoint.isFillInterested()).isFalse();
    }

    @Test
    void aFailedEndPointFailsTheAwaitedReadWithItsOwnFailure() {
        PlacedEndPoint endPoint = openEndPoint();
        AtomicReference<Throwable> failure = awaitRead(endPoint);
        IllegalStateException cause = new IllegalStateException("broken");

        endPoint.close(cause);

        assertThat(failure.get()).isSameAs(cause);
    }

    /** An open endpoint of the test's socket, on no selector. */
    private PlacedEndPoint openEndPoint() {
        PlacedEndPoint endPoint = new PlacedEndPoint(socket, null, new RecordingKey(socket), scheduler);
        endPoint.onOpen();
        return endPoint;
    }

    /** Asks {@code endPoint} for a read; the returned reference receives its failure. */
    private static AtomicReference<Throwable> awaitRead(PlacedEndPoint endPoint) {
        AtomicReference<Throwable> failure = new AtomicReference<>();
        endPoint.fillInterested(Callback.from(() -> { }, failure::set));
        return failure;
    }

    /**
     * An endpoint as the selector leaves it after a select: the event handled, its read interest asked for again,
     * and the key update queued for the end of the selector's loop (so that {@code updateKey} has work to do).
     */
    private PlacedEndPoint readInterestPending(RecordingKey key) {
        PlacedEndPoint endPoint = new PlacedEndPoint(socket, null, key, scheduler);
        endPoint.onOpen();
        endPoint.onSelected();
        endPoint.fillInterested(Callback.NOOP);
        return endPoint;
    }

    /**
     * A selection key whose validity the test sets, and which records the interest changes asked of it (also used by
     * {@link JettyContractTest}).
     */
    static final class RecordingKey extends SelectionKey {
        private final SelectableChannel channel;
        final List<Integer> interestChanges = new ArrayList<>();
        volatile boolean valid = true;
        private int interest;

        RecordingKey(SelectableChannel channel) {
            this.channel = channel;
        }

        @Override
        public SelectableChannel channel() {
            return channel;
        }

        @Override
        public Selector selector() {
            throw new UnsupportedOperationException("not registered with a real selector");
        }

        @Override
        public boolean isValid() {
            return valid;
        }

        @Override
        public void cancel() {
            valid = false;
        }

        @Override
        public int interestOps() {
            return interest;
        }

        @Override
        public SelectionKey interestOps(int ops) {
            interestChanges.add(ops);
            if (!valid) {
                throw new CancelledKeyException();
            }
            interest = ops;
            return this;
        }

        @Override
        public int readyOps() {
            return 0;
        }
    }
}
