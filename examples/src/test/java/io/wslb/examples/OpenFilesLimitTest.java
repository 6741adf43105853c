package io.wslb.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The launcher under a low open-files limit: a child process started with {@code ulimit -n 600}, an echo backend in
 * this JVM, and more clients than the descriptors fit. Each client is a raw socket, so that every status line and
 * frame is seen as sent.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class OpenFilesLimitTest {

    private static final int OPEN_FILES = 600;
    private static final Pattern LISTENING = Pattern.compile("listening on ws://127\\.0\\.0\\.1:(\\d+)/");
    private static final Pattern CAP = Pattern.compile("at most (\\d+) proxied connections at once");

    private EchoServer backend;
    private Process proxy;
    private final List<String> output = new CopyOnWriteArrayList<>();
    private final AtomicInteger lines = new AtomicInteger();
    private final List<Socket> clients = new ArrayList<>();
    @org.junit.jupiter.api.io.TempDir
    Path classes;

    @BeforeEach
    void startBackend() throws Exception {
        backend = EchoServer.start("127.0.0.1", 0, null);
    }

    @AfterEach
    void stopAll() throws Exception {
        for (Socket client : clients) {
            client.close();
        }
        if (proxy != null) {
            proxy.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        backend.close();
    }

    @Test
    void underALowOpenFilesLimit_theDefaultCapAnswers503BeyondIt_existingConnectionsEcho_andTheLogStaysShort()
        throws Exception {
        int port = startProxy();
        Matcher cap = output.stream().map(CAP::matcher).filter(Matcher::find).findFirst().orElseThrow(
            () -> new AssertionError("no start-up line with the derived cap in " + output));
        int max = Integer.parseInt(cap.group(1));
        assertThat(max).as("the cap fits 2 descriptors per connection under the limit").isLessThan(OPEN_FILES / 2);

        int upgraded = 0;
        int refused = 0;
        int other = 0;
        for (int i = 0; i < max + 100; i++) {
            Socket client = new Socket("127.0.0.1", port);
            client.setSoTimeout(5_000);
            String head = upgrade(client);
            if (head.startsWith("HTTP/1.1 101")) {
                upgraded++;
                clients.add(client);
            } else if (head.startsWith("HTTP/1.1 503") && head.contains("\r\nRetry-After: ")) {
                refused++;
                client.close(); // as a client does on a 503
            } else {
                other++;
                client.close();
            }
        }
        System.out.printf("open-files limit %d: cap %d, %d upgraded, %d refused with 503, %d other; %d log lines%n",
            OPEN_FILES, max, upgraded, refused, other, lines.get());
        assertThat(upgraded).isEqualTo(max);
        assertThat(refused).as("503 with Retry-After beyond the cap").isEqualTo(100);
        assertThat(other).isZero();
        for (Socket client : List.of(clients.get(0), clients.get(max / 2), clients.get(max - 1))) {
            assertThat(echo(client, "still here")).isEqualTo("still here");
        }

        for (int i = 0; i < 10; i++) {
            clients.remove(clients.size() - 1).close();
        }
        long closed = System.nanoTime();
        Socket late = new Socket("127.0.0.1", port);
        clients.add(late);
        late.setSoTimeout(5_000);
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            if (!late.isClosed() && upgrade(late).startsWith("HTTP/1.1 101")) {
                return true;
            }
            clients.remove(late);
            late.close();
            Socket again = new Socket("127.0.0.1", port);
            again.setSoTimeout(5_000);
            clients.add(again);
            return upgrade(again).startsWith("HTTP/1.1 101");
        });
        System.out.printf("a new connection was proxied %d ms after 10 others closed%n",
            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - closed));
        assertThat(echo(clients.get(clients.size() - 1), "a newcomer")).isEqualTo("a newcomer");
        assertThat(lines.get()).as("log lines: %s", output).isLessThanOrEqualTo(4);
    }

    @Test
    void whenDescriptorsRunOut_acceptingPauses_theLogHasOneLineAndASummary_andWaitingClientsAreServedOnceSomeClose()
        throws Exception {
        // A cap above what the descriptors fit, and no slowloris deadline: idle clients alone exhaust them.
        int port = startProxy("--max-connections", "100000", "--handshake-timeout", "0");
        List<Socket> proxied = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            Socket client = new Socket("127.0.0.1", port);
            client.setSoTimeout(5_000);
            assertThat(upgrade(client)).startsWith("HTTP/1.1 101");
            proxied.add(client);
        }
        clients.addAll(proxied);

        // More idle connections than the limit: the kernel completes them all (its accept queue holds thousands),
        // the proxy accepts until its descriptors run out, and the rest wait in the queue.
        List<Socket> idle = new ArrayList<>();
        for (int i = 0; i < OPEN_FILES + 100; i++) {
            idle.add(new Socket("127.0.0.1", port));
        }
        clients.addAll(idle);
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
            assertThat(output).anyMatch(line -> line.contains("Too many open files")));
        // Stay out of descriptors a while, the log holding at most 3 lines throughout: Jetty alone logged thousands
        // of stack traces a second here.
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(4)).until(() -> lines.get() <= 3);
        int linesWhileOut = lines.get();
        System.out.printf("out of descriptors: %d log lines after 3 s: %s%n", linesWhileOut, output);
        assertThat(linesWhileOut).as("log lines while out of descriptors: %s", output).isLessThanOrEqualTo(3);
        for (Socket client : proxied) {
            assertThat(echo(client, "still here")).isEqualTo("still here");
        }

        long freed = System.nanoTime();
        for (int i = 0; i < 300; i++) {
            idle.get(i).close();
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            try (Socket fresh = new Socket("127.0.0.1", port)) {
                fresh.setSoTimeout(2_000);
                return upgrade(fresh).startsWith("HTTP/1.1 101") && echo(fresh, "served").equals("served");
            }
        });
        System.out.printf("a new client was proxied %d ms after 300 idle connections closed%n",
            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - freed));
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
            assertThat(output).anyMatch(line -> line.matches(".*accepting connections again; \\d+ accepts failed.*")));
        System.out.printf("log: %d lines: %s%n", lines.get(), output);
        assertThat(lines.get()).as("log lines: %s", output).isLessThanOrEqualTo(3);
    }

    /** Starts the launcher with a low open-files limit and returns its port. */
    private int startProxy(String... more) throws Exception {
        List<String> command = new ArrayList<>(List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-cp", childClasspath(), Main.class.getName(), "proxy",
            "--listen", "127.0.0.1:0", "--backend", backend.uri().toString()));
        command.addAll(List.of(more));
        StringBuilder shell = new StringBuilder("ulimit -n " + OPEN_FILES + " && exec");
        for (String arg : command) {
            shell.append(" '").append(arg.replace("'", "'\\''")).append('\'');
        }
        proxy = new ProcessBuilder("bash", "-c", shell.toString()).redirectErrorStream(true).start();
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(proxy.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    // Counted, and only the first lines kept: a flooding log must not flood this JVM too.
                    if (lines.incrementAndGet() <= 200) {
                        output.add(line);
                    }
                }
            } catch (IOException ended) {
                // the child is gone
            }
        }, "proxy-output");
        reader.setDaemon(true);
        reader.start();
        await().atMost(Duration.ofSeconds(30)).until(() -> output.stream().anyMatch(l -> LISTENING.matcher(l).find())
            || !proxy.isAlive());
        Matcher listening = output.stream().map(LISTENING::matcher).filter(Matcher::find).findFirst()
            .orElseThrow(() -> new AssertionError("the launcher did not start: " + output));
        return Integer.parseInt(listening.group(1));
    }

    /**
     * This JVM's classpath packed into one jar, as the launcher's shaded jar is: the proxy then holds one descriptor
     * for its classes, whatever the number of libraries, and can load a class while it has no descriptor to spare
     * (a class in a directory needs a file opened for it, and the JVM remembers such a failure as a
     * NoClassDefFoundError for good). The first entry of a name wins, as on the classpath; service files are joined.
     */
    private String childClasspath() throws IOException {
        Path jar = classes.resolve("launcher-shaded.jar");
        java.util.Set<String> written = new java.util.HashSet<>();
        java.util.Map<String, java.io.ByteArrayOutputStream> services = new java.util.LinkedHashMap<>();
        try (java.util.jar.JarOutputStream out = new java.util.jar.JarOutputStream(java.nio.file.Files.newOutputStream(jar))) {
            for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
                Path path = Path.of(entry);
                if (java.nio.file.Files.isDirectory(path)) {
                    try (java.util.stream.Stream<Path> files = java.nio.file.Files.walk(path)) {
                        for (Path file : (Iterable<Path>) files.filter(java.nio.file.Files::isRegularFile)::iterator) {
                            try (java.io.InputStream in = java.nio.file.Files.newInputStream(file)) {
                                copy(path.relativize(file).toString().replace('\\', '/'), in, out, written, services);
                            }
                        }
                    }
                } else if (java.nio.file.Files.isRegularFile(path)) {
                    try (java.util.jar.JarFile source = new java.util.jar.JarFile(path.toFile())) {
                        for (java.util.jar.JarEntry e : java.util.Collections.list(source.entries())) {
                            if (!e.isDirectory()) {
                                try (java.io.InputStream in = source.getInputStream(e)) {
                                    copy(e.getName(), in, out, written, services);
                                }
                            }
                        }
                    }
                }
            }
            for (java.util.Map.Entry<String, java.io.ByteArrayOutputStream> service : services.entrySet()) {
                out.putNextEntry(new java.util.jar.JarEntry(service.getKey()));
                service.getValue().writeTo(out);
                out.closeEntry();
            }
        }
        return jar.toString();
    }

    private static void copy(String name, java.io.InputStream in, java.util.jar.JarOutputStream out, java.util.Set<String> written,
                             java.util.Map<String, java.io.ByteArrayOutputStream> services) throws IOException {
        String upper = name.toUpperCase(java.util.Locale.ROOT);
        if (upper.equals("META-INF/MANIFEST.MF") || name.endsWith("module-info.class") || upper.startsWith("META-INF/VERSIONS/")
            || upper.startsWith("META-INF/") && (upper.endsWith(".SF") || upper.endsWith(".RSA") || upper.endsWith(".DSA"))) {
            return;
        }
        if (name.startsWith("META-INF/services/")) {
            java.io.ByteArrayOutputStream joined = services.computeIfAbsent(name, k -> new java.io.ByteArrayOutputStream());
            in.transferTo(joined);
            joined.write('\n');
            return;
        }
        if (written.add(name)) {
            out.putNextEntry(new java.util.jar.JarEntry(name));
            in.transferTo(out);
            out.closeEntry();
        }
    }

    /** Sends an upgrade request; returns the response head, or "no answer" if none comes within the timeout. */
    private static String upgrade(Socket client) throws IOException {
        byte[] key = new byte[16];
        ThreadLocalRandom.current().nextBytes(key);
        client.getOutputStream().write(("GET /chat HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
            + "Connection: Upgrade\r\nSec-WebSocket-Key: " + Base64.getEncoder().encodeToString(key)
            + "\r\nSec-WebSocket-Version: 13\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        try {
            return readHead(client.getInputStream());
        } catch (SocketTimeoutException e) {
            return "no answer";
        }
    }

    private static String readHead(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (head.indexOf("\r\n\r\n") < 0) {
            int b = in.read();
            if (b < 0) {
                return head.length() == 0 ? "closed" : head.toString();
            }
            head.append((char) b);
        }
        return head.toString();
    }

    /** Sends a masked text frame and reads the echoed, unmasked one (short texts only). */
    private static String echo(Socket client, String text) throws IOException {
        byte[] payload = text.getBytes(StandardCharsets.UTF_8);
        byte[] mask = {1, 2, 3, 4};
        byte[] frame = new byte[6 + payload.length];
        frame[0] = (byte) 0x81;
        frame[1] = (byte) (0x80 | payload.length);
        System.arraycopy(mask, 0, frame, 2, 4);
        for (int i = 0; i < payload.length; i++) {
            frame[6 + i] = (byte) (payload[i] ^ mask[i % 4]);
        }
        OutputStream out = client.getOutputStream();
        out.write(frame);
        InputStream in = client.getInputStream();
        int first = in.read();
        int length = in.read() & 0x7F;
        byte[] echoed = in.readNBytes(length);
        assertThat(first).as("a final text frame").isEqualTo(0x81);
        return new String(echoed, StandardCharsets.UTF_8);
    }
}
