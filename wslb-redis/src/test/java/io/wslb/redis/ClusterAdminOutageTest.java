package io.wslb.redis;

import static io.wslb.redis.ClusterNode.backend;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.wslb.Backend;
import io.wslb.jetty.testing.Closer;
import io.wslb.testing.Fault;
import io.wslb.testing.FaultProxy;
import io.wslb.testing.RedisServerExtension;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Admin actions across outages, against a real redis-server: Redis killed, or one instance cut off from it by a
 * fault-injecting proxy. Local actions apply at once and are written when Redis answers again, and win over what
 * another instance changed meanwhile; what an instance missed while cut off it reads back when it reconnects.
 */
@Timeout(120)
class ClusterAdminOutageTest {

    @RegisterExtension
    static final RedisServerExtension REDIS = new RedisServerExtension();

    private static final Duration PATIENCE = Duration.ofSeconds(20);

    private final Closer toClose = new Closer();

    @AfterEach
    void closeAll() throws Exception {
        toClose.close();
    }

    @Test
    void withRedisKilled_adminActionsApplyLocallyAtOnce_andReachTheOthersAfterItRestarts() throws Exception {
        String prefix = "killed:";
        Backend b1 = backend("b1");
        ClusterNode a = node("lb-a", REDIS.uri(), prefix, b1, backend("b2"));
        ClusterNode b = node("lb-b", REDIS.uri(), prefix, b1, backend("b2"));
        ClusterNode c = node("lb-c", REDIS.uri(), prefix, b1, backend("b2"));
        ClusterNode.awaitSharing(a, b, c);

        REDIS.server().stop();
        // The first action may meet a link that has not noticed yet: its write fails, and it waits like the next.
        a.pool.update(b1.withWeight(7));
        await().atMost(PATIENCE).until(() -> !a.link.state().isUp() && !b.link.state().isUp() && !c.link.state().isUp());
        c.pool.drain("b2", Duration.ofSeconds(5));
        // A second action on the same backend: both wait as one write, which must carry the weight and the drain.
        a.pool.drain("b1", Duration.ofSeconds(5));

        assertThat(a.view().get("b1")).as("applied here at once").contains("weight=7").endsWith("draining");
        assertThat(c.view().get("b2")).endsWith("draining");
        assertThat(b.view().get("b1")).contains("weight=1");
        assertThat(a.admin.status()).containsEntry("sharedSet", false).containsEntry("pendingActions", 1);

        // An empty server: the set and its counter are gone; the first instance to read seeds it again.
        REDIS.server().restart();

        await().atMost(PATIENCE).untilAsserted(() -> {
            for (ClusterNode node : List.of(a, b, c)) {
                assertThat(node.view().get("b1")).as(node.id).contains("weight=7").endsWith("draining");
                assertThat(node.view().get("b2")).as(node.id).endsWith("draining");
                assertThat(node.sharing()).as(node.id + " sharing").isTrue();
                assertThat(node.admin.status()).as(node.id).containsEntry("pendingActions", 0);
            }
        });
        assertThat(ClusterNode.counter(REDIS.server(), prefix)).as("versions went on above those seen before the restart")
            .isGreaterThan(2);
    }

    @Test
    void withRedisFrozen_anAdminActionAppliesLocallyAtOnce_andReachesTheOthersAfterTheThaw() throws Exception {
        String prefix = "frozen:";
        Backend b1 = backend("b1");
        ClusterNode a = node("lb-a", REDIS.uri(), prefix, b1);
        ClusterNode b = node("lb-b", REDIS.uri(), prefix, b1);
        ClusterNode.awaitSharing(a, b);

        REDIS.server().freeze();
        // The write waits on a silent server; the link gives up on it after its timeout and keeps the change.
        a.pool.update(b1.withWeight(8));
        assertThat(a.view().get("b1")).as("applied here at once").contains("weight=8");
        await().atMost(PATIENCE).until(() -> !a.link.state().isUp());
        REDIS.server().thaw();

        // The write the link gave up on may still run when Redis reads it: then the change is written twice, alike.
        await().atMost(PATIENCE).untilAsserted(() -> {
            for (ClusterNode node : List.of(a, b)) {
                assertThat(node.view().get("b1")).as(node.id).contains("weight=8");
                assertThat(node.sharing()).as(node.id + " sharing").isTrue();
                assertThat(node.admin.status()).as(node.id).containsEntry("pendingActions", 0);
            }
        });
        assertThat(ClusterNode.counter(REDIS.server(), prefix)).isBetween(2L, 3L);
    }

