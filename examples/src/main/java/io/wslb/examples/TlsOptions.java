package io.wslb.examples;

import io.wslb.jetty.BackendTls;
import io.wslb.jetty.KeyMaterial;
import io.wslb.jetty.ServerTls;
import io.wslb.jetty.TlsEngine;
import io.wslb.testing.TestCertificate;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import javax.net.ssl.SSLContext;
import org.jspecify.annotations.Nullable;

/**
 * The TLS flags shared by the {@code proxy} and {@code demo} commands: where the balancer's certificate comes from
 * ({@code --tls-cert/--tls-key}, {@code --keystore}, or a generated {@code --tls-self-signed} one), how often it is
 * reloaded, and (for the proxy) the trust and client certificate toward {@code wss://} backends.
 */
final class TlsOptions {

    /** Flags that take a value. */
    static final Set<String> SERVER_VALUED = Set.of("tls-cert", "tls-key", "keystore", "keystore-password-file",
        "tls-reload-interval", "tls-engine", "tls-resumption", "tls-ticket-keys");
    /** Flags without a value. */
    static final Set<String> SERVER_FLAGS = Set.of("tls-self-signed");
    /** Backend-side flags (proxy only). */
    static final Set<String> BACKEND_VALUED = Set.of("backend-ca", "backend-client-cert", "backend-client-key");

    static final String SERVER_HELP = """
              --tls-cert PATH           serve wss:// with this PEM certificate chain (leaf first; with --tls-key)
              --tls-key PATH            the PEM private key of --tls-cert (PKCS#8, PKCS#1 or SEC1, unencrypted)
              --keystore PATH           serve wss:// with the key in this PKCS12 or JKS keystore instead
              --keystore-password-file PATH  a file holding the keystore's password (default: empty password)
              --tls-self-signed         serve wss:// with a certificate generated now for localhost and 127.0.0.1,
                                        for trials only; its PEM file is printed so that clients can trust it
                                        (removed on exit); its private key is kept in memory, never written
              --tls-reload-interval DURATION  how often the certificate files are checked; a changed, valid
                                        certificate is used by new connections without restart (default 1m; 0: never)
              --tls-engine auto|openssl|jdk  what runs the TLS handshakes: BoringSSL (bundled, several times less
                                        CPU per handshake, no buffer held by an idle connection) or the JDK's TLS;
                                        auto (default) takes BoringSSL where it loads and says so at start
              --tls-resumption on|off   whether clients may resume sessions instead of full handshakes (default on;
                                        off needs the openssl engine)
              --tls-ticket-keys PATH    seal session tickets with keys from this file, shared by every instance so
                                        that a client resumes on any of them: one key per line, base64 of 48 random
                                        bytes (openssl rand -base64 48), the first sealing new tickets; re-read like
                                        the certificate (needs the openssl engine)
            """;

    static final String BACKEND_HELP = """
              --backend-ca PATH         trust the certificate authorities in this PEM file for wss:// backends
                                        (repeatable; replaces the JDK's default trust). Host names are always verified
              --backend-client-cert PATH  a PEM certificate chain shown to wss:// backends that ask for a client
                                        certificate (with --backend-client-key)
              --backend-client-key PATH the PEM private key of --backend-client-cert
            """;

    private TlsOptions() {}

