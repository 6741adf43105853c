package io.wslb.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.wslb.testing.RedisServer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Redis commands per operation: INFO commandstats, windows, background, and the bench's own redis-server. */
class RedisStatsTest {
    private static final String INFO = "# Commandstats\r\n"
        + "cmdstat_getex:calls=1200,usec=2400,usec_per_call=2.00,rejected_calls=0,failed_calls=0\r\n"
        + "cmdstat_set:calls=1000,usec=3000,usec_per_call=3.00,rejected_calls=0,failed_calls=0\r\n"
        + "cmdstat_client|setname:calls=1,usec=1,usec_per_call=1.00,rejected_calls=0,failed_calls=0\r\n"
        + "cmdstat_INFO:calls=7,usec=70,usec_per_call=10.00,rejected_calls=0,failed_calls=0\r\n"
        + "cmdstat_broken:calls=x,usec=1\r\n"
        + "\r\n";

    @Test
    void parsesTheCallsOfEachCommand() {
        assertThat(RedisStats.parseCommandStats(INFO)).containsExactly(Map.entry("getex", 1200L), Map.entry("set", 1000L),
            Map.entry("client|setname", 1L), Map.entry("info", 7L));
        assertThat(RedisStats.parseCommandStats("# Commandstats\r\n")).isEmpty();
    }

    @Test
    void aWindowIsTheDifferenceWithoutTheBenchsOwnInfo() {
        RedisStats.Window w = RedisStats.Window.between(Map.of("getex", 100L, "set", 50L, "info", 3L, "hset", 9L),
            Map.of("getex", 300L, "set", 250L, "info", 5L, "hset", 9L, "zadd", 2L), 2.0);
        assertThat(w.calls()).containsOnly(Map.entry("getex", 200L), Map.entry("set", 200L), Map.entry("zadd", 2L));
        assertThat(w.total()).isEqualTo(402);
        assertThat(w.seconds()).isEqualTo(2.0);
    }

    @Test
    void theBackgroundIsTheRateOfTheQuietWindowsTogether() {
        Map<String, Double> rate = RedisStats.ratePerSecond(List.of(new RedisStats.Window(Map.of("hset", 3L), 1.0),
            new RedisStats.Window(Map.of("hset", 9L, "zadd", 6L), 3.0)));
        assertThat(rate.get("hset")).isCloseTo(3.0, within(1e-9)); // 12 calls in 4 s
        assertThat(rate.get("zadd")).isCloseTo(1.5, within(1e-9));
        assertThat(RedisStats.ratePerSecond(List.of())).isEmpty();
    }

    @Test
    void perOperationTakesTheBackgroundOff() {
        RedisStats.Window w = new RedisStats.Window(Map.of("getex", 1000L, "set", 1000L, "hset", 8L), 2.0);
        Map<String, Double> per = RedisStats.perOperation(w, Map.of("hset", 3.0, "zadd", 1.0), 1000);
        assertThat(per.get("getex")).isCloseTo(1.0, within(1e-9));
        assertThat(per.get("set")).isCloseTo(1.0, within(1e-9));
        assertThat(per.get("hset")).isCloseTo(0.002, within(1e-9)); // 8 - 3/s x 2 s
        assertThat(per.get("zadd")).isCloseTo(-0.002, within(1e-9)); // expected 2, none seen: not clamped
        assertThat(RedisStats.perOperation(w, Map.of(), 0)).isEmpty();
    }

    @Test
    void readsABulkStringReply() throws IOException {
        assertThat(RedisStats.readBulkString(stream("$5\r\nhello\r\n"))).isEqualTo("hello");
        assertThatThrownBy(() -> RedisStats.readBulkString(stream("-ERR unknown\r\n"))).isInstanceOf(IOException.class)
            .hasMessageContaining("ERR unknown");
        assertThatThrownBy(() -> RedisStats.readBulkString(stream("$10\r\nshort"))).isInstanceOf(IOException.class);
        assertThatThrownBy(() -> RedisStats.readBulkString(stream("+OK\r\n"))).isInstanceOf(IOException.class);
    }

    @Test
    void countsTheCommandsOfARealServer() throws IOException {
        try (RedisServer redis = RedisServer.start()) {
            Map<String, Long> before = RedisStats.calls(redis.address(), Duration.ofSeconds(5));
            for (int i = 0; i < 3; i++) {
                redis.command("SET", "k" + i, "v", "PX", "60000");
            }
            redis.command("GETEX", "k0", "PX", "60000");
            Map<String, Long> after = RedisStats.calls(redis.address(), Duration.ofSeconds(5));
            RedisStats.Window w = RedisStats.Window.between(before, after, 1.0);
            assertThat(w.calls()).containsOnly(Map.entry("set", 3L), Map.entry("getex", 1L));
        }
    }

    @Test
    void theLabStartsItsRedisOnceAndStopsIt(@TempDir Path logs) throws Exception {
        Lab lab = new Lab(List.of(), Path.of("x.jar"), Path.of("x.jar"), logs, Duration.ofMinutes(2), null, null);
        assertThat(lab.redisAddress()).isNull();
        int port;
        try (lab) {
            InetSocketAddress address = lab.startRedis();
            port = address.getPort();
            assertThat(lab.startRedis()).isEqualTo(address);
            assertThat(lab.redisAddress()).isEqualTo(address);
            assertThat(address.getAddress().isLoopbackAddress()).isTrue();
            assertThat(RedisStats.info(address, Duration.ofSeconds(5), "persistence")).contains("aof_enabled:0");
            assertThat(RedisStats.calls(address, Duration.ofSeconds(5))).containsKey("info");
            assertThat(Files.readString(logs.resolve("commands.txt"))).contains("--save '' --appendonly no");
        }
        assertThat(lab.redisAddress()).isNull();
        assertThat(Child.accepts(port)).as("redis-server's port after the lab closed").isFalse();
    }

    private static ByteArrayInputStream stream(String s) {
        return new ByteArrayInputStream(s.getBytes(StandardCharsets.US_ASCII));
    }
}
