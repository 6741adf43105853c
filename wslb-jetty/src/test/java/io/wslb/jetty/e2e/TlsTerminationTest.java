package io.wslb.jetty.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.wslb.jetty.KeyMaterial;
import io.wslb.jetty.ServerTls;
import io.wslb.jetty.TlsEngine;
import io.wslb.jetty.testing.Balancers;
import io.wslb.jetty.testing.ClientSocket;
import io.wslb.jetty.testing.Closer;
import io.wslb.jetty.testing.EchoBackend;
import io.wslb.jetty.testing.EventLog;
import io.wslb.jetty.testing.LoadBalancerProxy;
import io.wslb.jetty.testing.WsClient;
import io.wslb.testing.TestCertificate;
import java.io.DataInputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/** {@code wss://} terminated by the balancer: TLS 1.2/1.3 only, and a renewed certificate is used without restart. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
@ParameterizedClass(name = "engine {0}")
@EnumSource(value = TlsEngine.class, names = {"OPENSSL", "JDK"})
class TlsTerminationTest {

    /** Every test runs on both engines: BoringSSL (netty-tcnative, on the test class path) and the JDK's TLS. */
    @Parameter
    TlsEngine engine;

    private final Closer closer = new Closer();
    private final EventLog events = new EventLog();
    private final TestCertificate firstCa = TestCertificate.authority("first CA");
    private EchoBackend backend;
    private Path certFile;
    private Path keyFile;
    @TempDir
    Path dir;

    @BeforeEach
    void start() throws Exception {
        backend = closer.add(EchoBackend.start("b1"));
        TestCertificate first = firstCa.issue("localhost", "127.0.0.1");
        certFile = first.writeCertificatePem(dir.resolve("proxy.crt"));
        keyFile = first.writeKeyPem(dir.resolve("proxy.key"));
    }

    @AfterEach
    void stop() throws Exception {
        closer.close();
    }

    private ServerTls tls(KeyMaterial material, Duration checkInterval) {
        ServerTls tls = ServerTls.builder(material).engine(engine).checkInterval(checkInterval).build();
        assertThat(tls.engine()).isEqualTo(engine);
        return tls;
    }

    private LoadBalancerProxy proxyWith(ServerTls tls) throws Exception {
        return closer.add(LoadBalancerProxy.handlerOverTls("/", Balancers.roundRobin(events, backend.backend()).build(), tls));
    }

    private WsClient clientTrusting(TestCertificate ca) throws Exception {
        SslContextFactory.Client tls = new SslContextFactory.Client();
        tls.setTrustStore(trustStore(ca));
        tls.setEndpointIdentificationAlgorithm("HTTPS");
        return closer.add(WsClient.start(tls));
    }

    @Test
    void wssClient_isTerminatedAtTheBalancer_andTheBackendSeesForwardedProtoHttps() throws Exception {
        LoadBalancerProxy proxy = proxyWith(tls(KeyMaterial.pem(certFile, keyFile), ServerTls.DEFAULT_CHECK_INTERVAL));

        ClientSocket socket = clientTrusting(firstCa).connect(proxy.uri("/chat"));

        assertThat(socket.echo("over tls")).isEqualTo("over tls");
        assertThat(backend.upgrades()).singleElement().satisfies(upgrade -> {
            assertThat(upgrade.path()).isEqualTo("/chat");
            assertThat(upgrade.headers().get("x-forwarded-proto")).containsExactly("https");
        });
    }

    @Test
    void aClientThatDoesNotTrustTheCertificate_failsItsTlsHandshake_andOthersAreServed() throws Exception {
        LoadBalancerProxy proxy = proxyWith(tls(KeyMaterial.pem(certFile, keyFile), ServerTls.DEFAULT_CHECK_INTERVAL));
        WsClient stranger = clientTrusting(TestCertificate.authority("some other CA"));

        org.assertj.core.api.Assertions.assertThatThrownBy(() -> stranger.connect(proxy.uri("/")))
            .hasRootCauseInstanceOf(java.security.cert.CertPathBuilderException.class);

        assertThat(clientTrusting(firstCa).connect(proxy.uri("/")).echo("still served")).isEqualTo("still served");
        assertThat(backend.upgrades()).hasSize(1);
    }

    @Test
    void onlyTls12And13AreNegotiated() throws Exception {
        LoadBalancerProxy proxy = proxyWith(tls(KeyMaterial.pem(certFile, keyFile), ServerTls.DEFAULT_CHECK_INTERVAL));

        assertThat(handshake(proxy.port(), firstCa, "TLSv1.3").getSession().getProtocol()).isEqualTo("TLSv1.3");
        assertThat(handshake(proxy.port(), firstCa, "TLSv1.2").getSession().getProtocol()).isEqualTo("TLSv1.2");
    }

    @Test
    void aTls11ClientHello_getsAProtocolVersionAlert_notAServerHello() throws Exception {
        LoadBalancerProxy proxy = proxyWith(tls(KeyMaterial.pem(certFile, keyFile), ServerTls.DEFAULT_CHECK_INTERVAL));

        // The JDK client refuses to offer TLS 1.1 at all, so the hello is written by hand: a TLS 1.1 ClientHello
        // (legacy version 0x0302, no supported_versions extension) offering two suites TLS 1.1 knew.
        try (Socket socket = new Socket("127.0.0.1", proxy.port())) {
            socket.setSoTimeout(5000);
            OutputStream out = socket.getOutputStream();
            out.write(tls11ClientHello());
            out.flush();
            DataInputStream in = new DataInputStream(socket.getInputStream());
            int contentType = in.readUnsignedByte();
            in.readUnsignedShort(); // record version
            int length = in.readUnsignedShort();
            byte[] body = new byte[length];
            in.readFully(body);

            assertThat(contentType).as("record type: 21 is an alert, 22 a handshake (ServerHello)").isEqualTo(21);
            assertThat(body[1] & 0xff).as("alert description: 70 is protocol_version").isEqualTo(70);
        }
    }

    @Test
    void aRenewedCertificate_isUsedByNewHandshakes_whileOpenConnectionsKeepWorking() throws Exception {
        ServerTls tls = tls(KeyMaterial.pem(certFile, keyFile), Duration.ZERO);
        LoadBalancerProxy proxy = proxyWith(tls);
        ClientSocket before = clientTrusting(firstCa).connect(proxy.uri("/before"));
        TestCertificate secondCa = TestCertificate.authority("second CA");
        TestCertificate renewed = secondCa.issue("localhost", "127.0.0.1");

        assertThat(tls.reloadIfChanged()).as("nothing changed yet").isFalse();
        renewed.writeCertificatePem(certFile);
        renewed.writeKeyPem(keyFile);

        assertThat(tls.reloadIfChanged()).isTrue();
        assertThat(tls.certificate()).isEqualTo(renewed.certificate());
        assertThat(peerCertificate(proxy.port(), secondCa)).isEqualTo(renewed.certificate());
        assertThat(clientTrusting(secondCa).connect(proxy.uri("/after")).echo("renewed")).isEqualTo("renewed");
        assertThat(before.echo("still open")).isEqualTo("still open");
    }

    @Test
    void theFilesAreCheckedPeriodically_whenAnIntervalIsSet() throws Exception {
        ServerTls tls = tls(KeyMaterial.pem(certFile, keyFile), Duration.ofMillis(50));
        LoadBalancerProxy proxy = proxyWith(tls);
        TestCertificate secondCa = TestCertificate.authority("second CA");
        TestCertificate renewed = secondCa.issue("localhost", "127.0.0.1");

        Path newCert = renewed.writeCertificatePem(dir.resolve("new.crt"));
        Path newKey = renewed.writeKeyPem(dir.resolve("new.key"));
        // Replace the key first, then the certificate: a check in between sees a mismatched pair and keeps the old.
        Files.move(newKey, keyFile, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        Files.move(newCert, certFile, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);

        await().atMost(Duration.ofSeconds(10)).until(() -> peerCertificate(proxy.port(), null).equals(renewed.certificate()));
        assertThat(tls.certificate()).isEqualTo(renewed.certificate());
    }

    @Test
    void invalidNewMaterial_isIgnored_andTheCurrentCertificateStays() throws Exception {
        ServerTls tls = tls(KeyMaterial.pem(certFile, keyFile), Duration.ZERO);
        LoadBalancerProxy proxy = proxyWith(tls);
        X509Certificate current = tls.certificate();

        TestCertificate.selfSigned("localhost").writeKeyPem(keyFile); // a key that does not match the certificate
        assertThat(tls.reloadIfChanged()).isFalse();
        Files.writeString(certFile, "-----BEGIN CERTIFICATE-----\nnot base64 !\n-----END CERTIFICATE-----\n");
        assertThat(tls.reloadIfChanged()).isFalse();

        assertThat(tls.certificate()).isEqualTo(current);
        assertThat(peerCertificate(proxy.port(), firstCa)).isEqualTo(current);
        assertThat(clientTrusting(firstCa).connect(proxy.uri("/")).echo("old cert")).isEqualTo("old cert");
    }

    @Test
    void aPkcs12Keystore_servesAsWell() throws Exception {
        TestCertificate certificate = firstCa.issue("localhost", "127.0.0.1");
        Path store = certificate.writePkcs12(dir.resolve("proxy.p12"), "s3cret".toCharArray());
        LoadBalancerProxy proxy = proxyWith(tls(KeyMaterial.keyStore(store, "s3cret".toCharArray()), ServerTls.DEFAULT_CHECK_INTERVAL));

        assertThat(peerCertificate(proxy.port(), firstCa)).isEqualTo(certificate.certificate());
        assertThat(clientTrusting(firstCa).connect(proxy.uri("/")).echo("p12")).isEqualTo("p12");
    }

    // ---------------------------------------------------------------- helpers

    private static KeyStore trustStore(TestCertificate... authorities) throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        int i = 0;
        for (TestCertificate ca : authorities) {
            store.setCertificateEntry("ca" + i++, ca.certificate());
        }
        return store;
    }

    /** A raw TLS handshake offering only {@code protocol}; the socket is closed by the caller's closer. */
    private SSLSocket handshake(int port, TestCertificate ca, String protocol) throws Exception {
        SSLSocket socket = (SSLSocket) context(ca).getSocketFactory().createSocket("127.0.0.1", port);
        closer.add(socket);
        socket.setEnabledProtocols(new String[] {protocol});
        socket.startHandshake();
        return socket;
    }

    /** The certificate the proxy presents now; {@code ca} null trusts anything (to look, not to connect). */
    private static X509Certificate peerCertificate(int port, TestCertificate ca) throws Exception {
        SSLContext context = ca == null ? trustingAnything() : context(ca);
        try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", port)) {
            socket.startHandshake();
            Certificate[] chain = socket.getSession().getPeerCertificates();
            return (X509Certificate) chain[0];
        }
    }

    private static SSLContext context(TestCertificate ca) throws Exception {
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(trustStore(ca));
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, trust.getTrustManagers(), null);
        return context;
    }

    private static SSLContext trustingAnything() throws Exception {
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, new javax.net.ssl.TrustManager[] {new javax.net.ssl.X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) {}

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) {}

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        }}, null);
        return context;
    }

    /** A minimal TLS 1.1 ClientHello record. */
    private static byte[] tls11ClientHello() {
        ByteBuffer hello = ByteBuffer.allocate(128);
        hello.put((byte) 0x03).put((byte) 0x02); // client_version TLS 1.1
        hello.put(new byte[32]); // random
        hello.put((byte) 0); // session id
        hello.putShort((short) 4).putShort((short) 0xc013).putShort((short) 0x002f); // two suites
        hello.put((byte) 1).put((byte) 0); // compression: null
        hello.flip();
        int bodyLength = hello.remaining();
        ByteBuffer record = ByteBuffer.allocate(9 + bodyLength);
        record.put((byte) 22).put((byte) 3).put((byte) 1).putShort((short) (4 + bodyLength));
        record.put((byte) 1).put((byte) 0).putShort((short) bodyLength); // ClientHello, 24-bit length
        record.put(hello);
        return record.array();
    }
}