    /**
     * @param options the command line
     * @return the balancer's TLS termination, or null when no TLS flag is given (plain {@code ws://})
     * @throws Options.UsageException on a missing partner flag, conflicting flags or unreadable material
     */
    static @Nullable ServerTls server(Options options) throws Options.UsageException {
        boolean pem = options.has("tls-cert") || options.has("tls-key");
        boolean store = options.has("keystore");
        boolean selfSigned = options.has("tls-self-signed");
        if ((pem ? 1 : 0) + (store ? 1 : 0) + (selfSigned ? 1 : 0) > 1) {
            throw new Options.UsageException("choose one of --tls-cert/--tls-key, --keystore or --tls-self-signed");
        }
        if (options.has("keystore-password-file") && !store) {
            throw new Options.UsageException("--keystore-password-file goes with --keystore");
        }
        if (!pem && !store && !selfSigned) {
            for (String flag : List.of("tls-reload-interval", "tls-engine", "tls-resumption", "tls-ticket-keys")) {
                if (options.has(flag)) {
                    throw new Options.UsageException("--" + flag + " goes with --tls-cert/--tls-key, --keystore or"
                        + " --tls-self-signed");
                }
            }
            return null;
        }
        TlsEngine engine = switch (options.get("tls-engine", "auto")) {
            case "auto" -> TlsEngine.AUTO;
            case "openssl" -> TlsEngine.OPENSSL;
            case "jdk" -> TlsEngine.JDK;
            default -> throw new Options.UsageException("--tls-engine must be auto, openssl or jdk, got '"
                + options.get("tls-engine", "") + "'");
        };
        boolean resumption = switch (options.get("tls-resumption", "on")) {
            case "on" -> true;
            case "off" -> false;
            default -> throw new Options.UsageException("--tls-resumption must be on or off, got '"
                + options.get("tls-resumption", "") + "'");
        };
        Path ticketKeys = options.has("tls-ticket-keys")
            ? Options.readableFile("--tls-ticket-keys", options.get("tls-ticket-keys", "")) : null;
        // The combinations are checked here, in the flags' words, rather than read back from the library's messages.
        String unavailable = engine == TlsEngine.JDK ? null : ServerTls.openSslUnavailableBecause();
        if (engine == TlsEngine.OPENSSL && unavailable != null) {
            throw new Options.UsageException("--tls-engine openssl: " + unavailable);
        }
        boolean onJdk = engine == TlsEngine.JDK || unavailable != null;
        String why = engine == TlsEngine.JDK ? " (--tls-engine jdk was given)" : "; BoringSSL is not available: " + unavailable;
        Duration interval = options.duration("tls-reload-interval", ServerTls.DEFAULT_CHECK_INTERVAL);
        KeyMaterial material;
        String flags;
        if (pem) {
            if (!options.has("tls-cert") || !options.has("tls-key")) {
                throw new Options.UsageException("--tls-cert and --tls-key go together");
            }
            flags = "--tls-cert " + options.get("tls-cert", "") + " --tls-key " + options.get("tls-key", "");
            material = KeyMaterial.pem(Options.readableFile("--tls-cert", options.get("tls-cert", "")),
                Options.readableFile("--tls-key", options.get("tls-key", "")));
        } else if (store) {
            char[] password = options.has("keystore-password-file")
                ? new String(Options.secretFile("--keystore-password-file", options.get("keystore-password-file", "")),
                    StandardCharsets.UTF_8).toCharArray()
                : new char[0];
            flags = "--keystore " + options.get("keystore", "");
            material = KeyMaterial.keyStore(Options.readableFile("--keystore", options.get("keystore", "")), password);
        } else {
            flags = "--tls-self-signed";
            material = selfSigned();
            interval = Duration.ZERO;
        }
        ServerTls.Builder builder = ServerTls.builder(material).checkInterval(interval).engine(engine)
            .resumption(resumption);
        if (ticketKeys != null) {
            if (!resumption) {
                throw new Options.UsageException("--tls-ticket-keys needs --tls-resumption on");
            }
            if (onJdk) {
                throw new Options.UsageException("--tls-ticket-keys needs --tls-engine openssl: the JDK's TLS makes its own"
                    + " ticket keys and cannot share them" + why);
            }
            try {
                builder.ticketKeys(ticketKeys);
            } catch (IllegalArgumentException e) {
                throw new Options.UsageException("--tls-ticket-keys: " + e.getMessage());
            }
        }
        if (!resumption && onJdk) {
            throw new Options.UsageException("--tls-resumption off needs --tls-engine openssl: the JDK's TLS cannot turn it"
                + " off" + why);
        }
        try {
            return builder.build();
        } catch (IllegalArgumentException e) {
            throw new Options.UsageException(flags + ": " + reason(e));
        }
    }

    /** The message of what went wrong inside the library, without its own prefix naming the material. */
    private static String reason(IllegalArgumentException e) {
        Throwable cause = e.getCause();
        return cause != null && cause.getMessage() != null ? cause.getMessage() : String.valueOf(e.getMessage());
    }

    /**
     * @param options the command line
     * @return the TLS context toward {@code wss://} backends, or null for the JDK's default
     * @throws Options.UsageException on a missing partner flag or unreadable material
     */
    static @Nullable SSLContext backend(Options options) throws Options.UsageException {
        boolean client = options.has("backend-client-cert") || options.has("backend-client-key");
        if (!options.has("backend-ca") && !client) {
            return null;
        }
        BackendTls.Builder builder = BackendTls.builder();
        for (String ca : options.all("backend-ca")) {
            Path file = Options.readableFile("--backend-ca", ca);
            try {
                BackendTls.builder().trustPem(file).build(); // each file on its own, so the error names the one at fault
            } catch (IllegalArgumentException e) {
                throw new Options.UsageException("--backend-ca " + ca + ": " + reason(e));
            }
            builder.trustPem(file);
        }
        String flags = "";
        if (client) {
            if (!options.has("backend-client-cert") || !options.has("backend-client-key")) {
                throw new Options.UsageException("--backend-client-cert and --backend-client-key go together");
            }
            flags = "--backend-client-cert " + options.get("backend-client-cert", "") + " --backend-client-key "
                + options.get("backend-client-key", "") + ": ";
            builder.clientCertificate(KeyMaterial.pem(Options.readableFile("--backend-client-cert", options.get("backend-client-cert", "")),
                Options.readableFile("--backend-client-key", options.get("backend-client-key", ""))));
        }
        try {
            return builder.build();
        } catch (IllegalArgumentException e) {
            throw new Options.UsageException(flags + reason(e));
        }
    }

    /**
     * A certificate for localhost and 127.0.0.1 whose private key stays in this process's memory: only the
     * certificate, which clients need to trust, is written (to a fresh directory, removed on exit); its path is
     * printed.
     */
    private static KeyMaterial selfSigned() throws Options.UsageException {
        try {
            Path dir = Files.createTempDirectory("wslb-tls-");
            dir.toFile().deleteOnExit();
            TestCertificate certificate = TestCertificate.selfSigned("localhost", "127.0.0.1", "::1");
            Path cert = certificate.writeCertificatePem(dir.resolve("self-signed.crt"));
            cert.toFile().deleteOnExit(); // deleted before its directory: the JVM deletes in reverse order
            System.out.println("wslb: self-signed certificate file: " + cert + " (for localhost, 127.0.0.1 and ::1; "
                + "trials only: trust it in the client)");
            return KeyMaterial.of(certificate.privateKey(), certificate.chain());
        } catch (IOException | UncheckedIOException e) {
            throw new Options.UsageException("--tls-self-signed: cannot write the certificate (" + e.getMessage() + ")");
        }
    }
}
