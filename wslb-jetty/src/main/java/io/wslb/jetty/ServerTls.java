package io.wslb.jetty;

import static java.util.Objects.requireNonNull;

import io.wslb.jetty.internal.tls.OpenSslConnectionFactory;
import io.wslb.jetty.internal.tls.OpenSslTls;
import io.wslb.jetty.internal.tls.ServerContextFactory;
import io.wslb.jetty.internal.tls.TicketKeys;
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
import java.util.List;
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
 * <p>The handshakes run on BoringSSL when netty-tcnative is on the class path ({@link TlsEngine#AUTO}), on the
 * JDK's TLS otherwise. With BoringSSL, session ticket keys can come from a file that several instances share
 * ({@link Builder#ticketKeys(Path)}), re-read like the certificate, so that a client resumes its session on
 * whichever instance it reaches after a failover.
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
    private final boolean resumption;
    private final @Nullable OpenSslTls openssl;
    private final ServerContextFactory factory;
    private final Object reloadLock = new Object();
    private volatile byte[] fingerprint;
    private volatile @Nullable TicketKeys ticketKeys;
    private volatile X509Certificate certificate;
    private @Nullable Scheduler scheduler;

    private ServerTls(Builder b) {
        this.identity = b.identity;
        this.checkInterval = b.checkInterval;
        this.resumption = b.resumption;
        this.ticketKeys = b.ticketKeys;
        String unavailable = b.engine == TlsEngine.JDK ? "not asked for" : OpenSslTls.unavailableBecause();
        if (b.engine == TlsEngine.OPENSSL && unavailable != null) {
            throw new IllegalArgumentException("engine OPENSSL: " + unavailable);
        }
        String why = b.engine == TlsEngine.JDK ? " (engine JDK was chosen)" : "; BoringSSL is not available: " + unavailable;
        if (unavailable != null && b.ticketKeys != null) {
            throw new IllegalArgumentException("ticketKeys needs the OPENSSL engine: the JDK's TLS makes its own ticket"
                + " keys and cannot share them" + why);
        }
        if (unavailable != null && !b.resumption) {
            throw new IllegalArgumentException("resumption off needs the OPENSSL engine: the JDK's TLS cannot turn it"
                + " off" + why);
        }
        byte[] print = fingerprint(identity);
        KeyStore store = loadOrFail(identity);
        this.openssl = unavailable == null ? new OpenSslTls(resumption, b.ticketKeys) : null;
        this.factory = new ServerContextFactory(openssl);
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
        return builder(identity).checkInterval(checkInterval).build();
    }

    /**
     * @param identity the certificate and key presented to clients; read at {@link Builder#build()}
     * @return a builder with the defaults: {@link TlsEngine#AUTO}, resumption on with the engine's own ticket keys,
     *     files checked every {@link #DEFAULT_CHECK_INTERVAL}
     */
    public static Builder builder(KeyMaterial identity) {
        return new Builder(requireNonNull(identity, "identity"));
    }

    /**
     * The settings of a {@link ServerTls}.
     *
     * <pre>{@code
     * ServerTls tls = ServerTls.builder(KeyMaterial.pem(Path.of("fullchain.pem"), Path.of("privkey.pem")))
     *     .ticketKeys(Path.of("/etc/wslb/ticket.keys")) // the same file on every instance
     *     .build();
     * }</pre>
     */
    public static final class Builder {
        private final KeyMaterial identity;
        private Duration checkInterval = DEFAULT_CHECK_INTERVAL;
        private TlsEngine engine = TlsEngine.AUTO;
        private boolean resumption = true;
        private @Nullable TicketKeys ticketKeys;

        private Builder(KeyMaterial identity) {
            this.identity = identity;
        }

        /** @param interval how often the files are checked for change; zero: never (default 1 minute) */
        public Builder checkInterval(Duration interval) {
            requireNonNull(interval, "checkInterval");
            if (interval.isNegative()) {
                throw new IllegalArgumentException("checkInterval must not be negative, got " + interval);
            }
            this.checkInterval = interval;
            return this;
        }

        /** @param engine which TLS implementation runs the handshakes (default {@link TlsEngine#AUTO}) */
        public Builder engine(TlsEngine engine) {
            this.engine = requireNonNull(engine, "engine");
            return this;
        }

        /**
         * @param on whether clients may resume a session instead of a full handshake (default on); off needs the
         *     {@link TlsEngine#OPENSSL} engine
         */
        public Builder resumption(boolean on) {
            this.resumption = on;
            return this;
        }

        /**
         * @param file session ticket keys shared with other instances: one per line, base64 of 48 random bytes
         *     ({@code openssl rand -base64 48}), the first sealing new tickets; re-read like the certificate. Needs
         *     the {@link TlsEngine#OPENSSL} engine
         * @throws IllegalArgumentException if the file cannot be read or a line is not one key (the message names it)
         */
        public Builder ticketKeys(Path file) {
            this.ticketKeys = TicketKeys.read(requireNonNull(file, "ticketKeys"));
            return this;
        }

        /**
         * @return the TLS termination, its material read now
         * @throws IllegalArgumentException if the material or the ticket keys cannot be read or are invalid, or a
         *     setting needs an engine that is not available (the message says which)
         */
        public ServerTls build() {
            if (ticketKeys != null && !resumption) {
                throw new IllegalArgumentException("ticketKeys and resumption off contradict each other");
            }
            return new ServerTls(this);
        }
    }

    /**
     * @return why {@link TlsEngine#OPENSSL} cannot run here (netty-tcnative is not on the class path, or did not load),
     *     or null when it can: {@link TlsEngine#AUTO} then takes it
     */
    public static @Nullable String openSslUnavailableBecause() {
        return OpenSslTls.unavailableBecause();
    }

    /** @return the TLS implementation running the handshakes: {@link TlsEngine#OPENSSL} or {@link TlsEngine#JDK} */
    public TlsEngine engine() {
        return openssl != null ? TlsEngine.OPENSSL : TlsEngine.JDK;
    }

    /** @return what runs the handshakes and how sessions resume, for logs and status pages */
    public String describe() {
        String impl = openssl != null ? OpenSslTls.version() + " (netty-tcnative)"
            : "the JDK's TLS (" + System.getProperty("java.vm.vendor") + " " + System.getProperty("java.version") + ")";
        TicketKeys keys = ticketKeys;
        String sessions = !resumption ? "resumption off"
            : keys != null ? "session tickets with the keys of " + keys.file()
            : "session tickets with keys of this instance";
        return impl + ", " + sessions;
    }

    /** @return the Jetty TLS factory this termination configures (TLS 1.2/1.3, the current certificate) */
    public SslContextFactory.Server sslContextFactory() {
        return factory;
    }

    /** @return a new TLS connection factory for a connector, followed by HTTP/1.1 */
    public SslConnectionFactory connectionFactory() {
        if (openssl != null) {
            return new OpenSslConnectionFactory(factory, HttpVersion.HTTP_1_1.asString());
        }
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

    /**
     * Re-reads the ticket key file, if one was given; if its content changed and every line is a key, new tickets
     * are sealed with its first key from now on. An invalid file is logged and the current keys stay.
     *
     * @return true if new keys were installed
     */
    public boolean reloadTicketKeysIfChanged() {
        OpenSslTls tls = openssl;
        synchronized (reloadLock) {
            TicketKeys current = ticketKeys;
            if (current == null || tls == null) {
                return false;
            }
            TicketKeys keys;
            try {
                keys = TicketKeys.readIfChanged(current);
            } catch (IllegalArgumentException e) {
                LOG.warn("TLS reload: {}; keeping the current ticket keys", e.getMessage());
                return false;
            }
            if (keys == null) {
                return false;
            }
            tls.ticketKeys(keys);
            ticketKeys = keys;
            LOG.info("TLS: new session ticket keys: {}", keys);
            return true;
        }
    }

    @Override
    protected void doStart() throws Exception {
        super.doStart();
        LOG.info("TLS: {}", describe());
        if (!checkInterval.isZero() && (!identity.files().isEmpty() || ticketKeys != null)) {
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
                reloadTicketKeysIfChanged();
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
        OpenSslTls tls = openssl;
        if (tls != null) {
            tls.install(store, identity.password());
        }
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
        return fingerprint(identity.files(), "TLS key material " + identity);
    }

    private static byte[] fingerprint(List<Path> files, String what) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            for (Path file : files) {
                byte[] content = Files.readAllBytes(file);
                digest.update(ByteBuffer.allocate(4).putInt(0, content.length));
                digest.update(content);
            }
            return digest.digest();
        } catch (IOException e) {
            throw new IllegalArgumentException(what + ": cannot read " + e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        return "ServerTls{" + identity + ", check every " + checkInterval + "}";
    }
}
