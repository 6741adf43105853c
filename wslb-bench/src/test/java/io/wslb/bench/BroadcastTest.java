package io.wslb.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The broadcast bench, small: two real launchers over a real redis-server, real backends and clients; every message
 * reaches every client of its room once, and the report says so.
 */
class BroadcastTest {

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aSmallRun_deliversEveryMessageToItsRoomOnce_andReportsTheFigures(@TempDir Path logs) throws Exception {
        Path jar = Path.of("../examples/target/wslb-examples.jar").toAbsolutePath().normalize();
        assertThat(jar).as("the launcher jar, built by the examples module before this one").isRegularFile();
        PrintStream stdout = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        int status;
        try {
            System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
            status = Broadcast.run(new String[] {"--clients", "40", "--rooms", "4", "--backends", "2", "--rate", "40",
                "--duration", "2s", "--warmup", "1s", "--wslb-jar", jar.toString(), "--log-dir", logs.toString(),
                "--jvm-flags", "-Xmx256m -XX:+UseSerialGC"});
        } finally {
            System.setOut(stdout);
        }
        String report = captured.toString(StandardCharsets.UTF_8);
        stdout.print(report);

        assertThat(status).as(report).isZero();
        assertThat(report).containsPattern("deliveries: (\\d+) of \\1 expected").contains("missing 0, duplicated 0, to the wrong room 0")
            .containsPattern("publish to client: p50 [0-9.]+ ms, p99 [0-9.]+ ms").containsPattern("[0-9.]+ us per delivery");
        assertThat(Files.list(logs).map(p -> p.getFileName().toString())).contains("wslb-a.log", "wslb-b.log");
    }
}
