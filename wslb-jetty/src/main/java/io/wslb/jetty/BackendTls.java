package io.wslb.jetty;

import static java.util.Objects.requireNonNull;

import io.wslb.jetty.internal.tls.Pem;
import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.jspecify.annotations.Nullable;

/**
 * TLS toward {@code wss://} backends: which certificate authorities are trusted, and the client certificate shown
 * to backends that ask for one. Host names are always verified (a backend whose certificate does not name the
 * host of its URI is refused, and the client gets 502), and sent as SNI when the URI names a host. Give the result
 * to {@code WebSocketLoadBalancerBuilder.backendTls}; the data path and the health checks both use it.
 *
 * <pre>{@code
 * SSLContext tls = BackendTls.builder()
 *     .trustPem(Path.of("/etc/wslb/backend-ca.pem"))
 *     .clientCertificate(KeyMaterial.pem(Path.of("proxy.crt"), Path.of("proxy.key")))
 *     .build();
 * WebSocketLoadBalancer lb = WebSocketLoadBalancer.builder()
 *     .backend(Backend.of("a", URI.create("wss://10.0.0.1:3443")))
 *     .strategy(BalancingStrategies.roundRobin())
 *     .backendTls(tls)
 *     .build();
 * }</pre>
 */
public final class BackendTls {

    private BackendTls() {}

    /** @return a builder that trusts the JDK's default authorities and shows no client certificate */
    public static Builder builder() {
        return new Builder();
    }

    /** Builds the TLS context toward backends; every file is read and checked by {@link #build()}. */
    public static final class Builder {
        private final List<Path> trustPems = new ArrayList<>();
        private final List<X509Certificate> trusted = new ArrayList<>();
        private @Nullable Path trustStore;
        private char @Nullable [] trustStorePassword;
        private @Nullable KeyMaterial clientCertificate;

        private Builder() {}

        /**
         * @param caBundle a PEM file of trusted certificate authorities (or self-signed backend certificates);
         *     repeatable. Once any trust is given, the JDK's default authorities are no longer trusted
         * @return this
         */
        public Builder trustPem(Path caBundle) {
            trustPems.add(requireNonNull(caBundle, "caBundle"));
            return this;
        }

        /**
         * @param file a PKCS12 or JKS trust store
         * @param password its password
         * @return this
         */
        public Builder trustStore(Path file, char[] password) {
            this.trustStore = requireNonNull(file, "file");
            this.trustStorePassword = requireNonNull(password, "password").clone();
            return this;
        }

        /**
         * @param certificates trusted certificates held in memory
         * @return this
         */
        public Builder trust(X509Certificate... certificates) {
            for (X509Certificate certificate : certificates) {
                trusted.add(requireNonNull(certificate, "certificate"));
            }
            return this;
        }

        /**
         * @param identity the certificate and key shown to backends that ask for a client certificate (mutual TLS)
         * @return this
         */
        public Builder clientCertificate(KeyMaterial identity) {
            this.clientCertificate = requireNonNull(identity, "identity");
            return this;
        }

        /**
         * @return an initialised TLS context
         * @throws IllegalArgumentException if a file cannot be read or is invalid (the message names it)
         */
        public SSLContext build() {
            try {
                TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                trust.init(trustAnchors());
                KeyManager[] keys = null;
                if (clientCertificate != null) {
                    KeyStore store;
                    try {
                        store = clientCertificate.load();
                    } catch (IOException | GeneralSecurityException e) {
                        throw new IllegalArgumentException("client certificate " + clientCertificate + ": " + e.getMessage(), e);
                    }
                    KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                    factory.init(store, clientCertificate.password());
                    keys = factory.getKeyManagers();
                }
                SSLContext context = SSLContext.getInstance("TLS");
                context.init(keys, trust.getTrustManagers(), null);
                return context;
            } catch (GeneralSecurityException e) {
                throw new IllegalArgumentException("backend TLS: " + e.getMessage(), e);
            }
        }

        /** @return the trust store to use, or null for the JDK's default authorities */
        private @Nullable KeyStore trustAnchors() throws GeneralSecurityException {
            if (trustPems.isEmpty() && trusted.isEmpty() && trustStore == null) {
                return null;
            }
            KeyStore anchors = KeyStore.getInstance("PKCS12");
            try {
                anchors.load(null, null);
            } catch (IOException e) {
                throw new GeneralSecurityException(e);
            }
            List<X509Certificate> all = new ArrayList<>(trusted);
            for (Path pem : trustPems) {
                try {
                    all.addAll(Pem.certificates(pem));
                } catch (IOException e) {
                    throw new IllegalArgumentException("trust PEM " + pem + ": " + e.getMessage(), e);
                }
            }
            if (trustStore != null) {
                try {
                    KeyStore store = KeyStore.getInstance(trustStore.toFile(), trustStorePassword);
                    for (String alias : java.util.Collections.list(store.aliases())) {
                        if (store.getCertificate(alias) instanceof X509Certificate x509) {
                            all.add(x509);
                        }
                    }
                } catch (IOException e) {
                    throw new IllegalArgumentException("trust store " + trustStore
                        + " (wrong password, or not PKCS12/JKS): " + e.getMessage(), e);
                }
            }
            if (all.isEmpty()) {
                throw new IllegalArgumentException("the trust given for backends holds no certificate");
            }
            int i = 0;
            for (X509Certificate certificate : all) {
                anchors.setCertificateEntry("trusted-" + i++, certificate);
            }
            return anchors;
        }
    }
}
