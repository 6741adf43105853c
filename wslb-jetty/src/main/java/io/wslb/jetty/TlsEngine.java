package io.wslb.jetty;

/**
 * Which TLS implementation terminates {@code wss://} clients.
 *
 * <pre>{@code
 * ServerTls tls = ServerTls.builder(KeyMaterial.pem(Path.of("fullchain.pem"), Path.of("privkey.pem")))
 *     .engine(TlsEngine.OPENSSL) // fail at start if BoringSSL cannot load, rather than fall back
 *     .build();
 * }</pre>
 */
public enum TlsEngine {
    /**
     * BoringSSL when {@code io.netty:netty-handler} and {@code io.netty:netty-tcnative-boringssl-static} are on the
     * class path and load on this platform, the JDK's otherwise.
     */
    AUTO,
    /**
     * BoringSSL through netty-tcnative: a full handshake costs several times less CPU than with the JDK's engine, an
     * idle connection holds no TLS buffer, and session ticket keys can be shared between instances.
     */
    OPENSSL,
    /** The JDK's own TLS ({@code SSLEngine} of the default provider): no native code. */
    JDK
}
