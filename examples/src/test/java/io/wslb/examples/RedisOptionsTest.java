package io.wslb.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RedisOptionsTest {

    @TempDir
    Path dir;

    private static RedisOptions.Settings parse(String... args) throws Options.UsageException {
        Set<String> valued = new HashSet<>(RedisOptions.VALUED);
        valued.add("listen");
        return RedisOptions.parse(Options.parse(args, valued, Set.of()));
    }

    @Test
    void aPlainUri_takesTheDefaults() throws Exception {
        RedisOptions.Settings redis = parse("--redis", "redis://127.0.0.1");

        assertThat(redis).isNotNull();
        assertThat(redis.tls()).isFalse();
        assertThat(redis.host()).isEqualTo("127.0.0.1");
        assertThat(redis.port()).isEqualTo(6379);
        assertThat(redis.database()).isZero();
        assertThat(redis.user()).isNull();
        assertThat(redis.password()).isNull();
        assertThat(redis.timeout()).isEqualTo(Duration.ofMillis(50));
        assertThat(redis.instanceIdOr(new InetSocketAddress("127.0.0.1", 9203))).endsWith(":9203");
    }

    @Test
    void tlsUserDatabasePasswordInstanceAndTimeout_areAllRead() throws Exception {
        Path password = Files.writeString(dir.resolve("redis.pass"), "s3cret\n");

        RedisOptions.Settings redis = parse("--redis", "rediss://wslb@[::1]:6380/3", "--redis-password-file", password.toString(),
            "--instance-id", "lb-a", "--redis-timeout", "20ms");

        assertThat(redis.tls()).isTrue();
        assertThat(redis.host()).isEqualTo("::1");
        assertThat(redis.port()).isEqualTo(6380);
        assertThat(redis.database()).isEqualTo(3);
        assertThat(redis.user()).isEqualTo("wslb");
        assertThat(new String(redis.password())).isEqualTo("s3cret");
        assertThat(redis.instanceIdOr(new InetSocketAddress(9203))).isEqualTo("lb-a");
        assertThat(redis.timeout()).isEqualTo(Duration.ofMillis(20));
        assertThat(redis.display()).isEqualTo("rediss://wslb@[::1]:6380/3").doesNotContain("s3cret");
        assertThat(redis.toString()).doesNotContain("s3cret");
    }

    @Test
    void withoutRedis_noSettings_andItsCompanionFlagsAreRefused() throws Exception {
        assertThat(parse()).isNull();
        for (String flag : List.of("--redis-password-file", "--instance-id", "--redis-timeout")) {
            assertThatThrownBy(() -> parse(flag, "x")).isInstanceOf(Options.UsageException.class)
                .hasMessage(flag + " goes with --redis URI");
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "127.0.0.1:6379 | the scheme must be redis:// or rediss:// (TLS), e.g. redis://127.0.0.1:6379",
        "http://127.0.0.1:6379 | the scheme must be redis:// or rediss://",
        "redis://127.0.0.1:6379 x | not a URI",
        "redis:///0 | no host",
        "redis://127.0.0.1:99999 | not from 1 to 65535",
        "redis://127.0.0.1:6379/zero | the database 'zero' is not a number",
        "redis://127.0.0.1:6379/-1 | the database '-1' is not a number",
        "redis://u:pw@127.0.0.1:6379 | the URI holds a password",
        "redis://127.0.0.1:6379?db=2 | a query or fragment is not taken",
    })
    void aMalformedRedisUri_isOneUsageErrorNamingTheFlag(String uri, String why) {
        assertThatThrownBy(() -> parse("--redis", uri)).isInstanceOf(Options.UsageException.class)
            .hasMessageStartingWith("--redis").hasMessageContaining(why).satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }

    @Test
    void aMissingOrEmptyPasswordFile_isAUsageErrorSayingWhy() throws Exception {
        assertThatThrownBy(() -> parse("--redis", "redis://127.0.0.1", "--redis-password-file", dir.resolve("nope").toString()))
            .isInstanceOf(Options.UsageException.class).hasMessageContaining("--redis-password-file").hasMessageContaining("no such file");
        Path empty = Files.write(dir.resolve("empty"), new byte[0]);
        assertThatThrownBy(() -> parse("--redis", "redis://127.0.0.1", "--redis-password-file", empty.toString()))
            .isInstanceOf(Options.UsageException.class).hasMessageContaining("the file is empty");
    }

    @Test
    void aBadInstanceIdOrTimeout_isRefusedNamingTheFlag() {
        List<String[]> bad = new ArrayList<>();
        bad.add(new String[] {"--instance-id", "two words"});
        bad.add(new String[] {"--instance-id", "x".repeat(65)});
        bad.add(new String[] {"--redis-timeout", "0s"});
        bad.add(new String[] {"--redis-timeout", "11s"});
        bad.add(new String[] {"--redis-timeout", "soon"});
        for (String[] flag : bad) {
            assertThatThrownBy(() -> parse("--redis", "redis://127.0.0.1", flag[0], flag[1]))
                .as(String.join(" ", flag)).isInstanceOf(Options.UsageException.class).hasMessageStartingWith(flag[0]);
        }
    }

    @Test
    void theDefaultInstanceId_isTheHostAndTheListeningPort() {
        String id = RedisOptions.defaultInstanceId(new InetSocketAddress("127.0.0.1", 9301));

        assertThat(id).endsWith(":9301").matches("[A-Za-z0-9._:-]{1,64}");
        assertThat(new String(id.getBytes(StandardCharsets.US_ASCII), StandardCharsets.US_ASCII)).isEqualTo(id);
    }
}
