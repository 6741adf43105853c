package io.wslb.jetty;

import static org.assertj.core.api.Assertions.assertThat;

import io.wslb.testing.TestCertificate;
import java.io.File;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Netty is optional: without it on the class path, TLS runs on the JDK's engine and asking for BoringSSL says why. */
class ServerTlsWithoutNettyTest {

    @Test
    void withoutNetty_theJdkEngineRuns_andTheOpensslEngineIsRefusedSayingWhy(@TempDir Path dir) throws Exception {
        TestCertificate certificate = TestCertificate.selfSigned("localhost");
        Path cert = certificate.writeCertificatePem(dir.resolve("cert.pem"));
        Path key = certificate.writeKeyPem(dir.resolve("key.pem"));
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> entries = Arrays.asList(classPath.split(File.pathSeparator));
        URL[] withoutNetty = entries.stream().filter(e -> !e.contains("netty")).map(ServerTlsWithoutNettyTest::url)
            .toArray(URL[]::new);
        assertThat(withoutNetty.length).as("Netty is on the test class path, and left out here").isLessThan(entries.size());

        try (URLClassLoader loader = new URLClassLoader(withoutNetty, ClassLoader.getPlatformClassLoader())) {
            Object result = loader.loadClass(Probe.class.getName()).getMethod("run", Path.class, Path.class)
                .invoke(null, cert, key);

            assertThat(result).isEqualTo("JDK | engine OPENSSL: netty-handler and netty-tcnative-boringssl-static are not"
                + " on the class path");
        }
    }

    private static URL url(String entry) {
        try {
            return Path.of(entry).toUri().toURL();
        } catch (java.net.MalformedURLException e) {
            throw new IllegalArgumentException(entry, e);
        }
    }

    /** Runs inside the class loader without Netty. */
    public static final class Probe {
        private Probe() {
        }

        public static String run(Path cert, Path key) {
            ServerTls tls = ServerTls.of(KeyMaterial.pem(cert, key));
            tls.connectionFactory();
            String refused;
            try {
                ServerTls.builder(KeyMaterial.pem(cert, key)).engine(TlsEngine.OPENSSL).build();
                refused = "built";
            } catch (IllegalArgumentException e) {
                refused = e.getMessage();
            }
            return tls.engine() + " | " + refused;
        }
    }
}
