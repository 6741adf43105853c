package io.wslb.testing;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.sec.ECPrivateKey;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.jspecify.annotations.Nullable;

/**
 * A certificate and its private key made on the spot, for TLS tests and local trials: a certificate authority, a
 * certificate it issues for some host names and IP addresses, or a self-signed one. Keys are EC P-256 (RSA 2048 on
 * request); certificates are valid from an hour ago for 30 days and usable by servers and clients alike.
 *
 * <pre>{@code
 * TestCertificate ca = TestCertificate.authority("test CA");
 * TestCertificate server = ca.issue("localhost", "127.0.0.1");
 * server.writeCertificatePem(dir.resolve("server.crt"));    // the chain: server, then CA
 * server.writeKeyPem(dir.resolve("server.key"));             // PKCS#8
 * ca.writeCertificatePem(dir.resolve("ca.pem"));             // what clients trust
 * }</pre>
 */
public final class TestCertificate {

    private static final Duration VALIDITY = Duration.ofDays(30);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final KeyPair keys;
    private final X509Certificate certificate;
    private final @Nullable TestCertificate issuer;

    private TestCertificate(KeyPair keys, X509Certificate certificate, @Nullable TestCertificate issuer) {
        this.keys = keys;
        this.certificate = certificate;
        this.issuer = issuer;
    }

    /**
     * @param commonName the authority's name
     * @return a self-signed certificate authority that can {@link #issue} certificates
     */
    public static TestCertificate authority(String commonName) {
        KeyPair keys = keyPair(false);
        X500Name name = new X500Name("CN=" + requireNonNull(commonName, "commonName"));
        return new TestCertificate(keys, sign(name, keys, name, keys.getPrivate(), null, true), null);
    }

    /**
     * @param names the DNS names and IP addresses the certificate is for (the first is also its common name)
     * @return a self-signed certificate with an EC key
     */
    public static TestCertificate selfSigned(String... names) {
        return selfSigned(false, names);
    }

    /**
     * @param names the DNS names and IP addresses the certificate is for
     * @return a self-signed certificate with an RSA 2048 key
     */
    public static TestCertificate selfSignedRsa(String... names) {
        return selfSigned(true, names);
    }

    private static TestCertificate selfSigned(boolean rsa, String... names) {
        KeyPair keys = keyPair(rsa);
        X500Name name = subject(names);
        return new TestCertificate(keys, sign(name, keys, name, keys.getPrivate(), names, false), null);
    }

    /**
     * @param names the DNS names and IP addresses the new certificate is for (the first is also its common name)
     * @return a certificate signed by this one, with an EC key
     */
    public TestCertificate issue(String... names) {
        KeyPair leaf = keyPair(false);
        X500Name issuerName = X500Name.getInstance(certificate.getSubjectX500Principal().getEncoded());
        return new TestCertificate(leaf, sign(subject(names), leaf, issuerName, keys.getPrivate(), names, false), this);
    }

    /** @return the certificate */
    public X509Certificate certificate() {
        return certificate;
    }

    /** @return its private key */
    public PrivateKey privateKey() {
        return keys.getPrivate();
    }

    /** @return the certificate, then its issuers up to the root */
    public List<X509Certificate> chain() {
        List<X509Certificate> chain = new ArrayList<>();
        for (TestCertificate at = this; at != null; at = at.issuer) {
            chain.add(at.certificate);
        }
        return List.copyOf(chain);
    }

