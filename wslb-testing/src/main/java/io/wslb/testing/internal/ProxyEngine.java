package io.wslb.testing.internal;

import io.wslb.testing.Fault;
import io.wslb.testing.FaultProxy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The I/O side of a {@link FaultProxy}: one selector thread that owns the listening socket, every connection and
 * every buffer. Other threads only hand it tasks and read its counters.
 *
 * <pre>{@code ProxyEngine engine = new ProxyEngine(target, Fault.PASS, null); // what FaultProxy does}</pre>
 */
public final class ProxyEngine {

    private static final Logger LOG = LoggerFactory.getLogger(ProxyEngine.class);
    private static final long JOIN_MILLIS = 10_000;

    private final InetSocketAddress target;
    private final InetSocketAddress address;
    private final String name;
    private final Selector selector;
    private final Thread thread;
    private final Object lock = new Object();
    private final Queue<Task> tasks = new ArrayDeque<>(); // guarded by lock
    private final Set<Connection> connections = new HashSet<>();
    private final ByteBuffer readBuffer = ByteBuffer.allocate(64 * 1024);
    final AtomicLong toTarget = new AtomicLong();
    final AtomicLong fromTarget = new AtomicLong();
    final AtomicLong swallowed = new AtomicLong();
    private final AtomicLong accepted = new AtomicLong();
    private volatile int open;
    private volatile Fault fault;
    private @Nullable ServerSocketChannel server;
    private boolean stopping; // guarded by lock
    private volatile @Nullable Throwable failure;

    /**
     * Binds an ephemeral port on 127.0.0.1 and starts the I/O thread.
     *
     * @param target where to forward to
     * @param fault the initial fault
     * @param name names the thread; the port if null
     */
    public ProxyEngine(InetSocketAddress target, Fault fault, @Nullable String name) {
        this.target = target;
        this.fault = fault;
        try {
            this.selector = Selector.open();
            try {
                this.address = listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
                if (fault.kind() == Fault.Kind.REFUSE) {
                    stopListening();
                }
            } catch (IOException | RuntimeException e) {
                selector.close();
                throw e;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open a port on 127.0.0.1", e);
        }
        this.name = name != null ? name : String.valueOf(address.getPort());
        this.thread = new Thread(this::run, FaultProxy.THREAD_NAME_PREFIX + this.name);
        thread.setDaemon(true);
        thread.start();
        LOG.debug("{}: listening on {}, forwarding to {}, {}", this.name, address, target, fault);
    }

    public InetSocketAddress address() {
        return address;
    }

    public InetSocketAddress target() {
        return target;
    }

    public Fault fault() {
        return fault;
    }

    public long accepted() {
        return accepted.get();
    }

    public int open() {
        return open;
    }

    public long bytesToTarget() {
        return toTarget.get();
    }

    public long bytesFromTarget() {
        return fromTarget.get();
    }

    public long bytesSwallowed() {
        return swallowed.get();
    }

    /** Switches to {@code next} on the I/O thread and returns once it is in effect. */
    public void set(Fault next) {
        call(() -> {
            if (next.kind() == Fault.Kind.REFUSE) {
                stopListening();
            } else if (server == null) {
                try {
                    listen(address);
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot listen on " + address + " again", e);
                }
            }
            LOG.debug("{}: {} -> {}", name, fault, next);
            fault = next;
            long now = System.nanoTime();
            List.copyOf(connections).forEach(c -> c.update(now));
        });
    }

    /** Closes every connection, with a reset or gracefully, and returns once done. */
    public void closeAll(boolean reset) {
        call(() -> List.copyOf(connections).forEach(c -> c.close(reset)));
    }

    /** Stops the I/O thread, which closes everything, and waits for it. Idempotent. */
    public void close() {
        synchronized (lock) {
            stopping = true;
        }
        selector.wakeup();
        try {
            thread.join(JOIN_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            LOG.warn("{}: I/O thread still running {} ms after close()", name, JOIN_MILLIS);
        }
    }

    @Override
    public String toString() {
        return name + ": " + address + " -> " + target + ", " + fault + ", " + open + " open";
    }

    /** Runs {@code action} on the I/O thread and waits for it; its exception, if any, is rethrown here. */
    private void call(Runnable action) {
        Task task = new Task(action, new CompletableFuture<>());
        synchronized (lock) {
            if (stopping) {
                throw closedException();
            }
            tasks.add(task);
        }
        selector.wakeup();
        try {
            task.done().join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException re ? re : e;
        }
    }

    private IllegalStateException closedException() {
        Throwable cause = failure;
        return cause == null ? new IllegalStateException("proxy " + name + " is closed")
                : new IllegalStateException("proxy " + name + " stopped after an error: " + cause, cause);
    }

    private void run() {
        try {
            while (true) {
                long timeout = runTimers();
                if (timeout > 0) {
                    selector.select(timeout);
                } else {
                    selector.select();
                }
                List<Task> batch;
                synchronized (lock) {
                    if (stopping) {
                        return;
                    }
                    batch = List.copyOf(tasks);
                    tasks.clear();
                }
                for (Task task : batch) {
                    runTask(task);
                }
                long now = System.nanoTime();
                for (var it = selector.selectedKeys().iterator(); it.hasNext(); ) {
                    SelectionKey key = it.next();
                    it.remove();
                    if (key.isValid()) {
                        handle(key, now);
                    }
                }
            }
        } catch (IOException | RuntimeException | Error e) {
            failure = e;
            LOG.error("{}: I/O thread failed, closing the proxy", name, e);
        } finally {
            shutdown();
        }
    }

    private void runTask(Task task) throws IOException {
        try {
            task.action().run();
        } catch (RuntimeException e) {
            task.done().completeExceptionally(e);
            return;
        } finally {
            selector.selectNow(); // really closes what the task closed: resets sent, port released
        }
        task.done().complete(null);
    }

    private void handle(SelectionKey key, long now) {
        if (key.attachment() instanceof Connection c) {
            try {
                c.onReady(key, now);
            } catch (RuntimeException e) {
                LOG.warn("{}: unexpected failure, resetting the connection", name, e);
                c.close(true);
            }
            return;
        }
        try {
            accept();
        } catch (IOException e) {
            LOG.warn("{}: accept failed", name, e);
        }
    }

    private void accept() throws IOException {
        SocketChannel client;
        while (server != null && (client = server.accept()) != null) {
            accepted.incrementAndGet();
            if (fault.kind() == Fault.Kind.RESET) {
                reset(client);
                continue;
            }
            SocketChannel upstream;
            try {
                upstream = SocketChannel.open();
            } catch (IOException e) {
                LOG.warn("{}: cannot open a socket to the target", name, e);
                reset(client);
                continue;
            }
            Connection c = new Connection(this, client, upstream);
            connections.add(c);
            open = connections.size();
            try {
                c.start(target, selector);
            } catch (IOException e) {
                LOG.debug("{}: cannot set up a connection", name, e);
                c.close(true);
            }
        }
    }

    /** Wakes the connections whose delayed bytes are due; returns how long select may wait, 0 for ever. */
    private long runTimers() {
        long now = System.nanoTime();
        List<Connection> due = new ArrayList<>(0);
        for (Connection c : connections) {
            if (c.nextDue <= now) {
                due.add(c);
            }
        }
        due.forEach(c -> c.update(now));
        long next = Long.MAX_VALUE;
        for (Connection c : connections) {
            next = Math.min(next, c.nextDue);
        }
        return next == Long.MAX_VALUE ? 0 : Math.max(1, TimeUnit.NANOSECONDS.toMillis(next - now + 999_999));
    }

    ByteBuffer readBuffer() {
        return readBuffer;
    }

    void removed(Connection c) {
        connections.remove(c);
        open = connections.size();
    }

    private InetSocketAddress listen(InetSocketAddress at) throws IOException {
        ServerSocketChannel channel = ServerSocketChannel.open();
        try {
            channel.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            channel.bind(at, 128);
            channel.configureBlocking(false);
            channel.register(selector, SelectionKey.OP_ACCEPT);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
        server = channel;
        return (InetSocketAddress) channel.getLocalAddress();
    }

    private void stopListening() throws UncheckedIOException {
        ServerSocketChannel channel = server;
        server = null;
        if (channel != null) {
            try {
                channel.close();
                selector.selectNow(); // deregisters, and so really closes, the port now
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private void shutdown() {
        synchronized (lock) {
            stopping = true;
        }
        List.copyOf(connections).forEach(c -> c.close(false));
        try {
            stopListening();
        } catch (UncheckedIOException e) {
            LOG.debug("{}: closing the port failed", name, e);
        }
        try {
            selector.close();
        } catch (IOException e) {
            LOG.debug("{}: closing the selector failed", name, e);
        }
        synchronized (lock) {
            tasks.forEach(t -> t.done().completeExceptionally(closedException()));
            tasks.clear();
        }
        LOG.debug("{}: closed", name);
    }

    /** Closes {@code channel} with a TCP RST. */
    static void reset(SocketChannel channel) {
        try {
            channel.setOption(StandardSocketOptions.SO_LINGER, 0);
        } catch (IOException | RuntimeException ignored) {
            // closing is what matters
        }
        try {
            channel.close();
        } catch (IOException ignored) {
            // nothing left to do
        }
    }

    /** Something for the I/O thread to do, and its outcome. */
    private record Task(Runnable action, CompletableFuture<@Nullable Void> done) {}
}
