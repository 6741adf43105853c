/**
 * Test fixtures for wslb and for its users' own tests: {@link io.wslb.testing.FaultProxy}, a TCP proxy that
 * simulates network and backend faults. No Jetty.
 */
module io.wslb.testing {
    requires org.slf4j;
    requires static org.jspecify;

    exports io.wslb.testing;
}
