package io.wslb.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The certificate every TLS target presents, made at run time with {@code openssl} (never committed): ECDSA P-256,
 * self-signed for {@code localhost} and {@code 127.0.0.1}, valid for three days. The same key and certificate in the
 * three forms the targets read: PEM files (wslb, NGINX), one PEM with both (HAProxy) and PKCS#12 (the bench's own
 * Jetty servers).
 */
record BenchCertificate(Path certificate, Path key, Path combined, Path pkcs12, String password) {

    static final String DESCRIPTION = "ECDSA P-256, self-signed, made by openssl at run time";

    /** Makes the certificate in {@code dir}. */
    static BenchCertificate generate(Path dir) throws IOException, InterruptedException {
        Path exe = Lab.findExecutable("openssl");
        if (exe == null) {
            throw new IOException("no openssl on PATH or in /usr/sbin (on Debian/Ubuntu: apt-get install -y openssl)");
        }
        Files.createDirectories(dir);
        Path cert = dir.resolve("cert.pem");
        Path key = dir.resolve("key.pem");
        Path combined = dir.resolve("combined.pem");
        Path p12 = dir.resolve("cert.p12");
        String password = "bench";
        run(dir, exe.toString(), "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", key.toString(), "-out", cert.toString(), "-days", "3", "-subj", "/CN=localhost",
            "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1");
        Files.writeString(combined, Files.readString(cert, StandardCharsets.US_ASCII)
            + Files.readString(key, StandardCharsets.US_ASCII), StandardCharsets.US_ASCII);
        run(dir, exe.toString(), "pkcs12", "-export", "-in", cert.toString(), "-inkey", key.toString(), "-name", "bench",
            "-out", p12.toString(), "-passout", "pass:" + password);
        return new BenchCertificate(cert, key, combined, p12, password);
    }

    private static void run(Path dir, String... cmd) throws IOException, InterruptedException {
        Path out = dir.resolve("openssl.log");
        Process p = new ProcessBuilder(new ArrayList<>(List.of(cmd))).directory(dir.toFile()).redirectErrorStream(true)
            .redirectOutput(out.toFile()).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("openssl did not finish within 60 s: " + String.join(" ", cmd));
        }
        if (p.exitValue() != 0) {
            throw new IOException("openssl " + cmd[1] + " failed (exit " + p.exitValue() + "): "
                + Files.readString(out, StandardCharsets.UTF_8).strip());
        }
    }
}
