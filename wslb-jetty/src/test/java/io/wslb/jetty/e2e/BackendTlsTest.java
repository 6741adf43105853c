package io.wslb.jetty.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.wslb.Backend;
import io.wslb.BackendHealth;
import io.wslb.HealthCheck;
import io.wslb.OutlierDetection;
import io.wslb.RejectCause;
import io.wslb.WebSocketLoadBalancerBuilder;
import io.wslb.jetty.BackendTls;
import io.wslb.jetty.KeyMaterial;
import io.wslb.jetty.testing.Balancers;
import io.wslb.jetty.testing.ClientSocket;
import io.wslb.jetty.testing.Closer;
import io.wslb.jetty.testing.EchoBackend;
import io.wslb.jetty.testing.EventLog;
import io.wslb.jetty.testing.LoadBalancerProxy;
import io.wslb.jetty.testing.WsClient;
import io.wslb.testing.RawHttpResponse;
import io.wslb.testing.RawWebSocketConnection;
import io.wslb.testing.TestCertificate;
import java.net.URI;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code wss://} backends: the balancer verifies their certificate and host name with the trust it was given,
 * sends SNI, shows a client certificate when asked, and answers 502 (never tunnels) when verification fails.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class BackendTlsTest {

    private final Closer closer = new Closer();
    private final EventLog events = new EventLog();
    private final TestCertificate backendCa = TestCertificate.authority("backend CA");
    @TempDir
    Path dir;

    @AfterEach
    void stop() throws Exception {
        closer.close();
    }

    private EchoBackend tlsBackend(String name, TestCertificate certificate) throws Exception {
        return closer.add(EchoBackend.startTls(name, serverTls(certificate)));
    }

    private static SslContextFactory.Server serverTls(TestCertificate certificate) throws Exception {
        SslContextFactory.Server tls = new SslContextFactory.Server();
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry("backend", certificate.privateKey(), "pw".toCharArray(),
            certificate.chain().toArray(new java.security.cert.Certificate[0]));
        tls.setKeyStore(store);
        tls.setKeyStorePassword("pw");
        return tls;
    }

    private SSLContext trustingBackendCa() {
        return BackendTls.builder().trustPem(backendCa.writeCertificatePem(dir.resolve("backend-ca.pem"))).build();
    }

    private LoadBalancerProxy proxy(WebSocketLoadBalancerBuilder builder) throws Exception {
        return closer.add(LoadBalancerProxy.handler("/", builder.outlierDetection(OutlierDetection.disabled()).build()));
    }

    private static Backend at(String id, String host, int port) {
        return Backend.of(id, URI.create("wss://" + host + ":" + port));
    }

    @Test
    void aBackendWithATrustedCertificateForItsName_isReachedOverTls_andGetsTheNameAsSni() throws Exception {
        EchoBackend backend = tlsBackend("b1", backendCa.issue("localhost"));
        LoadBalancerProxy proxy = proxy(Balancers.roundRobin(events, at("b1", "localhost", backend.port()))
            .backendTls(trustingBackendCa()));

        ClientSocket socket = closer.add(WsClient.start()).connect(proxy.uri("/secure"));

        assertThat(socket.echo("to a wss backend")).isEqualTo("to a wss backend");
        assertThat(backend.upgrades()).singleElement().satisfies(u -> assertThat(u.path()).isEqualTo("/secure"));
        assertThat(backend.serverNamesSeen()).containsExactly("localhost");
    }

    @Test
    void aBackendAddressedByIp_isVerifiedAgainstTheIpInItsCertificate() throws Exception {
        EchoBackend backend = tlsBackend("b1", backendCa.issue("127.0.0.1"));
        LoadBalancerProxy proxy = proxy(Balancers.roundRobin(events, at("b1", "127.0.0.1", backend.port()))
            .backendTls(trustingBackendCa()));

        ClientSocket socket = closer.add(WsClient.start()).connect(proxy.uri("/"));

        assertThat(socket.echo("by ip")).isEqualTo("by ip");
        assertThat(backend.serverNamesSeen()).as("no SNI for an IP address (RFC 6066)").containsExactly("");
    }

    @Test
    void aBackendWhoseCertificateNamesAnotherHost_isRefusedWith502_andNothingIsTunnelled() throws Exception {
        EchoBackend backend = tlsBackend("b1", backendCa.issue("other.example"));
        LoadBalancerProxy proxy = proxy(Balancers.roundRobin(events, at("b1", "localhost", backend.port()))
            .backendTls(trustingBackendCa()));

        try (RawWebSocketConnection raw = RawWebSocketConnection.open(proxy.port())) {
            RawHttpResponse answer = raw.upgrade("/");

            assertThat(answer.status()).as(answer.toString()).isEqualTo(502);
        }
        assertThat(backend.upgrades()).as("no request reached the backend").isEmpty();
        assertThat(events.rejected).singleElement().extracting(EventLog.Rejected::cause).isEqualTo(RejectCause.BACKEND_UNREACHABLE);
        proxy.awaitNothingOpen();
    }

    @Test
    void aBackendWithAnUntrustedCertificate_isRefusedWith502_underTheJdkDefaultTrust() throws Exception {
        EchoBackend backend = tlsBackend("b1", TestCertificate.selfSigned("localhost"));
        LoadBalancerProxy proxy = proxy(Balancers.roundRobin(events, at("b1", "localhost", backend.port())));

        try (RawWebSocketConnection raw = RawWebSocketConnection.open(proxy.port())) {
            assertThat(raw.upgrade("/").status()).isEqualTo(502);
        }
        assertThat(backend.upgrades()).isEmpty();
    }

    @Test
    void aBackendRequiringAClientCertificate_acceptsTheBalancersOne_andRefusesABalancerWithout() throws Exception {
        TestCertificate balancerCa = TestCertificate.authority("balancer CA");
        TestCertificate balancerCert = balancerCa.issue("wslb-proxy");
        SslContextFactory.Server backendTls = serverTls(backendCa.issue("localhost"));
        KeyStore clientTrust = KeyStore.getInstance("PKCS12");
        clientTrust.load(null, null);
        clientTrust.setCertificateEntry("balancer-ca", balancerCa.certificate());
        backendTls.setTrustStore(clientTrust);
        backendTls.setNeedClientAuth(true);
        EchoBackend backend = closer.add(EchoBackend.startTls("mtls", backendTls));
        Path backendCaPem = backendCa.writeCertificatePem(dir.resolve("ca.pem"));
        SSLContext withCertificate = BackendTls.builder().trustPem(backendCaPem)
            .clientCertificate(KeyMaterial.pem(balancerCert.writeCertificatePem(dir.resolve("b.crt")),
                balancerCert.writeTraditionalKeyPem(dir.resolve("b.key"))))
            .build();
        LoadBalancerProxy good = proxy(Balancers.roundRobin(events, at("mtls", "localhost", backend.port()))
            .backendTls(withCertificate));
        LoadBalancerProxy without = proxy(Balancers.roundRobin(new EventLog(), at("mtls", "localhost", backend.port()))
            .backendTls(BackendTls.builder().trustPem(backendCaPem).build()));

        assertThat(closer.add(WsClient.start()).connect(good.uri("/")).echo("mutual")).isEqualTo("mutual");
        try (RawWebSocketConnection raw = RawWebSocketConnection.open(without.port())) {
            assertThat(raw.upgrade("/").status()).isEqualTo(502);
        }
        assertThat(backend.upgrades()).as("only the balancer with a certificate got through").hasSize(1);
    }

    @Test
    void healthChecks_useTheSameTrust_soAMismatchedBackendIsUnhealthy_andAGoodOneHealthy() throws Exception {
        EchoBackend good = tlsBackend("good", backendCa.issue("localhost"));
        EchoBackend mismatched = tlsBackend("mismatched", backendCa.issue("other.example"));
        LoadBalancerProxy proxy = proxy(Balancers.roundRobin(events, at("good", "localhost", good.port()),
                at("mismatched", "localhost", mismatched.port()))
            .backendTls(trustingBackendCa())
            .healthCheck(HealthCheck.webSocket("/probe").withInterval(Duration.ofMillis(100))
                .withTimeout(Duration.ofMillis(100)).withThresholds(1, 1)));

        await().atMost(Duration.ofSeconds(10))
            .until(() -> proxy.balancer().pool().get("mismatched").health() == BackendHealth.UNHEALTHY);
        await().atMost(Duration.ofSeconds(10)).until(() -> good.upgrades().size() >= 2);
        assertThat(proxy.balancer().pool().get("good").health()).isEqualTo(BackendHealth.HEALTHY);
        assertThat(mismatched.upgrades()).isEmpty();
    }

    @Test
    void trustThatCannotBeRead_failsAtBuild_withTheFileNamed() {
        Path missing = dir.resolve("missing-ca.pem");

        assertThatThrownBy(() -> BackendTls.builder().trustPem(missing).build())
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("missing-ca.pem");
        assertThatThrownBy(() -> BackendTls.builder().trustStore(dir.resolve("none.p12"), "x".toCharArray()).build())
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("none.p12");
    }
}
