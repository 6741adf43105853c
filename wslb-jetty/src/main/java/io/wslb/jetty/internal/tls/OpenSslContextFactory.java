package io.wslb.jetty.internal.tls;

import javax.net.ssl.SSLEngine;
import org.eclipse.jetty.util.ssl.SslContextFactory;

/**
 * Jetty's server TLS factory with engines from BoringSSL ({@link OpenSslTls}) instead of the JDK. Jetty still loads
 * the key store (its checks and its JDK context stay as they are); only the engines of new connections differ.
 */
public final class OpenSslContextFactory extends SslContextFactory.Server {
    private final OpenSslTls tls;

    public OpenSslContextFactory(OpenSslTls tls) {
        this.tls = tls;
    }

    @Override
    public SSLEngine newSSLEngine() {
        return tls.newEngine(null, -1);
    }

    @Override
    public SSLEngine newSSLEngine(String host, int port) {
        return tls.newEngine(host, port);
    }
}
