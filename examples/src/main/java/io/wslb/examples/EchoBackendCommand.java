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
        return BackendServers.serve("echo", options.get("host", "127.0.0.1"), ports, (host, port) -> EchoServer.start(host, port, null),
            server -> "echo listening on " + server.uri());
    }
}
