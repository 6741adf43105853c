package io.wslb.jetty;

import static java.util.Objects.requireNonNull;

import io.wslb.jetty.internal.tls.Pem;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Collections;
import java.util.List;

/**
 * A private key and its certificate chain, from PEM files, a PKCS12 or JKS keystore, or memory: what the balancer
 * presents to its clients ({@link ServerTls}) or to backends that ask for a client certificate ({@link BackendTls}).
 * It only names where the material is; {@link #load()} reads and checks it, and can be called again to pick up
 * renewed files.
 *
 * <pre>{@code
 * KeyMaterial letsEncrypt = KeyMaterial.pem(Path.of("/etc/tls/fullchain.pem"), Path.of("/etc/tls/privkey.pem"));
 * KeyMaterial store = KeyMaterial.keyStore(Path.of("proxy.p12"), "changeit".toCharArray());
 * }</pre>
 *
 * <p>PEM keys may be PKCS#8 ({@code BEGIN PRIVATE KEY}), PKCS#1 ({@code BEGIN RSA PRIVATE KEY}) or SEC1
 * ({@code BEGIN EC PRIVATE KEY}), unencrypted (protect the file instead, or use a keystore).
 */
public final class KeyMaterial {

    private interface Loader {
        KeyStore load(char[] password) throws IOException, GeneralSecurityException;
    }

    private final String description;
    private final List<Path> files;
    private final Loader loader;
    private final char[] password;

    private KeyMaterial(String description, List<Path> files, Loader loader, char[] password) {
        this.description = description;
        this.files = files;
        this.loader = loader;
        this.password = password;
    }

    /**
     * @param certificateChain a PEM file with the certificate, then any intermediate certificates
     * @param privateKey a PEM file with the certificate's private key
     * @return the material; nothing is read yet
     */
    public static KeyMaterial pem(Path certificateChain, Path privateKey) {
        requireNonNull(certificateChain, "certificateChain");
        requireNonNull(privateKey, "privateKey");
        return new KeyMaterial("PEM " + certificateChain + " + " + privateKey, List.of(certificateChain, privateKey),
            password -> {
                List<X509Certificate> chain = Pem.certificates(certificateChain);
                PrivateKey key = Pem.privateKey(privateKey);
                if (!matches(key, chain.get(0).getPublicKey())) {
                    throw new GeneralSecurityException("the private key in " + privateKey
                        + " does not belong to the first certificate in " + certificateChain);
                }
                return inMemory(key, chain, password);
            }, randomPassword());
    }

    /**
     * @param file a PKCS12 ({@code .p12}, {@code .pfx}) or JKS keystore; the type is detected from the content
     * @param password the keystore's password, also that of its keys
     * @return the material; nothing is read yet
     */
    public static KeyMaterial keyStore(Path file, char[] password) {
        requireNonNull(file, "file");
        requireNonNull(password, "password");
        char[] copy = password.clone();
        return new KeyMaterial("keystore " + file, List.of(file), ignored -> {
            KeyStore store;
            try {
                store = KeyStore.getInstance(file.toFile(), copy);
            } catch (IOException e) {
                throw new IOException("cannot read keystore " + file + " (wrong password, or not PKCS12/JKS): " + e.getMessage(), e);
            }
            boolean anyKey = false;
            for (String alias : Collections.list(store.aliases())) {
                if (store.isKeyEntry(alias)) {
                    try {
                        store.getKey(alias, copy);
                    } catch (GeneralSecurityException e) {
                        throw new GeneralSecurityException("keystore " + file + ": the key '" + alias
                            + "' has a password other than the store's (" + e.getMessage() + ")", e);
                    }
                    anyKey = true;
                }
            }
            if (!anyKey) {
                throw new GeneralSecurityException("keystore " + file + " holds no private key entry");
            }
            return store;
        }, copy);
    }

    /**
     * @param key a private key
     * @param chain its certificate, then any intermediate certificates
     * @return the material, held in memory (nothing to reload)
     */
    public static KeyMaterial of(PrivateKey key, List<X509Certificate> chain) {
        requireNonNull(key, "key");
        List<X509Certificate> copy = List.copyOf(chain);
        if (copy.isEmpty()) {
            throw new IllegalArgumentException("a certificate chain needs at least one certificate");
        }
        if (!matches(key, copy.get(0).getPublicKey())) {
            throw new IllegalArgumentException("the private key does not belong to the first certificate of the chain");
        }
        return new KeyMaterial("in-memory key for " + copy.get(0).getSubjectX500Principal(), List.of(),
            password -> inMemory(key, copy, password), randomPassword());
    }

    /**
     * Reads the files now and checks them: the chain parses, the key belongs to the first certificate, a keystore
     * opens with its password and holds a key.
     *
     * @return a keystore holding the key entries, protected by {@link #password()}
     * @throws IOException if a file cannot be read or is not what it should be
     * @throws GeneralSecurityException if the material is malformed or inconsistent
     */
    public KeyStore load() throws IOException, GeneralSecurityException {
        return loader.load(password);
    }

    /** @return the files this material is read from (none when held in memory), for reload checks */
    public List<Path> files() {
        return files;
    }

    /** @return the password of the keystore {@link #load()} returns and of its keys */
    char[] password() {
        return password.clone();
    }

    @Override
    public String toString() {
        return description;
    }

    private static KeyStore inMemory(PrivateKey key, List<X509Certificate> chain, char[] password)
        throws IOException, GeneralSecurityException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry("wslb", key, password, chain.toArray(new Certificate[0]));
        return store;
    }

    /** Whether {@code key} signs what {@code publicKey} verifies. */
    private static boolean matches(PrivateKey key, PublicKey publicKey) {
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "Ed25519", "Ed448", "EdDSA" -> key.getAlgorithm();
            default -> null;
        };
        if (algorithm == null) {
            return key.getAlgorithm().equals(publicKey.getAlgorithm());
        }
        try {
            byte[] probe = "wslb key check".getBytes(StandardCharsets.US_ASCII);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(probe);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(publicKey);
            verifier.update(probe);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    private static char[] randomPassword() {
        SecureRandom random = new SecureRandom();
        char[] password = new char[24];
        for (int i = 0; i < password.length; i++) {
            password[i] = (char) ('a' + random.nextInt(26));
        }
        return password;
    }
}
