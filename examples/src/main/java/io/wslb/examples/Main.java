package io.wslb.examples;

import java.util.Arrays;

/**
 * Entry point of {@code wslb-examples.jar}: {@code demo} (the default), {@code proxy}, {@code echo},
 * {@code chat-backend}, {@code custom-strategy}.
 *
 * <pre>{@code
 * java -jar examples/target/wslb-examples.jar                       # the demo on http://127.0.0.1:8080/
 * java -jar examples/target/wslb-examples.jar proxy --listen 127.0.0.1:9203 \
 *      --backend ws://127.0.0.1:9101 --backend ws://127.0.0.1:9102
 * }</pre>
 */
public final class Main {

    private Main() {}

    /**
     * @param args a command and its options; {@code --help} lists them
     * @throws Exception when a command fails to start
     */
    public static void main(String[] args) throws Exception {
        String command = args.length == 0 || args[0].startsWith("--") && !isHelp(args[0]) ? "demo" : args[0];
        String[] rest = args.length == 0 || !command.equals(args[0]) ? args : Arrays.copyOfRange(args, 1, args.length);
        int status;
        switch (command) {
            case "demo" -> status = Demo.run(rest);
            case "proxy" -> status = ProxyLauncher.run(rest);
            case "echo" -> status = EchoBackendCommand.run(rest);
            case "chat-backend" -> status = ChatBackendCommand.run(rest);
            case "custom-strategy" -> status = CustomStrategyExample.run(rest);
            case "help", "--help", "-h" -> {
                System.out.println(usage());
                status = 0;
            }
            default -> {
                System.err.println("error: unknown command '" + command + "'\n\n" + usage());
                status = 2;
            }
        }
        if (status != 0) {
            System.exit(status);
        }
    }

    private static boolean isHelp(String arg) {
        return arg.equals("--help") || arg.equals("-h");
    }

    static String usage() {
        return """
            usage: java -jar wslb-examples.jar [COMMAND] [OPTIONS]

            commands:
              demo             (default) a web page at / and the balancer at /ws in front of three
                               in-process echo backends; listens on 127.0.0.1:8080
              proxy            a standalone WebSocket load balancer in front of existing backends
              echo             WebSocket echo backends, for trying the proxy out
              chat-backend     stateless chat backends that tag each connection with its room and publish
                               through the balancer (see docs/broadcast.md)
              custom-strategy  runs a balancer with a strategy written in a dozen lines, and reports
                               where a few clients landed

            'java -jar wslb-examples.jar COMMAND --help' describes the options of a command.""";
    }
}
