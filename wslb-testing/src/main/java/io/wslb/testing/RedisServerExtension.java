package io.wslb.testing;

import java.net.URI;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A JUnit 5 extension that starts one {@link RedisServer} for a test class and always kills it after the class,
 * whether its tests passed or not. Before each test it thaws a server that an earlier test left frozen and restarts
 * one it left stopped, so that one failed outage test does not fail the next; data is not cleared between tests.
 * Register it in a {@code static} field (JUnit calls the class-level callbacks only then); it needs JUnit Jupiter,
 * which {@code wslb-testing} leaves optional.
 *
 * <pre>{@code
 * class MyRedisTest {
 *     @RegisterExtension
 *     static final RedisServerExtension REDIS = new RedisServerExtension();
 *
 *     @Test
 *     void answers() {
 *         REDIS.server().command("SET", "k", "v");
 *         URI uri = REDIS.uri();               // give it to the code under test
 *     }
 * }
 * }</pre>
 */
public final class RedisServerExtension implements BeforeAllCallback, BeforeEachCallback, AfterAllCallback {

    private volatile @Nullable RedisServer server;

    /** An extension whose server starts before the first test of the class it is registered in. */
    public RedisServerExtension() {}

    /**
     * @return the server of the running test class
     * @throws IllegalStateException outside a test class's run, or if the extension is not in a static field
     */
    public RedisServer server() {
        RedisServer running = server;
        if (running == null) {
            throw new IllegalStateException("no redis-server: register RedisServerExtension in a static field with @RegisterExtension");
        }
        return running;
    }

    /** {@return the server's URI, {@code redis://127.0.0.1:PORT}} */
    public URI uri() {
        return server().uri();
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        server = RedisServer.start();
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        RedisServer running = server();
        if (!running.isRunning()) {
            running.restart();
        } else if (running.isFrozen()) {
            running.thaw();
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        RedisServer running = server;
        server = null;
        if (running != null) {
            running.close();
        }
    }
}
