package io.wslb.jetty.internal.tls;

import javax.net.ssl.SSLEngine;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.ssl.SslConnection;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.jspecify.annotations.Nullable;

/**
 * Jetty's TLS connection factory for BoringSSL engines: each connection frees its engine's native state when it
 * closes (Jetty closes only the outbound side, which would leave it to the garbage collector), and the encrypted
 * buffers are direct, which BoringSSL reads and writes in place rather than through a copy.
 */
public final class OpenSslConnectionFactory extends SslConnectionFactory {

    public OpenSslConnectionFactory(ServerContextFactory factory, String nextProtocol) {
        super(factory, nextProtocol);
        setDirectBuffersForEncryption(true);
        setDirectBuffersForDecryption(true);
    }

    @Override
    protected SslConnection newSslConnection(Connector connector, EndPoint endPoint, SSLEngine engine) {
        return new SslConnection(connector.getByteBufferPool(), connector.getExecutor(), getSslContextFactory(), endPoint,
            engine, isDirectBuffersForEncryption(), isDirectBuffersForDecryption()) {
            @Override
            public void onClose(@Nullable Throwable cause) {
                try {
                    super.onClose(cause);
                } finally {
                    OpenSslTls.free(engine);
                }
            }
        };
    }
}
