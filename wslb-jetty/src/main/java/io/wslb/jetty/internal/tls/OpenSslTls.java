package io.wslb.jetty.internal.tls;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.OpenSslSessionContext;
import io.netty.handler.ssl.OpenSslSessionTicketKey;
import io.netty.handler.ssl.ReferenceCountedOpenSslEngine;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.internal.tcnative.SSL;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Collections;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import org.jspecify.annotations.Nullable;

/**
 * TLS termination by BoringSSL through netty-tcnative, behind the JDK's {@link SSLEngine} interface, so that Jetty's
 * {@code SslConnection} drives it like the JDK's engine. It costs far less CPU per handshake than the JDK's
 * pure-Java elliptic curves, keeps no buffer on an idle connection, and takes session ticket keys from outside, so
 * that instances sharing a key file resume each other's sessions.
 *
 * <p>Only this class names Netty's types: callers first ask {@link #unavailableBecause()}, which loads none of them
 * when Netty is not on the class path.
 */
public final class OpenSslTls {
    private final boolean resumption;
    private volatile @Nullable TicketKeys ticketKeys;
    private volatile @Nullable SslContext context;

    /**
     * @param resumption whether clients may resume sessions (TLS 1.3 tickets, TLS 1.2 tickets and session ids)
     * @param ticketKeys the keys that seal tickets, or null for keys BoringSSL makes and rotates itself
     */
    public OpenSslTls(boolean resumption, @Nullable TicketKeys ticketKeys) {
        this.resumption = resumption;
        this.ticketKeys = ticketKeys;
    }

    /** @return why BoringSSL cannot be used here, or null when it can */
    public static @Nullable String unavailableBecause() {
        try {
            Class.forName("io.netty.handler.ssl.OpenSsl", false, OpenSslTls.class.getClassLoader());
            Class.forName("io.netty.internal.tcnative.SSL", false, OpenSslTls.class.getClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            return "netty-handler and netty-tcnative-boringssl-static are not on the class path";
        }
        try {
            if (OpenSsl.isAvailable()) {
                return null;
            }
            Throwable cause = OpenSsl.unavailabilityCause();
            return "netty-tcnative did not load: " + (cause == null ? "unknown cause" : cause.toString());
        } catch (LinkageError e) {
            return "netty-tcnative did not load: " + e;
        }
    }

    /** @return the native library's name and version, such as {@code BoringSSL} */
    public static String version() {
        return OpenSsl.versionString();
    }

    /**
     * Makes the context new engines come from, with the key entry of {@code store}; engines made before keep theirs.
     *
     * @throws IllegalArgumentException if the key or chain cannot be used
     */
    public void install(KeyStore store, char[] password) {
        try {
            for (String alias : Collections.list(store.aliases())) {
                if (!store.isKeyEntry(alias)) {
                    continue;
                }
                Key key = store.getKey(alias, password);
                Certificate[] chain = store.getCertificateChain(alias);
                if (!(key instanceof PrivateKey privateKey) || chain == null || chain.length == 0) {
                    continue;
                }
                X509Certificate[] x509 = new X509Certificate[chain.length];
                for (int i = 0; i < chain.length; i++) {
                    x509[i] = (X509Certificate) chain[i];
                }
                SslContext built = SslContextBuilder.forServer(privateKey, x509)
                    .sslProvider(SslProvider.OPENSSL)
                    .protocols("TLSv1.3", "TLSv1.2")
                    .build();
                applySessions(built, ticketKeys);
                context = built;
                return;
            }
        } catch (GeneralSecurityException | SSLException | ClassCastException e) {
            throw new IllegalArgumentException("BoringSSL cannot use the key material: " + e.getMessage(), e);
        }
        throw new IllegalArgumentException("the key material holds no private key with its certificate chain");
    }

    /** Seals new tickets with the first of {@code keys} from now on, and opens tickets sealed with any of them. */
    public void ticketKeys(TicketKeys keys) {
        ticketKeys = keys;
        SslContext current = context;
        if (current != null) {
            applySessions(current, keys);
        }
    }

    private void applySessions(SslContext ctx, @Nullable TicketKeys keys) {
        OpenSslSessionContext sessions = (OpenSslSessionContext) ctx.sessionContext();
        if (!resumption) {
            sessions.setSessionCacheEnabled(false); // no TLS 1.2 session ids; newEngine turns the tickets off
            return;
        }
        if (keys == null) {
            sessions.setTicketKeys(); // BoringSSL makes and rotates its own keys
            return;
        }
        OpenSslSessionTicketKey[] native_ = new OpenSslSessionTicketKey[keys.size()];
        for (int i = 0; i < keys.size(); i++) {
            native_[i] = new OpenSslSessionTicketKey(keys.name(i), keys.hmacKey(i), keys.aesKey(i));
        }
        sessions.setTicketKeys(native_);
    }

    /** @return a server-side engine for a connection from {@code host:port} (null and -1 when unknown) */
    public SSLEngine newEngine(@Nullable String host, int port) {
        SslContext ctx = context;
        if (ctx == null) {
            throw new IllegalStateException("no key material installed");
        }
        SSLEngine engine = ctx.newEngine(ByteBufAllocator.DEFAULT, host, port);
        if (!resumption && engine instanceof ReferenceCountedOpenSslEngine openssl) {
            // Netty turns TLS 1.3 tickets on for each new engine, whatever its context says; off here means off.
            SSL.setOptions(openssl.sslPointer(), SSL.SSL_OP_NO_TICKET);
        }
        return engine;
    }

    /** Frees the native state of {@code engine} now rather than when the garbage collector finds it. */
    public static void free(SSLEngine engine) {
        if (engine instanceof ReferenceCountedOpenSslEngine openssl) {
            openssl.shutdown();
        }
    }
}