    @Test
    void whatWasAnnouncedWhileAnInstanceWasCutOff_reachesItByTheReadAfterItReconnects() throws Exception {
        String prefix = "missed:";
        FaultProxy cut = FaultProxy.to(REDIS.server().address());
        toClose.add(cut);
        ClusterNode a = node("lb-a", REDIS.uri(), prefix, backend("b1"), backend("b2"));
        ClusterNode b = node("lb-b", REDIS.uri(), prefix, backend("b1"), backend("b2"));
        ClusterNode c = node("lb-c", URI.create("redis://127.0.0.1:" + cut.port()), prefix, backend("b1"), backend("b2"));
        ClusterNode.awaitSharing(a, b, c);

        try (LogCapture log = new LogCapture()) {
            cut.set(Fault.REFUSE);
            cut.resetAll();
            await().atMost(PATIENCE).until(() -> !c.link.state().isUp());
            a.pool.drain("b2", Duration.ofSeconds(30));
            a.pool.add(backend("b3"));
            await().atMost(PATIENCE).untilAsserted(() -> assertThat(b.view()).isEqualTo(a.view()));
            assertThat(c.view()).as("cut off: the announcements were lost").containsOnlyKeys("b1", "b2");
            assertThat(c.view().get("b2")).doesNotEndWith("draining");

            cut.set(Fault.PASS);

            await().atMost(PATIENCE).untilAsserted(() -> assertThat(c.view()).isEqualTo(a.view()));
            assertThat(log.lines("INFO", "backend b2 drained over 30s by instance lb-a", "from the shared set")).hasSize(1);
            assertThat(log.lines("INFO", "backend b3 added", "by instance lb-a", "from the shared set")).hasSize(1);
        }
    }

    @Test
    void aChangeMadeWhileCutOff_isWrittenWhenRedisAnswers_andWinsOverAnotherInstancesEarlierChange() throws Exception {
        String prefix = "conflict:";
        Backend b1 = backend("b1");
        FaultProxy cut = FaultProxy.to(REDIS.server().address());
        toClose.add(cut);
        ClusterNode a = node("lb-a", REDIS.uri(), prefix, b1);
        ClusterNode b = node("lb-b", REDIS.uri(), prefix, b1);
        ClusterNode c = node("lb-c", URI.create("redis://127.0.0.1:" + cut.port()), prefix, b1);
        ClusterNode.awaitSharing(a, b, c);

        try (LogCapture log = new LogCapture()) {
            cut.set(Fault.REFUSE);
            cut.resetAll();
            await().atMost(PATIENCE).until(() -> !c.link.state().isUp());
            c.pool.update(b1.withWeight(4));
            a.pool.update(b1.withWeight(9));
            await().atMost(PATIENCE).until(() -> b.view().get("b1").contains("weight=9"));
            assertThat(c.view().get("b1")).contains("weight=4");

            cut.set(Fault.PASS);

            // Last writer wins, in the order Redis gave the versions: c's change is written after a's.
            await().atMost(PATIENCE).untilAsserted(() -> {
                for (ClusterNode node : List.of(a, b, c)) {
                    assertThat(node.view().get("b1")).as(node.id).contains("weight=4");
                    assertThat(node.lastVersion()).as(node.id).isEqualTo(3);
                }
            });
            assertThat(log.lines("INFO", "backend b1 reweighted 9 -> 4 by instance lb-c (version 3)")).hasSize(2);
        }
    }

