/**
 * The engine of wslb, with no server: what users compose ({@code io.wslb}: the balancer and its settings,
 * backends and the live pool, strategies, affinity, session stores, guards and events) and what a server adapter
 * calls ({@code io.wslb.spi}: the routing decision of one handshake and its end).
 */
module io.wslb.core {
    requires transitive org.jspecify;
    requires org.slf4j;

    exports io.wslb;
    exports io.wslb.spi;
    // Header parsing and address literals shared with the Jetty adapter; not part of the API.
    exports io.wslb.internal to io.wslb.jetty;
}
