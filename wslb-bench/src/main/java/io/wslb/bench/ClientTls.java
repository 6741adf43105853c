package io.wslb.bench;

import static java.util.Objects.requireNonNull;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.OpenSslContextOption;
import io.netty.handler.ssl.ReferenceCountedOpenSslEngine;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.net.Socket;
import java.net.URI;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSession;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;
import org.jspecify.annotations.Nullable;

/**
 * The load client's TLS: TLS 1.3 with X25519, on BoringSSL (netty-tcnative) by default or on the JDK's TLS, and no
 * check of the server's certificate chain. BoringSSL keeps the client's share of a full handshake small (on the JDK's
 * pure-Java X25519 and ECDSA verification the client cost as much as the proxies it measured; the figures are in
 * docs/design.md, section 6), so that the proxies' handshakes are what a run measures. With {@code resume} off the engines have no
 * peer name, so no session is ever offered: every connection is a full handshake whatever the server allows. With it
 * on, a connection to a host and port offers the last session that host gave.
 */
final class ClientTls {
    private static volatile ClientTls forRun = new ClientTls(false, true);

    private final @Nullable SSLContext context;
    private final @Nullable SslContext openssl;
    private final boolean resume;
    private final AtomicLong fullHandshakes = new AtomicLong();
    private volatile String negotiated = "none yet";

    private ClientTls(boolean resume, boolean boringSsl) {
        this.resume = resume;
        TrustingManager trust = new TrustingManager(fullHandshakes);
        if (boringSsl) {
            context = null;
            try {
                openssl = SslContextBuilder.forClient().sslProvider(SslProvider.OPENSSL).trustManager(trust)
                    .protocols("TLSv1.3").option(OpenSslContextOption.GROUPS, new String[] {"X25519"}).build();
            } catch (SSLException x) {
                throw new IllegalStateException("BoringSSL (netty-tcnative) did not load: " + x.getMessage(), x);
            }
            return;
        }
        openssl = null;
        try {
            context = SSLContext.getInstance("TLSv1.3");
            context.init(null, new TrustManager[] {trust}, null);
        } catch (GeneralSecurityException x) {
            throw new IllegalStateException("the JDK has no TLS 1.3 client", x);
        }
    }

    /** Every connection a full handshake, on BoringSSL. */
    static ClientTls fullHandshakes() {
        return new ClientTls(false, true);
    }

    /** Connections offer to resume the session of an earlier connection to the same host and port, on BoringSSL. */
    static ClientTls resuming() {
        return new ClientTls(true, true);
    }

    /** The same on the JDK's TLS: {@code resume} as {@link #resuming()}, else as {@link #fullHandshakes()}. */
    static ClientTls jdk(boolean resume) {
        return new ClientTls(resume, false);
    }

    /** @return which TLS the client runs on, for the run's facts */
    String implementation() {
        return openssl != null ? OpenSsl.versionString() + " (netty-tcnative)" : "the JDK's TLS " + System.getProperty(
            "java.version");
    }

    /** The TLS every load client of this run uses unless told otherwise (set once from the run's options). */
    static void useForRun(ClientTls tls) {
        forRun = tls;
    }

    static ClientTls forRun() {
        return forRun;
    }

    /** Handshakes in which the server sent its certificate: the full ones (a resumed TLS 1.3 handshake sends none). */
    long fullHandshakesSeen() {
        return fullHandshakes.get();
    }

    /** The protocol, cipher suite and key exchange group of the latest handshake, to print with a run's facts. */
    String negotiated() {
        return negotiated;
    }

    void handshakeDone(SSLEngine engine) {
        SSLSession s = engine.getSession();
        negotiated = s.getProtocol() + " " + s.getCipherSuite();
    }

    SSLEngine newEngine(URI url) {
        SslContext native_ = openssl;
        if (native_ != null) {
            return resume ? native_.newEngine(ByteBufAllocator.DEFAULT, url.getHost(), url.getPort())
                : native_.newEngine(ByteBufAllocator.DEFAULT);
        }
        SSLContext jdk = requireNonNull(context, "no TLS context");
        SSLEngine engine = resume ? jdk.createSSLEngine(url.getHost(), url.getPort()) : jdk.createSSLEngine();
        engine.setUseClientMode(true);
        engine.setEnabledProtocols(new String[] {"TLSv1.3"});
        return engine;
    }

    /** Frees a BoringSSL engine's native state when its connection closes, not when the collector finds it. */
    static void free(SSLEngine engine) {
        if (engine instanceof ReferenceCountedOpenSslEngine e) {
            e.shutdown();
        }
    }

    /** Trusts every server: the bench measures servers, not the client's certificate checks. */
    private static final class TrustingManager extends X509ExtendedTrustManager {
        private final AtomicLong checks;

        TrustingManager(AtomicLong checks) {
            this.checks = checks;
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
            checks.incrementAndGet();
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