    @Test
    void aReweightMadeWhileCutOff_keepsADrainMadeMeanwhileElsewhere_andDoesNotBringBackABackendRemovedMeanwhile() throws Exception {
        String prefix = "parts:";
        Backend b1 = backend("b1");
        Backend b2 = backend("b2");
        FaultProxy cut = FaultProxy.to(REDIS.server().address());
        toClose.add(cut);
        ClusterNode a = node("lb-a", REDIS.uri(), prefix, b1, b2);
        ClusterNode b = node("lb-b", REDIS.uri(), prefix, b1, b2);
        ClusterNode c = node("lb-c", URI.create("redis://127.0.0.1:" + cut.port()), prefix, b1, b2);
        ClusterNode.awaitSharing(a, b, c);

        try (LogCapture log = new LogCapture()) {
            cut.set(Fault.REFUSE);
            cut.resetAll();
            await().atMost(PATIENCE).until(() -> !c.link.state().isUp());
            c.pool.update(b1.withWeight(4));
            c.pool.update(b2.withWeight(6));
            a.pool.drain("b1", Duration.ofSeconds(30));
            a.pool.remove("b2");
            await().atMost(PATIENCE).untilAsserted(() -> assertThat(b.view()).isEqualTo(a.view()).containsOnlyKeys("b1"));

            cut.set(Fault.PASS);

            // c's reweight of b1 is written after a's drain, and keeps it; its reweight of b2 does not undo the removal.
            await().atMost(PATIENCE).untilAsserted(() -> {
                for (ClusterNode node : List.of(a, b, c)) {
                    assertThat(node.view()).as(node.id).containsOnlyKeys("b1");
                    assertThat(node.view().get("b1")).as(node.id).contains("weight=4").endsWith("draining");
                    assertThat(node.admin.status()).as(node.id).containsEntry("pendingActions", 0);
                }
            });
            assertThat(log.lines("INFO", "backend b1 reweighted 1 -> 4 by instance lb-c")).hasSize(2);
            assertThat(log.lines("INFO", "backend b1 drained over 30s by instance lb-a")).as("b's").hasSize(1);
            assertThat(log.lines("INFO", "backend b1 drained over 30s: kept from the shared set, which another instance changed while this"
                + " instance's update was on its way")).as("c's").hasSize(1);
            assertThat(log.lines("INFO", "backend b2 removed by instance lb-a")).as("b's and c's").hasSize(2);
        }
    }

    @Test
    void aReweightThenADrainOfOneBackendWhileCutOff_areWrittenAsOneChange_thatCarriesBoth() throws Exception {
        String prefix = "coalesced:";
        Backend b1 = backend("b1");
        FaultProxy cut = FaultProxy.to(REDIS.server().address());
        toClose.add(cut);
        ClusterNode a = node("lb-a", REDIS.uri(), prefix, b1);
        ClusterNode c = node("lb-c", URI.create("redis://127.0.0.1:" + cut.port()), prefix, b1);
        ClusterNode.awaitSharing(a, c);
        long before = ClusterNode.counter(REDIS.server(), prefix);

        cut.set(Fault.REFUSE);
        cut.resetAll();
        await().atMost(PATIENCE).until(() -> !c.link.state().isUp());
        c.pool.update(b1.withWeight(3));
        c.pool.drain("b1", Duration.ofSeconds(5));
        assertThat(c.admin.status()).containsEntry("pendingActions", 1);
        cut.set(Fault.PASS);

        await().atMost(PATIENCE).untilAsserted(() -> {
            assertThat(a.view().get("b1")).contains("weight=3").endsWith("draining");
            assertThat(c.admin.status()).containsEntry("pendingActions", 0);
        });
        assertThat(ClusterNode.counter(REDIS.server(), prefix)).isEqualTo(before + 1);
    }

    private ClusterNode node(String id, URI redis, String prefix, Backend... configured) {
        ClusterNode node = ClusterNode.start(redis, id, prefix, List.of(configured));
        toClose.add(node);
        return node;
    }
}
