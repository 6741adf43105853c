package io.wslb.jetty.internal.tls;

import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.jspecify.annotations.Nullable;

/**
 * Jetty's server TLS factory as the balancer uses it: engines from BoringSSL ({@link OpenSslTls}) when it is given,
 * the JDK's otherwise. Jetty still loads the key store (its checks and its JDK context stay as they are).
 */
public final class ServerContextFactory extends SslContextFactory.Server {
    private final @Nullable OpenSslTls openssl;

    /** @param openssl where engines come from, or null for the JDK's */
    public ServerContextFactory(@Nullable OpenSslTls openssl) {
        this.openssl = openssl;
    }

    @Override
    public SSLEngine newSSLEngine() {
        OpenSslTls tls = openssl;
        return tls == null ? super.newSSLEngine() : tls.newEngine(null, -1);
    }

    @Override
    public SSLEngine newSSLEngine(String host, int port) {
        OpenSslTls tls = openssl;
        return tls == null ? super.newSSLEngine(host, port) : tls.newEngine(host, port);
    }

    /**
     * Jetty asks every request for the client's certificate chain, and both engines answer with an exception when
     * none was asked for; without client authentication there is none to look up.
     */
    @Override
    public X509Certificate @Nullable [] getX509CertChain(SSLSession session) {
        if (!getNeedClientAuth() && !getWantClientAuth()) {
            return null;
        }
        return super.getX509CertChain(session);
    }
}
