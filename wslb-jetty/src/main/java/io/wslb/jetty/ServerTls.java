package io.wslb.jetty;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collections;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.component.ContainerLifeCycle;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;
import org.eclipse.jetty.util.thread.Scheduler;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * TLS termination for {@code wss://} clients: the balancer's certificate and key, TLS 1.2 and 1.3 only, no
 * renegotiation, and certificate reload without restart. While it runs it re-reads its files every check interval
 * (one minute by default) and, when their content changed and the new material is valid, new handshakes use it
 * while open connections keep theirs. Invalid new material (a half-written file, a key that does not match) is
 * logged and ignored until the next check; the old certificate stays in use.
 *
 * <pre>{@code
 * ServerTls tls = ServerTls.of(KeyMaterial.pem(Path.of("fullchain.pem"), Path.of("privkey.pem")));
 * ProxyServerConnector connector = new ProxyServerConnector(server, tls); // wss:// on this connector
 * connector.setPort(8443);
 * server.addConnector(connector);
 * }</pre>
 *
 * <p>With a plain {@code ServerConnector}: {@code new ServerConnector(server, tls.connectionFactory(), new
 * HttpConnectionFactory())}, and {@code server.addBean(tls)} so that the reload checks run.
 */
public final class ServerTls extends ContainerLifeCycle {

    private static final Logger LOG = LoggerFactory.getLogger(ServerTls.class);

    /** Default interval between two checks of the key material's files: 1 minute. */
    public static final Duration DEFAULT_CHECK_INTERVAL = Duration.ofMinutes(1);

    private final KeyMaterial identity;
    private final Duration checkInterval;
    private final SslContextFactory.Server factory = new SslContextFactory.Server();
    private final Object reloadLock = new Object();
    private volatile byte[] fingerprint;
    private volatile X509Certificate certificate;
    private @Nullable Scheduler scheduler;

    private ServerTls(KeyMaterial identity, Duration checkInterval) {
        this.identity = identity;
        this.checkInterval = checkInterval;
        byte[] print = fingerprint(identity);
        KeyStore store = loadOrFail(identity);
        factory.setIncludeProtocols("TLSv1.3", "TLSv1.2");
        factory.setRenegotiationAllowed(false);
        install(factory, store);
        this.fingerprint = print;
        this.certificate = firstCertificate(store);
        addBean(factory);
    }

    /**
     * @param identity the certificate and key presented to clients; read now
     * @return TLS termination checking its files for changes every {@link #DEFAULT_CHECK_INTERVAL}
     * @throws IllegalArgumentException if the material cannot be read or is invalid (the message says why)
     */
    public static ServerTls of(KeyMaterial identity) {
        return of(identity, DEFAULT_CHECK_INTERVAL);
    }

    /**
     * @param identity the certificate and key presented to clients; read now
     * @param checkInterval how often the files are checked for a new certificate; zero: never (call
     *     {@link #reloadIfChanged()} yourself, e.g. on a signal)
     * @return TLS termination
     * @throws IllegalArgumentException if the material cannot be read or is invalid, or the interval is negative
     */
    public static ServerTls of(KeyMaterial identity, Duration checkInterval) {
        requireNonNull(identity, "identity");
        requireNonNull(checkInterval, "checkInterval");
        if (checkInterval.isNegative()) {
            throw new IllegalArgumentException("checkInterval must not be negative, got " + checkInterval);
        }
        return new ServerTls(identity, checkInterval);
    }

    /** @return the Jetty TLS factory this termination configures (TLS 1.2/1.3, the current certificate) */
    public SslContextFactory.Server sslContextFactory() {
        return factory;
    }

    /** @return a new TLS connection factory for a connector, followed by HTTP/1.1 */
    public SslConnectionFactory connectionFactory() {
        return new SslConnectionFactory(factory, HttpVersion.HTTP_1_1.asString());
    }

    /** @return the certificate presented to clients now (the first key entry's) */
    public X509Certificate certificate() {
        return certificate;
    }

    /** @return how often the files are checked; zero when never */
    public Duration checkInterval() {
        return checkInterval;
    }

    /**
     * Re-reads the key material's files; if their content changed and the new material is valid, new handshakes
     * use it from now on. Invalid material is logged and the current certificate stays.
     *
     * @return true if a new certificate was installed
     */
    public boolean reloadIfChanged() {
        synchronized (reloadLock) {
            byte[] print;
            try {
                print = fingerprint(identity);
            } catch (IllegalArgumentException e) {
                LOG.warn("TLS reload: cannot read {}: {}; keeping the current certificate", identity, e.getMessage());
                return false;
            }
            if (Arrays.equals(print, fingerprint)) {
                return false;
            }
            KeyStore store;
            try {
                store = loadOrFail(identity);
            } catch (IllegalArgumentException e) {
                LOG.warn("TLS reload: {}; keeping the current certificate", e.getMessage());
                return false;
            }
            try {
                if (factory.isStarted()) {
                    factory.reload(f -> install((SslContextFactory.Server) f, store));
                } else {
                    install(factory, store);
                }
            } catch (Exception e) {
                LOG.warn("TLS reload of {} failed: {}; keeping the current certificate", identity, e.toString());
                return false;
            }
            fingerprint = print;
            certificate = firstCertificate(store);
            LOG.info("TLS: new certificate for {} from {}, valid until {}", certificate.getSubjectX500Principal(),
                identity, certificate.getNotAfter().toInstant());
            return true;
        }
    }

    @Override
    protected void doStart() throws Exception {
        super.doStart();
        if (!checkInterval.isZero() && !identity.files().isEmpty()) {
            ScheduledExecutorScheduler timer = new ScheduledExecutorScheduler("wslb-tls-reload", true);
            timer.start();
            scheduler = timer;
            scheduleCheck(timer);
        }
    }

    @Override
    protected void doStop() throws Exception {
        Scheduler timer = scheduler;
        scheduler = null;
        if (timer != null) {
            timer.stop();
        }
        super.doStop();
    }

    private void scheduleCheck(Scheduler timer) {
        timer.schedule(() -> {
            if (scheduler != timer) {
                return;
            }
            try {
                reloadIfChanged();
            } finally {
                if (scheduler == timer) {
                    scheduleCheck(timer);
                }
            }
        }, checkInterval.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void install(SslContextFactory.Server target, KeyStore store) {
        target.setKeyStore(store);
        target.setKeyManagerPassword(new String(identity.password()));
    }

    private static KeyStore loadOrFail(KeyMaterial identity) {
        try {
            return identity.load();
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("TLS key material " + identity + ": " + e.getMessage(), e);
        }
    }

    private static X509Certificate firstCertificate(KeyStore store) {
        try {
            for (String alias : Collections.list(store.aliases())) {
                if (store.isKeyEntry(alias) && store.getCertificate(alias) instanceof X509Certificate x509) {
                    return x509;
                }
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot read the keystore's certificate: " + e.getMessage(), e);
        }
        throw new IllegalArgumentException("the key material holds no X.509 certificate");
    }

    /** SHA-256 over every file's length and content: changes when any file does. */
    private static byte[] fingerprint(KeyMaterial identity) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            for (Path file : identity.files()) {
                byte[] content = Files.readAllBytes(file);
                digest.update(ByteBuffer.allocate(4).putInt(0, content.length));
                digest.update(content);
            }
            return digest.digest();
        } catch (IOException e) {
            throw new IllegalArgumentException("TLS key material " + identity + ": cannot read " + e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        return "ServerTls{" + identity + ", check every " + checkInterval + "}";
    }
}
