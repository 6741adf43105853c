package io.wslb.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.wslb.redis.internal.LettuceLink;
import io.wslb.testing.RedisServerExtension;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The link's Pub/Sub connection against a real redis-server: subscribed once the link is up, subscribed again
 * (and said so) after it is lost, and as quiet as the link during an outage.
 */
@Timeout(60)
class LinkPubSubTest {

    @RegisterExtension
    static final RedisServerExtension REDIS = new RedisServerExtension();

    private static final Duration PATIENCE = Duration.ofSeconds(15);

    @Test
    void aSubscription_isMadeOnceUp_andMadeAgainAfterItsConnectionIsLost_orRedisRestarts_withTwoLogLinesForTheOutage() throws Exception {
        try (LettuceLink link = LettuceLink.start(REDIS.uri(), Duration.ofMillis(300), Duration.ofMillis(100))) {
            AtomicInteger subscriptions = new AtomicInteger();
            List<String> messages = new CopyOnWriteArrayList<>();
            link.subscribe("pubsub-test", new LettuceLink.Subscriber() {
                @Override
                public void subscribed() {
                    subscriptions.incrementAndGet();
                }

                @Override
                public void message(String message) {
                    messages.add(message);
                }
            });
            await().atMost(PATIENCE).until(() -> link.isSubscribed("pubsub-test"));
            assertThat(subscriptions.get()).isEqualTo(1);
            REDIS.server().command("PUBLISH", "pubsub-test", "one");
            await().atMost(PATIENCE).until(() -> messages.contains("one"));

            REDIS.server().command("CLIENT", "KILL", "TYPE", "pubsub");
            await().atMost(PATIENCE).until(() -> subscriptions.get() == 2 && link.isSubscribed("pubsub-test"));
            assertThat(link.state().isUp()).as("the link's own connection was not touched").isTrue();
            REDIS.server().command("PUBLISH", "pubsub-test", "two");
            await().atMost(PATIENCE).until(() -> messages.contains("two"));

            try (LogCapture log = new LogCapture()) {
                REDIS.server().stop();
                await().atMost(PATIENCE).until(() -> !link.state().isUp() && !link.isSubscribed("pubsub-test"));
                // Ten probe intervals while Redis is down: each probe fails, none says so.
                await().pollDelay(Duration.ofSeconds(1)).atMost(PATIENCE).until(() -> true);
                REDIS.server().restart();
                await().atMost(PATIENCE).until(() -> subscriptions.get() == 3 && link.isSubscribed("pubsub-test"));
                REDIS.server().command("PUBLISH", "pubsub-test", "three");
                await().atMost(PATIENCE).until(() -> messages.contains("three"));

                assertThat(log.lines("RedisLink")).as("the outage once, the recovery once").hasSize(2);
                assertThat(log.lines("WARN")).hasSize(1);
            }
            link.unsubscribe("pubsub-test");
            assertThat(link.isSubscribed("pubsub-test")).isFalse();
            assertThat(messages).containsExactly("one", "two", "three");
        }
    }
}
