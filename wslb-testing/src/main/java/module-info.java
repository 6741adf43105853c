/**
 * Test fixtures for wslb and for its users' own tests: {@link io.wslb.testing.FaultProxy}, a TCP proxy that
 * simulates network and backend faults; a raw WebSocket frame writer and reader for either side of a
 * connection ({@link io.wslb.testing.Frame}, {@link io.wslb.testing.RawWebSocketConnection}); and
 * {@link io.wslb.testing.TestCertificate}, certificates for TLS tests. No Jetty.
 */
module io.wslb.testing {
    requires org.slf4j;
    requires org.bouncycastle.pkix;
    requires org.bouncycastle.provider;
    requires static transitive org.jspecify;

    exports io.wslb.testing;
}
