package io.wslb.bench;

import java.net.Socket;
import java.net.URI;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The load client's TLS: TLS 1.3 with the JDK's defaults (AES-256-GCM first, X25519 first), and no check of the
 * server's certificate, so that the client's CPU goes to the handshake every target shares, not to verifying a
 * signature. With {@code resume} off the engines have no peer name, so the JDK never offers a session: every
 * connection is a full handshake whatever the server allows. With it on, a connection to a host and port offers the
 * last session that host gave.
 */
final class ClientTls {
    private static volatile ClientTls forRun = new ClientTls(false);

    private final SSLContext context;
    private final boolean resume;
    private final AtomicLong fullHandshakes = new AtomicLong();
    private volatile String negotiated = "none yet";

    private ClientTls(boolean resume) {
        this.resume = resume;
        try {
            context = SSLContext.getInstance("TLSv1.3");
            context.init(null, new TrustManager[] {new TrustingManager(fullHandshakes)}, null);
        } catch (GeneralSecurityException x) {
            throw new IllegalStateException("the JDK has no TLS 1.3 client", x);
        }
    }

    /** Every connection a full handshake. */
    static ClientTls fullHandshakes() {
        return new ClientTls(false);
    }

    /** Connections offer to resume the session of an earlier connection to the same host and port. */
    static ClientTls resuming() {
        return new ClientTls(true);
    }

    /** The TLS every load client of this run uses unless told otherwise (set once from the run's options). */
    static void useForRun(ClientTls tls) {
        forRun = tls;
    }

    static ClientTls forRun() {
        return forRun;
    }

    boolean resumes() {
        return resume;
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
        SSLEngine engine = resume ? context.createSSLEngine(url.getHost(), url.getPort()) : context.createSSLEngine();
        engine.setUseClientMode(true);
        engine.setEnabledProtocols(new String[] {"TLSv1.3"});
        return engine;
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
