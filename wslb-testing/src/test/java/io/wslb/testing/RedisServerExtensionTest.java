package io.wslb.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

/**
 * The extension's promises, checked by running small test classes through the JUnit Platform launcher, as a build
 * would: one server per class, killed after the class even when a test failed with the server frozen, and brought
 * back before each test.
 */
@Timeout(120)
class RedisServerExtensionTest {

    /** The configuration parameter with which this test launches the scenario classes below. */
    static final String LAUNCHED = "wslb.testing.redis-extension-scenario";

    /** What the test classes below saw, in the order they saw it. */
    static final List<Long> PIDS = new CopyOnWriteArrayList<>();
    static final List<Boolean> ANSWERED = new CopyOnWriteArrayList<>();

    @Test
    void aServerFrozenByAFailingTest_isKilledAfterTheClass() {
        PIDS.clear();

        TestExecutionSummary summary = run(FailsWhileFrozen.class);

        assertThat(summary.getTestsFailedCount()).as("the test that fails on purpose").isEqualTo(1);
        assertThat(PIDS).hasSize(1);
        assertThat(ProcessHandle.of(PIDS.get(0)).map(ProcessHandle::isAlive)).as("redis-server after the class")
            .isNotEqualTo(Optional.of(true));
    }

    @Test
    void oneServerPerClass_restoredBeforeEachTest_afterAFreezeOrAStop() {
        PIDS.clear();
        ANSWERED.clear();

        TestExecutionSummary summary = run(LeavesItBroken.class);

        assertThat(summary.getTestsFailedCount()).isZero();
        assertThat(summary.getTestsSucceededCount()).isEqualTo(4);
        assertThat(ANSWERED).as("PING at the start of each test").containsExactly(true, true, true, true);
        assertThat(PIDS.get(1)).as("thawed, not restarted, after a freeze").isEqualTo(PIDS.get(0));
        assertThat(PIDS.get(3)).as("restarted after a stop").isNotEqualTo(PIDS.get(2));
        for (long pid : PIDS) {
            assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive)).isNotEqualTo(Optional.of(true));
        }
    }

    @Test
    void theServer_outsideATestClassRun_isAClearError() {
        RedisServerExtension unstarted = new RedisServerExtension();

        assertThatThrownBy(unstarted::server)
            .isInstanceOf(IllegalStateException.class).hasMessageContaining("static field");
    }

    private static TestExecutionSummary run(Class<?> testClass) {
        Launcher launcher = LauncherFactory.create();
        SummaryGeneratingListener listener = new SummaryGeneratingListener();
        launcher.execute(LauncherDiscoveryRequestBuilder.request().selectors(selectClass(testClass))
            .configurationParameter(LAUNCHED, "true").build(), listener);
        return listener.getSummary();
    }

    /** Lets a scenario class run only when a test above launches it, not in a build's own run (one fails on purpose). */
    static final class LaunchedOnly implements ExecutionCondition {
        @Override
        public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
            return context.getConfigurationParameter(LAUNCHED).isPresent()
                ? ConditionEvaluationResult.enabled("launched by RedisServerExtensionTest")
                : ConditionEvaluationResult.disabled("a scenario that RedisServerExtensionTest launches and checks");
        }
    }

    @ExtendWith(LaunchedOnly.class)
    static class FailsWhileFrozen {
        @RegisterExtension
        static final RedisServerExtension REDIS = new RedisServerExtension();

        @Test
        void failsWithTheServerFrozen() {
            PIDS.add(REDIS.server().pid());
            REDIS.server().freeze();
            throw new AssertionError("fails on purpose, leaving the server frozen");
        }
    }

    @ExtendWith(LaunchedOnly.class)
    @TestMethodOrder(MethodOrderer.OrderAnnotation.class)
    static class LeavesItBroken {
        @RegisterExtension
        static final RedisServerExtension REDIS = new RedisServerExtension();

        @Test
        @Order(1)
        void freezesIt() {
            record();
            REDIS.server().freeze();
        }

        @Test
        @Order(2)
        void findsItThawed() {
            record();
        }

        @Test
        @Order(3)
        void stopsIt() {
            record();
            REDIS.server().stop();
        }

        @Test
        @Order(4)
        void findsItRestarted() {
            record();
        }

        private static void record() {
            ANSWERED.add(REDIS.server().ping(Duration.ofSeconds(2)));
            PIDS.add(REDIS.server().pid());
        }
    }
}
