package io.wslb.jetty.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/** Ports for tests. */
public final class Ports {

    private Ports() {}

    /**
     * @return a port on 127.0.0.1 that was free a moment ago and on which nothing listens now (a connect to it is
     *     refused)
     */
    public static int closedPort() throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
            return s.getLocalPort();
        }
    }
}
