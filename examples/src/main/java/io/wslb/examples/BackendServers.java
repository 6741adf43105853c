package io.wslb.examples;

import java.util.ArrayList;
import java.util.List;

/**
 * What the backend commands ({@code echo}, {@code chat-backend}) share: start one server per port, print a line for
 * each, stop them all on a usage error or at exit, and wait.
 *
 * <pre>{@code
 * return BackendServers.serve("echo", "127.0.0.1", List.of(9101, 9102), (host, port) -> EchoServer.start(host, port, null),
 *     server -> "echo listening on " + server.uri());
 * }</pre>
 */
final class BackendServers {

    /** Starts one server. */
    @FunctionalInterface
    interface Starter<T extends AutoCloseable> {
        T start(String host, int port) throws Exception;
    }

    /** The line printed once a server listens. */
    @FunctionalInterface
    interface Banner<T> {
        String line(T server);
    }

    private BackendServers() {}

    /**
     * @return 2 when a server cannot start (the others are stopped, the error printed as the command's); otherwise
     *     it does not return before the process is stopped
     */
    static <T extends AutoCloseable> int serve(String command, String host, List<Integer> ports, Starter<T> starter, Banner<T> banner)
        throws Exception {
        List<T> servers = new ArrayList<>();
        for (int port : ports) {
            T server;
            try {
                server = starter.start(host, port);
            } catch (Exception e) {
                // Stop those already started: their threads would keep the process running.
                for (T started : servers) {
                    started.close();
                }
                System.err.println(ProxyLauncher.usageError(command, new Options.UsageException(
                    Bind.describe("--host", "--port", host, port, e))));
                return 2;
            }
            servers.add(server);
            System.out.println(banner.line(server));
        }
        System.out.flush();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> servers.forEach(s -> {
            try {
                s.close();
            } catch (Exception ignored) {
                // stopping anyway
            }
        })));
        Thread.currentThread().join();
        return 0;
    }
}