    /**
     * @param file where to write the chain ({@link #chain()}) as PEM
     * @return the file
     */
    public Path writeCertificatePem(Path file) {
        StringBuilder pem = new StringBuilder();
        try {
            for (X509Certificate c : chain()) {
                pem.append(pem("CERTIFICATE", c.getEncoded()));
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
        return write(file, pem.toString());
    }

    /**
     * @param file where to write the private key as unencrypted PKCS#8 PEM ({@code BEGIN PRIVATE KEY})
     * @return the file
     */
    public Path writeKeyPem(Path file) {
        return write(file, pem("PRIVATE KEY", keys.getPrivate().getEncoded()));
    }

    /**
     * @param file where to write the private key in the traditional OpenSSL form: PKCS#1 ({@code BEGIN RSA PRIVATE
     *     KEY}) or SEC1 ({@code BEGIN EC PRIVATE KEY})
     * @return the file
     */
    public Path writeTraditionalKeyPem(Path file) {
        PrivateKeyInfo info = PrivateKeyInfo.getInstance(keys.getPrivate().getEncoded());
        try {
            if (keys.getPrivate().getAlgorithm().equals("EC")) {
                // As OpenSSL writes it: the curve named in the key's own parameters field, which some readers need.
                ECPrivateKey inner = ECPrivateKey.getInstance(info.parsePrivateKey());
                ECPrivateKey named = new ECPrivateKey(256, inner.getKey(), info.getPrivateKeyAlgorithm().getParameters());
                return write(file, pem("EC PRIVATE KEY", named.getEncoded()));
            }
            return write(file, pem("RSA PRIVATE KEY", info.parsePrivateKey().toASN1Primitive().getEncoded()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * @param file where to write a PKCS12 keystore holding the key and its chain under the alias {@code test}
     * @param password the keystore's and the key's password
     * @return the file
     */
    public Path writePkcs12(Path file, char[] password) {
        try (OutputStream out = Files.newOutputStream(file)) {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry("test", keys.getPrivate(), password, chain().toArray(new Certificate[0]));
            store.store(out, password);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        return "TestCertificate{" + certificate.getSubjectX500Principal() + "}";
    }

    private static X500Name subject(String... names) {
        if (names.length == 0) {
            throw new IllegalArgumentException("a certificate needs at least one DNS name or IP address");
        }
        return new X500Name("CN=" + names[0]);
    }

    private static KeyPair keyPair(boolean rsa) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance(rsa ? "RSA" : "EC");
            if (rsa) {
                generator.initialize(2048, RANDOM);
            } else {
                generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
            }
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static X509Certificate sign(X500Name subject, KeyPair subjectKeys, X500Name issuer, PrivateKey issuerKey,
                                        String @Nullable [] names, boolean authority) {
        Instant now = Instant.now();
        try {
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(issuer,
                new BigInteger(64, RANDOM).abs().add(BigInteger.ONE), Date.from(now.minus(Duration.ofHours(1))),
                Date.from(now.plus(VALIDITY)), subject, subjectKeys.getPublic());
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(authority));
            if (authority) {
                builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            } else {
                builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
                builder.addExtension(Extension.extendedKeyUsage, false,
                    new ExtendedKeyUsage(new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
            }
            if (names != null) {
                GeneralName[] alternatives = new GeneralName[names.length];
                for (int i = 0; i < names.length; i++) {
                    alternatives[i] = isIpLiteral(names[i])
                        ? new GeneralName(GeneralName.iPAddress, names[i])
                        : new GeneralName(GeneralName.dNSName, names[i]);
                }
                builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(alternatives));
            }
            String algorithm = issuerKey.getAlgorithm().equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
            X509CertificateHolder holder = builder.build(new JcaContentSignerBuilder(algorithm).build(issuerKey));
            return new JcaX509CertificateConverter().getCertificate(holder);
        } catch (IOException | OperatorCreationException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot make a test certificate: " + e.getMessage(), e);
        }
    }

    private static boolean isIpLiteral(String name) {
        if (name.contains(":")) {
            return true;
        }
        if (!name.matches("[0-9.]+")) {
            return false;
        }
        try {
            return InetAddress.getByName(name) != null;
        } catch (IOException e) {
            return false;
        }
    }

    private static String pem(String label, byte[] der) {
        return "-----BEGIN " + label + "-----\n"
            + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
            + "\n-----END " + label + "-----\n";
    }

    private static Path write(Path file, String text) {
        try {
            return Files.writeString(file, text, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
