package io.wslb.jetty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wslb.testing.TestCertificate;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.Collections;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Key material is read from every common PEM form and from keystores, and every bad file gets a clear error. */
class KeyMaterialTest {

    @TempDir
    Path dir;

    private static X509Certificate certificateIn(KeyStore store, char[] password) throws GeneralSecurityException {
        for (String alias : Collections.list(store.aliases())) {
            if (store.isKeyEntry(alias)) {
                assertThat(store.getKey(alias, password)).as("the key opens with the material's password").isNotNull();
                return (X509Certificate) store.getCertificate(alias);
            }
        }
        throw new AssertionError("no key entry");
    }

    @Test
    void pkcs8Keys_ecAndRsa_areRead() throws Exception {
        for (TestCertificate certificate : new TestCertificate[] {TestCertificate.selfSigned("localhost"),
            TestCertificate.selfSignedRsa("localhost")}) {
            KeyMaterial material = KeyMaterial.pem(certificate.writeCertificatePem(dir.resolve("c.pem")),
                certificate.writeKeyPem(dir.resolve("k.pem")));

            KeyStore store = material.load();

            assertThat(certificateIn(store, material.password())).isEqualTo(certificate.certificate());
            assertThat(Files.readString(dir.resolve("k.pem"))).startsWith("-----BEGIN PRIVATE KEY-----");
        }
    }

    @Test
    void traditionalKeys_sec1AndPkcs1_areRead() throws Exception {
        TestCertificate ec = TestCertificate.selfSigned("localhost");
        TestCertificate rsa = TestCertificate.selfSignedRsa("localhost");
        Path ecKey = ec.writeTraditionalKeyPem(dir.resolve("ec.key"));
        Path rsaKey = rsa.writeTraditionalKeyPem(dir.resolve("rsa.key"));

        assertThat(Files.readString(ecKey)).startsWith("-----BEGIN EC PRIVATE KEY-----");
        assertThat(Files.readString(rsaKey)).startsWith("-----BEGIN RSA PRIVATE KEY-----");
        KeyMaterial ecMaterial = KeyMaterial.pem(ec.writeCertificatePem(dir.resolve("ec.crt")), ecKey);
        KeyMaterial rsaMaterial = KeyMaterial.pem(rsa.writeCertificatePem(dir.resolve("rsa.crt")), rsaKey);
        assertThat(certificateIn(ecMaterial.load(), ecMaterial.password())).isEqualTo(ec.certificate());
        assertThat(certificateIn(rsaMaterial.load(), rsaMaterial.password())).isEqualTo(rsa.certificate());
    }

    @Test
    void aChain_keepsItsIntermediates_inOrder() throws Exception {
        TestCertificate ca = TestCertificate.authority("ca");
        TestCertificate leaf = ca.issue("localhost");
        KeyMaterial material = KeyMaterial.pem(leaf.writeCertificatePem(dir.resolve("chain.pem")), leaf.writeKeyPem(dir.resolve("k")));

        KeyStore store = material.load();

        assertThat(store.getCertificateChain("wslb")).containsExactly(leaf.certificate(), ca.certificate());
    }

    @Test
    void aPkcs12Keystore_isRead_andAWrongPasswordIsNamed() throws Exception {
        TestCertificate certificate = TestCertificate.selfSigned("localhost");
        Path file = certificate.writePkcs12(dir.resolve("s.p12"), "right".toCharArray());

        KeyMaterial good = KeyMaterial.keyStore(file, "right".toCharArray());
        assertThat(certificateIn(good.load(), good.password())).isEqualTo(certificate.certificate());
        assertThatThrownBy(() -> KeyMaterial.keyStore(file, "wrong".toCharArray()).load())
            .isInstanceOf(IOException.class)
            .hasMessageContaining("s.p12").hasMessageContaining("wrong password");
    }

    @Test
    void aKeyThatIsNotTheCertificates_isRefused() {
        TestCertificate one = TestCertificate.selfSigned("localhost");
        TestCertificate other = TestCertificate.selfSigned("localhost");
        KeyMaterial mismatched = KeyMaterial.pem(one.writeCertificatePem(dir.resolve("one.crt")), other.writeKeyPem(dir.resolve("other.key")));

        assertThatThrownBy(mismatched::load).isInstanceOf(GeneralSecurityException.class)
            .hasMessageContaining("other.key").hasMessageContaining("does not belong").hasMessageContaining("one.crt");
        assertThatThrownBy(() -> KeyMaterial.of(other.privateKey(), one.chain())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ServerTls.of(mismatched)).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("does not belong");
    }

    @Test
    void filesWithoutTheExpectedBlocks_getErrorsThatSayWhatIsMissing() throws Exception {
        TestCertificate certificate = TestCertificate.selfSigned("localhost");
        Path cert = certificate.writeCertificatePem(dir.resolve("c.pem"));
        Path key = certificate.writeKeyPem(dir.resolve("k.pem"));
        Path empty = Files.writeString(dir.resolve("empty.pem"), "nothing here\n");
        Path encrypted = Files.writeString(dir.resolve("enc.pem"),
            "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n");
        Path legacy = Files.writeString(dir.resolve("legacy.pem"), "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\n"
            + "DEK-Info: AES-128-CBC,00\n\nAAAA\n-----END RSA PRIVATE KEY-----\n");
        Path unterminated = Files.writeString(dir.resolve("cut.pem"), "-----BEGIN CERTIFICATE-----\nAAAA\n");

        assertThatThrownBy(() -> KeyMaterial.pem(empty, key).load()).hasMessageContaining("empty.pem holds no PEM certificate");
        assertThatThrownBy(() -> KeyMaterial.pem(cert, empty).load()).hasMessageContaining("empty.pem holds no PEM private key");
        assertThatThrownBy(() -> KeyMaterial.pem(cert, encrypted).load()).hasMessageContaining("encrypted private key");
        assertThatThrownBy(() -> KeyMaterial.pem(cert, legacy).load()).hasMessageContaining("legacy encryption");
        assertThatThrownBy(() -> KeyMaterial.pem(unterminated, key).load()).hasMessageContaining("no '-----END CERTIFICATE-----'");
        assertThatThrownBy(() -> KeyMaterial.pem(dir.resolve("absent.pem"), key).load()).isInstanceOf(IOException.class)
            .hasMessageContaining("absent.pem");
    }
}
