package io.wslb.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class RedisServerTest {

    private static final Duration QUICK = Duration.ofMillis(300);

    private RedisServer redis;

    @AfterEach
    void closeServer() {
        if (redis != null) {
            redis.close();
        }
    }

    @Test
    void start_answersPingOnALoopbackPort_andCommandsRoundTrip() {
        redis = RedisServer.start();

        assertThat(redis.ping(QUICK)).isTrue();
        assertThat(redis.uri()).hasToString("redis://127.0.0.1:" + redis.port());
        assertThat(redis.address().getAddress().isLoopbackAddress()).isTrue();
        assertThat(redis.command("SET", "greeting", "héllo 🔑")).isEqualTo("OK");
        assertThat(redis.command("GET", "greeting")).isEqualTo("héllo 🔑");
        assertThat(redis.command("GET", "nobody")).isNull();
        assertThat(redis.command("INCR", "counter")).isEqualTo("1");
        assertThatThrownBy(() -> redis.command("INCR", "greeting"))
            .isInstanceOf(IllegalStateException.class).hasMessageContaining("ERR");
    }

    @Test
    void start_runsWithPersistenceOff_inADirectoryOfItsOwn() throws IOException {
        redis = RedisServer.start();

        assertThat(configGet("save")).as("snapshot rules").isEqualTo("");
        assertThat(configGet("appendonly")).isEqualTo("no");
        assertThat(Path.of(configGet("dir")).getFileName().toString()).startsWith("wslb-redis-");
        assertThat(configGet("bind")).isEqualTo("127.0.0.1");
        redis.command("SET", "k", "v");
        redis.stop();
        redis.restart();
        assertThat(redis.command("GET", "k")).as("data after a kill and restart").isNull();
    }

    @Test
    void freeze_makesPingTimeOut_andThaw_answersAgain_withItsDataIntact() throws IOException {
        redis = RedisServer.start();
        redis.command("SET", "k", "v");
        try (Socket open = new Socket(redis.address().getAddress(), redis.port())) {
            redis.freeze();

            assertThat(redis.isFrozen()).isTrue();
            assertThat(redis.isRunning()).isTrue();
            assertThat(redis.ping(QUICK)).as("PING to a frozen server").isFalse();
            open.setSoTimeout((int) QUICK.toMillis());
            send(open, "*1\r\n$4\r\nPING\r\n");
            assertThatThrownBy(() -> open.getInputStream().read()).as("a connection opened before the freeze")
                .isInstanceOf(SocketTimeoutException.class);

            redis.thaw();

            assertThat(redis.isFrozen()).isFalse();
            open.setSoTimeout(5_000);
            assertThat(readLine(open.getInputStream())).as("the answer it owed").isEqualTo("+PONG");
            assertThat(redis.ping(QUICK)).isTrue();
            assertThat(redis.command("GET", "k")).isEqualTo("v");
        }
    }

    @Test
    void stop_refusesConnections_andRestart_servesAgainOnTheSamePort_empty() {
        redis = RedisServer.start();
        int port = redis.port();
        long firstPid = redis.pid();
        redis.command("SET", "k", "v");

        redis.stop();

        assertThat(redis.isRunning()).isFalse();
        assertThat(redis.ping(QUICK)).isFalse();
        assertThatThrownBy(() -> new Socket(redis.address().getAddress(), port).close()).isInstanceOf(ConnectException.class);
        assertThatThrownBy(redis::pid).isInstanceOf(IllegalStateException.class).hasMessageContaining("not running");
        assertThat(ProcessHandle.of(firstPid).map(ProcessHandle::isAlive)).isNotEqualTo(Optional.of(true));

        redis.restart();

        assertThat(redis.port()).isEqualTo(port);
        assertThat(redis.pid()).isNotEqualTo(firstPid);
        assertThat(redis.ping(QUICK)).isTrue();
        assertThat(redis.command("GET", "k")).isNull();
    }

    @Test
    void restart_ofARunningOrFrozenServer_replacesItsProcess() {
        redis = RedisServer.start();
        long firstPid = redis.pid();
        redis.freeze();

        redis.restart();

        assertThat(redis.isFrozen()).isFalse();
        assertThat(redis.pid()).isNotEqualTo(firstPid);
        assertThat(redis.ping(QUICK)).isTrue();
        assertThat(ProcessHandle.of(firstPid).map(ProcessHandle::isAlive)).isNotEqualTo(Optional.of(true));
    }

    @Test
    void close_killsTheProcess_evenAFrozenOne_andDeletesItsDirectory() throws IOException {
        redis = RedisServer.start();
        long pid = redis.pid();
        Path dir = Path.of(configGet("dir"));
        assertThat(dir).isDirectory();
        redis.freeze();

        redis.close();
        redis.close(); // harmless again

        assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive)).isNotEqualTo(Optional.of(true));
        assertThat(Files.exists(dir)).as("its directory " + dir).isFalse();
        assertThat(redis.ping(QUICK)).isFalse();
        assertThatThrownBy(redis::restart).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        assertThatThrownBy(redis::freeze).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    }

    @Test
    void twoServers_getTwoPorts() {
        redis = RedisServer.start();
        try (RedisServer other = RedisServer.start()) {
            assertThat(other.port()).isNotEqualTo(redis.port());
            other.command("SET", "k", "other");
            assertThat(redis.command("GET", "k")).isNull();
        }
    }

    @Test
    void noRedisServerInTheSearchedDirectories_failsNamingThePackageToInstall(@TempDir Path empty) {
        assertThatThrownBy(() -> RedisServer.findIn(List.of(empty.toString())))
            .isInstanceOf(IllegalStateException.class)
            .hasMessage("redis-server not found: install Debian's redis-server (.ci/run does)")
            .hasMessage(RedisServer.NOT_INSTALLED);
    }

    /** CONFIG GET answers an array, which the fixture's command does not read: read it here, raw. */
    private String configGet(String name) throws IOException {
        try (Socket socket = new Socket(redis.address().getAddress(), redis.port())) {
            socket.setSoTimeout(5_000);
            send(socket, "*3\r\n$6\r\nCONFIG\r\n$3\r\nGET\r\n$" + name.length() + "\r\n" + name + "\r\n");
            InputStream in = socket.getInputStream();
            assertThat(readLine(in)).isEqualTo("*2");
            readLine(in);
            assertThat(readLine(in)).isEqualTo(name);
            readLine(in);
            return readLine(in);
        }
    }

    private static void send(Socket socket, String text) throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write(text.getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        for (int b = in.read(); b >= 0 && b != '\n'; b = in.read()) {
            if (b != '\r') {
                line.append((char) b);
            }
        }
        return line.toString();
    }
}
