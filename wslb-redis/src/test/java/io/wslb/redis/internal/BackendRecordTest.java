package io.wslb.redis.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wslb.Backend;
import io.wslb.redis.internal.BackendRecord.Action;
import io.wslb.redis.internal.BackendRecord.State;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The record the instances share: its text, read back exactly, and what it refuses. */
class BackendRecordTest {

    private static final Backend B2 = Backend.of("b2", URI.create("ws://10.0.0.2:3000/chat?room=a&x=1")).withWeight(3)
        .withMaxConnections(100).asBackup().withMetadata("zone", "eu west/1a").withMetadata("k=&", "v&=%");

    @Test
    void aRecord_isOneLineOfText_readBackExactly() throws Exception {
        BackendRecord draining = new BackendRecord("b2", 17, Action.DRAIN, State.DRAINING, B2, Duration.ofSeconds(30), "lb-a");
        BackendRecord tombstone = new BackendRecord("b2", 18, Action.REMOVE, State.REMOVED, null, Duration.ofMillis(500), "lb-b");
        BackendRecord active = new BackendRecord("b2", 19, Action.ADD, State.ACTIVE, Backend.of("b2", URI.create("ws://h:1")), null, "lb-c");

        assertThat(draining.encode()).startsWith("wslb1:backend?version=17&id=b2&action=drain&origin=lb-a&state=draining&window=PT30S"
            + "&uri=ws%3A%2F%2F10.0.0.2%3A3000%2Fchat%3Froom%3Da%26x%3D1&weight=3&maxConnections=100&backup=true&meta.").doesNotContain(" ");
        assertThat(draining.configurationPart()).startsWith("&uri=").doesNotContain("&state=");
        assertThat(draining.statePart()).isEqualTo("&state=draining&window=PT30S");
        assertThat(tombstone.encode()).isEqualTo("wslb1:backend?version=18&id=b2&action=remove&origin=lb-b&state=removed&window=PT0.5S");
        assertThat(tombstone.configurationPart()).isEmpty();
        for (BackendRecord record : new BackendRecord[] {draining, tombstone, active}) {
            assertThat(BackendRecord.decode(record.encode())).isEqualTo(record);
            assertThat(BackendRecord.HEAD + record.version() + record.tail()).isEqualTo(record.encode());
        }
    }

    @Test
    void textWslbDidNotWrite_isMalformed_andAValidRecordOfABackendThisInstanceRefuses_namesItsIdAndVersion() {
        String good = new BackendRecord("b1", 5, Action.ADD, State.ACTIVE, Backend.of("b1", URI.create("ws://h:1")), null, "lb-a").encode();
        String[] foreign = {
            "", "hello", "wslb1:session:b1", "wslb2:backend?version=5&id=b1", good.replace("version=5", "version=0"),
            good.replace("version=5", "version=x"), good + "&extra=1", good + "&id=b1", good.replace("&origin=lb-a", ""),
            good.replace("action=add", "action=explode"), good.replace("state=active", "state=removed"),
            good.replace("&weight=1", ""), good.replace("backup=false", "backup=maybe"), good + "&window=PT1S",
            good.replace("state=active", "state=draining"), good + "&=x", good + "&noequals", good + "&meta.a=%zz",
            "wslb1:backend?version=6&id=b1&action=remove&state=removed&origin=a&meta.x=1",
        };
        for (String text : foreign) {
            assertThatThrownBy(() -> BackendRecord.decode(text)).as(text).isInstanceOfSatisfying(BackendRecord.Malformed.class,
                e -> assertThat(e.refusedId()).as(text).isNull());
        }
        String[] refused = {good.replace("ws%3A%2F%2Fh%3A1", "http%3A%2F%2Fh"), good.replace("weight=1", "weight=10001"),
            good.replace("ws%3A%2F%2Fh%3A1", "ws%3A%2F%2Fh%3A1%23frag"), good.replace("id=b1", "id=b%2F1")};
        for (String text : refused) {
            assertThatThrownBy(() -> BackendRecord.decode(text)).as(text).isInstanceOfSatisfying(BackendRecord.Malformed.class, e -> {
                assertThat(e.refusedId()).isIn("b1", "b/1");
                assertThat(e.version()).isEqualTo(5);
            });
        }
    }

    @Test
    void aWindowIsWrittenAsAnOperatorWritesIt() {
        assertThat(ClusterAdmin.human(Duration.ZERO)).isEqualTo("0s");
        assertThat(ClusterAdmin.human(Duration.ofMillis(500))).isEqualTo("500ms");
        assertThat(ClusterAdmin.human(Duration.ofSeconds(30))).isEqualTo("30s");
        assertThat(ClusterAdmin.human(Duration.ofSeconds(90))).isEqualTo("90s");
        assertThat(ClusterAdmin.human(Duration.ofMinutes(2))).isEqualTo("2m");
        assertThat(ClusterAdmin.human(Duration.ofHours(2))).isEqualTo("2h");
    }
}
