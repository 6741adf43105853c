package io.wslb.examples;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The {@code echo} command: starts one or more WebSocket echo servers, to try the proxy without any other
 * software.
 *
 * <pre>{@code java -jar wslb-examples.jar echo --port 9101 --port 9102}</pre>
 */
final class EchoBackendCommand {

    private EchoBackendCommand() {}

    static String help() {
        return """
            usage: java -jar wslb-examples.jar echo [--host HOST] [--port PORT ...]

            Starts WebSocket echo servers (text and binary, messages up to 16 MiB) and prints one
            'echo listening on ws://HOST:PORT/' line each.

              --host HOST   address to bind (default 127.0.0.1)
              --port PORT   a port to listen on; repeat for several servers; 0 picks a free port (default 9101)
              --help        this text""";
    }

    static int run(String[] args) throws Exception {
        Options options;
        List<Integer> ports = new ArrayList<>();
        try {
            options = Options.parse(args, Set.of("host", "port"), Set.of("help"));
            if (options.has("help")) {
                System.out.println(help());
                return 0;
            }
            for (String raw : options.all("port").isEmpty() ? List.of("9101") : options.all("port")) {
                ports.add(Options.parsePort("--port", raw));
            }
        } catch (Options.UsageException e) {
            System.err.println(ProxyLauncher.usageError("echo", e));
            return 2;
        }
        String host = options.get("host", "127.0.0.1");
        List<EchoServer> servers = new ArrayList<>();
        for (int port : ports) {
            EchoServer server;
            try {
                server = EchoServer.start(host, port, null);
            } catch (Exception e) {
                // Stop those already started: their threads would keep the process running.
                for (EchoServer started : servers) {
                    started.close();
                }
                System.err.println(ProxyLauncher.usageError("echo", new Options.UsageException(
                    Bind.describe("--host", "--port", host, port, e))));
                return 2;
            }
            servers.add(server);
            System.out.println("echo listening on " + server.uri());
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
