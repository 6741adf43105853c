package io.wslb.bench;

import java.util.Arrays;

/** Entry point of {@code wslb-bench.jar}: the first argument names the subcommand. */
public final class Main {
    private Main() {
    }

    private static final String USAGE = """
        usage: java -jar wslb-bench.jar <command> [options]

          echo-server  --port N (0 = ephemeral) [--count K] [--max-threads 16] [--idle-timeout 10m] [--max-lifetime 2h]
          frame-relay  --listen 127.0.0.1:PORT --backend ws://... [--backend ...] [--max-threads 16]
                       [--idle-timeout 10m] [--connect-timeout 5s] [--max-lifetime 2h]

          load client modes (--pid PID: watch that process and its descendants; repeatable):
          echo         --url ws://... [--url ...] --connections C --inflight W --payload P --duration D --warmup Wd
                       [--pid PID ...] [--client-threads 1] [--max-pending 200]
          rate         --url ws://... --connections 100 --rate 5000 --payload 64 --duration 10s --warmup 5s [--pid PID ...]
          connect      --url ws://... --count 3000 --concurrency 50 [--payload 64] [--warmup-count 300] [--pid PID ...]
                       [--keys none|unique|N]   (adds ?room=KEY to each cycle: a new key each time, or one of N)
          idle         --url ws://... [--url ...] --connections N --hold S --pid PID [--client-threads 1]

          compare      [--targets direct,wslb,nginx,haproxy] [--target name=COMMAND-TEMPLATE ...]
                       (more built-in targets: frame-relay, wslb-memory, wslb-redis; over TLS: wslb-tls,
                        wslb-tls-jdk, nginx-tls, haproxy-tls, with a certificate made by openssl for the run)
                       [--scenarios echo-64,echo-64k,rate,connect,idle] [--quick]
                       [--rounds 3] [--duration 10s] [--warmup 5s] [--pause 1s] [--warmup-pass 5s] [--warmup-connects 30000]
                       [--echo-64 100x4] [--echo-64k 10x2] [--rate 5000 --rate-connections 100 --rate-payload 64]
                       [--connect 3000 --connect-concurrency 50 --connect-warmup 300] [--connect-keys none|unique|N,...]
                       [--idle 8000 --hold 10s --idle-warmup on|off]
                       [--tls-resumption off|on] [--tls-client openssl|jdk] [--proxy-java PATH]
                       [--results DIR] [--no-chart] [--jvm-flags "..."] [--wslb-jar PATH]
                       [--nginx-conf FILE] [--haproxy-conf FILE] [--client-threads 1]
          broadcast    [--clients 1000] [--rooms 10] [--backends 3] [--rate 200] [--duration 10s] [--warmup 3s]
                       [--wslb-jar PATH] [--jvm-flags "..."] [--log-dir DIR]
                       (two wslb instances over one redis-server; messages PUBLISHed to the rooms; checks that each
                        reaches every client of its room once, reports deliveries/s, delay and CPU per delivery)
          soak         --target wslb|direct|nginx|haproxy|frame-relay [--duration 10m] [--sample 10s] [--warmup 10s]
                       [--connections 100 --inflight 4 --payload 64] [--heap after-gc|used] [--results DIR]
          chart        --results DIR [--out FILE]     (redraws DIR/chart.png from DIR/summary.csv)

        Durations: 10, 10s, 500ms, 2m. Sizes: 64, 1k, 64KiB, 2m. See wslb-bench/README.md.
        """;

    public static void main(String[] args) throws Exception {
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel",
            System.getProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn"));
        System.setProperty("org.slf4j.simpleLogger.showDateTime", "true");
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h") || args[0].equals("help")) {
            System.out.print(USAGE);
            System.exit(args.length == 0 ? 2 : 0);
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        int rc;
        try {
            rc = switch (args[0]) {
                case "echo-server" -> EchoServer.run(rest);
                case "frame-relay" -> FrameRelayProxy.run(rest);
                case "echo" -> Bench.runEcho(rest);
                case "rate" -> Bench.runRate(rest);
                case "connect" -> Bench.runConnect(rest);
                case "idle" -> Bench.runIdle(rest);
                case "compare" -> Compare.run(rest);
                case "broadcast" -> Broadcast.run(rest);
                case "soak" -> Soak.run(rest);
                case "chart" -> Chart.run(rest);
                default -> {
                    System.err.println("unknown command '" + args[0] + "'");
                    System.err.print(USAGE);
                    yield 2;
                }
            };
        } catch (IllegalArgumentException x) {
            System.err.println("error: " + x.getMessage());
            rc = 2;
        }
        System.exit(rc);
    }
}
