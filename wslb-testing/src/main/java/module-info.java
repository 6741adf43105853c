/**
 * Test fixtures for wslb and for its users' own tests: {@link io.wslb.testing.FaultProxy}, a TCP proxy that
 * simulates network and backend faults; a raw WebSocket frame writer and reader for either side of a
 * connection ({@link io.wslb.testing.Frame}, {@link io.wslb.testing.RawWebSocketConnection});
 * {@link io.wslb.testing.TestCertificate}, certificates for TLS tests; and {@link io.wslb.testing.RedisServer}, a real
 * {@code redis-server} that tests can stop, freeze and restart, with its JUnit 5 extension. No Jetty.
 */
module io.wslb.testing {
    requires org.slf4j;
    requires org.bouncycastle.pkix;
    requires org.bouncycastle.provider;
    requires static transitive org.jspecify;
    // Only RedisServerExtension needs JUnit, so users of the other fixtures need not have it.
    requires static org.junit.jupiter.api;

    exports io.wslb.testing;
}
