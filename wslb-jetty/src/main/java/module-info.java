/** The Jetty 12.1 adapter of wslb: a core Handler and an ee10 servlet that mount a WebSocketLoadBalancer. */
module io.wslb.jetty {
    requires transitive io.wslb.core;
    requires transitive org.eclipse.jetty.server;
    requires static jakarta.servlet;
    requires static org.eclipse.jetty.ee10.servlet;
    // BoringSSL through netty-tcnative for TLS termination, when the application has it (TlsEngine.AUTO).
    requires static io.netty.handler;
    requires static io.netty.buffer;
    requires static io.netty.tcnative.classes.openssl;
    requires org.slf4j;
    requires java.net.http;
    // The open-files limit (com.sun.management.UnixOperatingSystemMXBean) that the connection cap is derived from.
    requires jdk.management;

    exports io.wslb.jetty;
}
