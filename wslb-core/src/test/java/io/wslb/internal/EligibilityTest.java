package io.wslb.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.wslb.Backend;
import io.wslb.BackendHealth;
import io.wslb.LiveBackend;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Who takes new connections, from the members' state alone: primaries, backups, panic. */
class EligibilityTest {

    private static PooledBackend member(String id) {
        return new PooledBackend(Backend.of(id, URI.create("ws://127.0.0.1:1/" + id)));
    }

    private static PooledBackend backup(String id) {
        return new PooledBackend(Backend.of(id, URI.create("ws://127.0.0.1:1/" + id)).asBackup());
    }

    private static List<String> ids(List<LiveBackend> members) {
        return members.stream().map(LiveBackend::id).toList();
    }

    @Test
    void healthyPrimaries_areEligible_andHealthyBackupsWaitOnStandby() {
        PooledBackend a = member("a");
        PooledBackend spare = backup("spare");
        PooledBackend sick = member("sick");
        sick.health(BackendHealth.UNHEALTHY, 0);

        Eligibility eligibility = Eligibility.of(List.of(a, spare, sick));

        assertThat(ids(eligibility.eligible())).containsExactly("a");
        assertThat(ids(eligibility.standby())).containsExactly("spare");
        assertThat(eligibility.panic()).isFalse();
    }

    @Test
    void withNoHealthyPrimary_theHealthyBackupsAreEligible_andNoneIsOnStandby() {
        PooledBackend a = member("a");
        a.draining(true);
        PooledBackend spare = backup("spare");

        Eligibility eligibility = Eligibility.of(List.of(a, spare));

        assertThat(ids(eligibility.eligible())).containsExactly("spare");
        assertThat(eligibility.standby()).isEmpty();
        assertThat(eligibility.panic()).isFalse();
    }

    @Test
    void withNoHealthyMember_everyMemberWithAWeightNotDraining_isEligible_inPanic() {
        PooledBackend a = member("a");
        a.eject(Duration.ofSeconds(1), 0);
        PooledBackend spare = backup("spare");
        spare.health(BackendHealth.UNHEALTHY, 0);
        PooledBackend draining = member("draining");
        draining.health(BackendHealth.UNHEALTHY, 0);
        draining.draining(true);
        PooledBackend idle = new PooledBackend(Backend.of("idle", URI.create("ws://127.0.0.1:1/idle")).withWeight(0));
        idle.health(BackendHealth.UNHEALTHY, 0);

        Eligibility eligibility = Eligibility.of(List.of(a, spare, draining, idle));

        assertThat(ids(eligibility.eligible())).containsExactly("a", "spare");
        assertThat(eligibility.panic()).isTrue();
    }

    @Test
    void anEmptyPool_isNotInPanic() {
        assertThat(Eligibility.of(List.of())).isEqualTo(Eligibility.NONE);
    }
}
