package io.wslb.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * A server process started by {@code compare} or {@code soak}. It runs under coreutils {@code timeout}, so it ends by
 * itself even if the bench is killed without running its shutdown hook; its merged stdout/stderr goes to a log file,
 * and it counts as ready when it has printed the expected number of {@code listening on ws://HOST:PORT} lines (Java
 * servers), or when its port accepts connections (NGINX, HAProxy).
 */
final class Child implements AutoCloseable {
    static final Pattern LISTENING = Pattern.compile("listening on wss?://([^\\s:/]+):(\\d+)");
    private static final List<Child> LIVE = new ArrayList<>();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            List<Child> all;
            synchronized (LIVE) {
                all = new ArrayList<>(LIVE);
            }
            all.forEach(Child::close);
        }, "bench-children-cleanup"));
    }

    final String name;
    final Process process;
    final Path log;
    final List<Integer> ports = new ArrayList<>();
    private final LinkedBlockingQueue<Integer> readyPorts = new LinkedBlockingQueue<>();
    private volatile long pid = -1;
    private volatile @Nullable Watched watched;
    private final List<Runnable> onClose = new ArrayList<>();

    private Child(String name, Process process, Path log) {
        this.name = name;
        this.process = process;
        this.log = log;
    }

    static Child start(String name, List<String> command, Duration lifetime, Path logDir, int readyLines,
                       Duration readyTimeout) throws IOException, InterruptedException {
        Child child = launch(name, command, lifetime, logDir);
        Process p = child.process;
        Path log = child.log;
        long deadline = System.nanoTime() + readyTimeout.toNanos();
        while (child.ports.size() < readyLines) {
            long left = deadline - System.nanoTime();
            Integer port = left > 0 ? child.readyPorts.poll(Math.min(left, TimeUnit.MILLISECONDS.toNanos(200)),
                TimeUnit.NANOSECONDS) : null;
            if (port != null) {
                child.ports.add(port);
            } else if (!p.isAlive() || left <= 0) {
                child.close();
                throw new IOException(name + " did not become ready (" + (p.isAlive() ? "timeout" : "exited")
                    + "); command: " + String.join(" ", command) + "; see " + log);
            }
        }
        child.pid = child.findJvmPid();
        return child;
    }

    /** Starts {@code command} under coreutils {@code timeout} (so it cannot outlive the run), logging to a file. */
    private static Child launch(String name, List<String> command, Duration lifetime, Path logDir) throws IOException {
        Files.createDirectories(logDir);
        List<String> cmd = new ArrayList<>(List.of("timeout", "-k", "10", Long.toString(Math.max(1, lifetime.toSeconds()))));
        cmd.addAll(command);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getOutputStream().close();
        Child child = new Child(name, p, logDir.resolve(name + ".log"));
        synchronized (LIVE) {
            LIVE.add(child);
        }
        Thread pump = new Thread(child::pump, "log-" + name);
        pump.setDaemon(true);
        pump.start();
        return child;
    }

    /**
     * Starts a server that prints nothing in particular (NGINX, HAProxy) and counts it as ready when 127.0.0.1:{@code
     * port} accepts a TCP connection.
     */
    static Child startUntilPort(String name, List<String> command, Duration lifetime, Path logDir, int port,
                                Duration readyTimeout) throws IOException, InterruptedException {
        Child child = launch(name, command, lifetime, logDir);
        Process p = child.process;
        Path log = child.log;
        long deadline = System.nanoTime() + readyTimeout.toNanos();
        while (!accepts(port)) {
            if (!p.isAlive() || System.nanoTime() > deadline) {
                child.close();
                throw new IOException(name + " did not become ready (" + (p.isAlive() ? "timeout" : "exited")
                    + "); command: " + String.join(" ", command) + "; see " + log);
            }
            Thread.sleep(50);
        }
        child.ports.add(port);
        child.pid = process0(p);
        return child;
    }

    private static long process0(Process wrapper) {
        return wrapper.toHandle().children().findFirst().map(ProcessHandle::pid).orElse(wrapper.pid());
    }

    static boolean accepts(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (IOException x) {
            return false;
        }
    }

    /** Runs {@code r} when this child is closed (after the process is gone), e.g. to delete its temporary files. */
    void onClose(Runnable r) {
        synchronized (onClose) {
            onClose.add(r);
        }
    }

    /**
     * Takes (again) the set of processes to measure: the command under the {@code timeout} wrapper and its
     * descendants (NGINX: master and workers). Call it once the server has answered a request, so that the workers
     * exist.
     */
    Watched snapshotWatched() {
        long root = process0(process);
        Watched w = Watched.of(name, root);
        if (!w.isJvm() && pid != root) {
            w = new Watched(name, w.pids(), pid);
        }
        watched = w;
        return w;
    }

    /** The processes to measure (see {@link #snapshotWatched()}). */
    Watched watched() {
        Watched w = watched;
        return w != null ? w : snapshotWatched();
    }

    /** The process to measure: the deepest {@code java} descendant of the {@code timeout} wrapper. */
    private long findJvmPid() {
        ProcessHandle best = null;
        int bestDepth = -1;
        List<ProcessHandle> level = new ArrayList<>(List.of(process.toHandle()));
        for (int depth = 0; depth < 6 && !level.isEmpty(); depth++) {
            List<ProcessHandle> nextLevel = new ArrayList<>();
            for (ProcessHandle h : level) {
                Optional<String> cmd = h.info().command();
                if (depth > 0 && cmd.isPresent() && cmd.get().endsWith("java") && depth > bestDepth) {
                    best = h;
                    bestDepth = depth;
                }
                h.children().forEach(nextLevel::add);
            }
            level = nextLevel;
        }
        if (best != null) {
            return best.pid();
        }
        return process.toHandle().children().findFirst().map(ProcessHandle::pid).orElse(process.pid());
    }

    long pid() {
        return pid;
    }

    /** Whether the server is still running (the wrapper and the process under it). */
    boolean alive() {
        return process.isAlive() && ProcessHandle.of(process0(process)).map(ProcessHandle::isAlive).orElse(false);
    }

    int port() {
        return ports.get(0);
    }

    private void pump() {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
             PrintWriter w = new PrintWriter(Files.newBufferedWriter(log, StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                w.println(line);
                w.flush();
                Matcher m = LISTENING.matcher(line);
                if (m.find()) {
                    readyPorts.add(Integer.parseInt(m.group(2)));
                }
            }
        } catch (IOException ignored) {
            // the process went away
        }
    }

    @Override
    public void close() {
        synchronized (LIVE) {
            LIVE.remove(this);
        }
        if (!process.isAlive()) {
            runOnClose();
            return;
        }
        // SIGTERM to `timeout`, which forwards it to the command; then make sure every descendant is gone.
        List<ProcessHandle> descendants = process.toHandle().descendants().toList();
        process.destroy();
        try {
            if (!process.waitFor(15, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException x) {
            Thread.currentThread().interrupt();
        }
        for (ProcessHandle d : descendants) {
            if (d.isAlive()) {
                d.destroyForcibly();
            }
        }
        runOnClose();
    }

    private void runOnClose() {
        List<Runnable> rs;
        synchronized (onClose) {
            rs = new ArrayList<>(onClose);
            onClose.clear();
        }
        for (Runnable r : rs) {
            try {
                r.run();
            } catch (RuntimeException x) {
                System.err.println("cleanup of " + name + " failed: " + x);
            }
        }
    }
}
