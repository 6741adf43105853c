package io.wslb.jetty.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;

/**
 * What a proxy holds when nothing is going on: its pool threads, the open files of this JVM (every socket of the
 * test's clients, proxy and backends is one), and the buffers taken from its pool and not given back (zero). Take
 * it after a warm-up with {@link #take}, and after the abuse check with {@link #assertRestored} that all three are
 * back, and that no tunnel is left open. Needs a proxy made by {@link LoadBalancerProxy#handlerTracked}.
 */
public final class Baseline {

    private final LoadBalancerProxy proxy;
    private final int threads;
    private final long files;

    private Baseline(LoadBalancerProxy proxy, int threads, long files) {
        this.proxy = proxy;
        this.threads = threads;
        this.files = files;
    }

    /**
     * Waits until nothing is open and no buffer is out, then records the threads and open files.
     *
     * @param proxy a tracked proxy
     * @return the baseline
     */
    public static Baseline take(LoadBalancerProxy proxy) {
        proxy.awaitNothingOpen(Duration.ofSeconds(10));
        await("no buffer out of the proxy's pool before the baseline").atMost(Duration.ofSeconds(10))
            .until(() -> proxy.unreleasedBuffers() == 0);
        return new Baseline(proxy, proxy.poolThreads(), openFiles());
    }

    /** @return the proxy's pool threads at the baseline */
    public int threads() {
        return threads;
    }

    /** @return open files of this JVM at the baseline */
    public long files() {
        return files;
    }

    /**
     * Asserts, waiting up to {@code atMost}, that no tunnel is open, no buffer is out of the pool, and pool threads
     * and open files are no more than at the baseline.
     *
     * @param atMost how long the proxy may take to let go
     */
    public void assertRestored(Duration atMost) {
        proxy.awaitNothingOpen(atMost);
        await("threads, files and buffers back to the baseline").atMost(atMost).untilAsserted(() -> {
            assertThat(proxy.handler().getOpenConnections()).as("tunnels still open").isZero();
            assertThat(proxy.unreleasedBuffers()).as("buffers not given back to the pool").isZero();
            assertThat(proxy.poolThreads()).as("proxy pool threads, %d at the baseline", threads).isLessThanOrEqualTo(threads);
            assertThat(openFiles()).as("open files of this JVM, %d at the baseline", files).isLessThanOrEqualTo(files);
        });
    }

    /** @return the number of open file descriptors of this JVM (from /proc/self/fd) */
    public static long openFiles() {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public String toString() {
        return "Baseline[threads=" + threads + ", files=" + files + "]";
    }
}
