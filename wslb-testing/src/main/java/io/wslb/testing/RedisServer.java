package io.wslb.testing;

import static java.util.Objects.requireNonNull;

import io.wslb.testing.internal.Resp;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * A real Redis for tests: Debian's {@code redis-server} started as a child process on a free port of
 * {@code 127.0.0.1}, with persistence off and a temporary directory of its own, that a test can stop, freeze and
 * restart to inject outages. {@link #start()} returns once the server answers {@code PING}.
 *
 * <pre>{@code
 * try (RedisServer redis = RedisServer.start()) {
 *     URI uri = redis.uri();                  // redis://127.0.0.1:PORT
 *     redis.command("SET", "greeting", "hi");
 *     redis.freeze();                         // SIGSTOP: connections stay open, nothing answers
 *     boolean answers = redis.ping(Duration.ofMillis(200));   // false
 *     redis.thaw();                           // SIGCONT: answers again, data intact
 *     redis.stop();                           // SIGKILL: connections refused, data gone
 *     redis.restart();                        // an empty server on the same port
 * }
 * }</pre>
 *
 * <p>JUnit 5 tests can let {@link RedisServerExtension} start one per test class. The methods are thread-safe.
 * {@link #close()} kills the process (thawing it first) and deletes its directory; a JVM that exits normally kills
 * the servers left open too.
 */
public final class RedisServer implements AutoCloseable {

    /** The message of the {@link IllegalStateException} thrown when no {@code redis-server} can be found. */
    public static final String NOT_INSTALLED = "redis-server not found: install Debian's redis-server (.ci/run does)";

    private static final Duration READY_WITHIN = Duration.ofSeconds(10);
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration EXIT_WITHIN = Duration.ofSeconds(10);
    private static final int PORT_ATTEMPTS = 5;
    private static final Set<RedisServer> OPEN = ConcurrentHashMap.newKeySet();

    static {
        // A test run that ends without closing a server must not leave redis-server processes behind.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> OPEN.forEach(RedisServer::close), "wslb-redis-server-reaper"));
    }

    private final Path executable;
    private final Path dir;
    private final int port;
    private @Nullable Process process;
    private boolean frozen;
    private boolean closed;

    private RedisServer(Path executable, Path dir, int port) {
        this.executable = executable;
        this.dir = dir;
        this.port = port;
    }

    /**
     * Starts a server on a free port of {@code 127.0.0.1} and waits until it answers {@code PING}.
     *
     * <pre>{@code RedisServer redis = RedisServer.start();}</pre>
     *
     * @return the running server
     * @throws IllegalStateException with the message {@link #NOT_INSTALLED} if no {@code redis-server} is found, or
     *     if the server does not answer within 10 seconds (the message then quotes its log)
     * @throws UncheckedIOException if no temporary directory or port can be had
     */
    public static RedisServer start() {
        Path executable = findExecutable();
        Path dir;
        try {
            dir = Files.createTempDirectory("wslb-redis-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a directory for redis-server", e);
        }
        IllegalStateException lastFailure = null;
        for (int attempt = 0; attempt < PORT_ATTEMPTS; attempt++) {
            RedisServer server = new RedisServer(executable, dir, freePort());
            try {
                server.launch();
                OPEN.add(server);
                return server;
            } catch (PortTakenException e) {
                // Another process took the port between our probe and redis-server's bind: try another one.
                lastFailure = e;
            } catch (RuntimeException e) {
                deleteTree(dir);
                throw e;
            }
        }
        deleteTree(dir);
        throw requireNonNull(lastFailure);
    }

    /** {@return the URI a Redis client connects to: {@code redis://127.0.0.1:PORT}} */
    public URI uri() {
        return URI.create("redis://127.0.0.1:" + port);
    }

    /** {@return the port; it stays the same across {@link #restart()}} */
    public int port() {
        return port;
    }

    /** {@return {@code 127.0.0.1} and the port} */
    public InetSocketAddress address() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
    }

    /**
     * @return the process id of the running server
     * @throws IllegalStateException if the server is stopped or closed
     */
    public synchronized long pid() {
        return running().pid();
    }

    /** {@return whether a server process is running (frozen or not)} */
    public synchronized boolean isRunning() {
        return process != null && process.isAlive();
    }

    /** {@return whether the server is frozen ({@link #freeze()} without {@link #thaw()} since)} */
    public synchronized boolean isFrozen() {
        return frozen;
    }

    /**
     * Asks the server {@code PING} over a new connection.
     *
     * @param timeout for the connect and for the answer
     * @return whether it answered {@code PONG} in time; false when it is stopped or frozen
     */
    public boolean ping(Duration timeout) {
        requireNonNull(timeout, "timeout");
        try {
            return "PONG".equals(Resp.call(address(), timeout, "PING"));
        } catch (IOException | IllegalStateException e) {
            return false;
        }
    }

    /**
     * Runs one command over a new connection, for a test to plant or read raw values.
     *
     * <pre>{@code String ttl = redis.command("PTTL", "wslb:session:user-1");}</pre>
     *
     * @param args the command and its arguments, such as {@code "SET", "key", "value"}
     * @return a simple or bulk string reply as text, an integer reply in decimal, or null for a nil reply
     * @throws IllegalStateException if the server answers with an error, or with an array (not read by this fixture)
     * @throws UncheckedIOException if the server does not answer within 5 seconds
     */
    public @Nullable String command(String... args) {
        if (args.length == 0) {
            throw new IllegalArgumentException("a command is required");
        }
        try {
            return Resp.call(address(), COMMAND_TIMEOUT, args);
        } catch (IOException e) {
            throw new UncheckedIOException("redis-server on port " + port + " did not answer " + args[0], e);
        }
    }

    /**
     * Freezes the server with {@code SIGSTOP}: its port accepts connections (the kernel does) and open connections
     * stay up, but nothing is answered, as with a server stuck in a long command or a paused VM.
     *
     * @throws IllegalStateException if the server is stopped or closed
     */
    public synchronized void freeze() {
        signal("-STOP", running().pid());
        frozen = true;
    }

    /**
     * Thaws a frozen server with {@code SIGCONT}: it answers what it was sent meanwhile, its data intact. Harmless
     * when it is not frozen.
     *
     * @throws IllegalStateException if the server is stopped or closed
     */
    public synchronized void thaw() {
        signal("-CONT", running().pid());
        frozen = false;
    }

    /**
     * Kills the server ({@code SIGKILL}) and waits for it to exit: connections are reset, new ones refused, and its
     * data is gone (persistence is off). Harmless when it is already stopped.
     *
     * @throws IllegalStateException if the server is closed
     */
    public synchronized void stop() {
        checkOpen();
        kill();
    }

    /**
     * Starts a new, empty server on the same port (stopping the running one first, if any) and waits until it
     * answers {@code PING}.
     *
     * @throws IllegalStateException if the server is closed, if another process took the port, or if the new server
     *     does not answer within 10 seconds
     */
    public synchronized void restart() {
        checkOpen();
        kill();
        launch();
    }

    /** Kills the server (thawing it first) and deletes its directory. Harmless when called again. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        kill();
        deleteTree(dir);
        OPEN.remove(this);
    }

    @Override
    public String toString() {
        return "redis-server(" + uri() + (closed ? ", closed" : process == null ? ", stopped" : frozen ? ", frozen" : "") + ")";
    }

    private void launch() {
        Path log = dir.resolve("redis.log");
        List<String> command = List.of(executable.toString(), "--port", Integer.toString(port), "--bind", "127.0.0.1",
            "--save", "", "--appendonly", "no", "--dir", dir.toString(), "--daemonize", "no");
        Process started;
        try {
            started = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + executable, e);
        }
        process = started;
        frozen = false;
        long deadline = System.nanoTime() + READY_WITHIN.toNanos();
        while (!ping(Duration.ofMillis(200))) {
            try {
                // Waiting for the process doubles as the pause between polls and notices at once a server that quit.
                if (started.waitFor(20, TimeUnit.MILLISECONDS)) {
                    process = null;
                    String tail = tail(log);
                    if (tail.contains("Address already in use")) {
                        throw new PortTakenException("port " + port + " is taken; redis-server said:\n" + tail);
                    }
                    throw new IllegalStateException("redis-server exited with " + started.exitValue() + " before answering PING:\n" + tail);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                kill();
                throw new IllegalStateException("interrupted while waiting for redis-server on port " + port, e);
            }
            if (System.nanoTime() > deadline) {
                kill();
                throw new IllegalStateException("redis-server on port " + port + " did not answer PING within " + READY_WITHIN
                    + "; its log:\n" + tail(log));
            }
        }
    }

    private void kill() {
        Process running = process;
        if (running == null) {
            return;
        }
        if (frozen && running.isAlive()) {
            // Thawed first, so that the kill does not depend on how the platform treats a stopped process.
            signal("-CONT", running.pid());
            frozen = false;
        }
        running.destroyForcibly();
        try {
            running.onExit().get(EXIT_WITHIN.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("redis-server (pid " + running.pid() + ") did not exit within " + EXIT_WITHIN, e);
        }
        process = null;
        frozen = false;
    }

    private static void signal(String signal, long pid) {
        try {
            Process kill = new ProcessBuilder("kill", signal, Long.toString(pid)).redirectErrorStream(true).start();
            String output = new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (kill.waitFor() != 0) {
                throw new IllegalStateException("kill " + signal + " " + pid + " failed: " + output);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run kill " + signal + " " + pid, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while sending " + signal + " to redis-server", e);
        }
    }

    private Process running() {
        checkOpen();
        Process running = process;
        if (running == null || !running.isAlive()) {
            throw new IllegalStateException(this + " is not running");
        }
        return running;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("redis-server on port " + port + " is closed");
        }
    }

    private static Path findExecutable() {
        List<String> dirs = new ArrayList<>();
        String path = System.getenv("PATH");
        if (path != null) {
            dirs.addAll(List.of(path.split(File.pathSeparator)));
        }
        dirs.addAll(List.of("/usr/bin", "/usr/sbin", "/usr/local/bin"));
        return findIn(dirs);
    }

    /** {@return the first executable {@code redis-server} in {@code dirs}} */
    static Path findIn(List<String> dirs) {
        for (String d : dirs) {
            if (d.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(d, "redis-server");
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException(NOT_INSTALLED);
    }

    private static int freePort() {
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return probe.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port on 127.0.0.1", e);
        }
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // A directory left in the temporary folder is harmless; the process is what must not be left.
        }
    }

    /** redis-server could not bind its port. */
    private static final class PortTakenException extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        PortTakenException(String message) {
            super(message);
        }
    }
}
