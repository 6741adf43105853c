/**
 * wslb's API: backends and pools, the Jetty-free view of a handshake, balancing strategies, affinity,
 * session stores, the routing decision and the events of a proxied connection.
 */
module io.wslb.api {
    requires transitive org.jspecify;
    requires org.slf4j;

    exports io.wslb;
    // Shared header parsing for the server adapter; not part of the API.
    exports io.wslb.internal to io.wslb.jetty;
}
