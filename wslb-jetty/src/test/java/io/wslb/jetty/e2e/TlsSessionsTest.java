package io.wslb.jetty.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
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
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * What a TLS connection costs while idle, and how sessions resume: on one instance, across instances that share a
 * ticket key file, and not at all when resumption is off.
 */
class TlsSessionsTest {
    private final Closer closer = new Closer();
    private final EventLog events = new EventLog();
    private final TestCertificate ca = TestCertificate.authority("sessions CA");
    private EchoBackend backend;
    private KeyMaterial material;
    @TempDir
    Path dir;

    @BeforeEach
    void start() throws Exception {
        backend = closer.add(EchoBackend.start("b1"));
        TestCertificate leaf = ca.issue("localhost", "127.0.0.1");
        material = KeyMaterial.pem(leaf.writeCertificatePem(dir.resolve("proxy.crt")), leaf.writeKeyPem(dir.resolve("proxy.key")));
    }

    @AfterEach
    void stop() throws Exception {
        closer.close();
    }

    private LoadBalancerProxy proxyWith(ServerTls tls) throws Exception {
        return closer.add(LoadBalancerProxy.handlerOverTls("/", Balancers.roundRobin(events, backend.backend()).build(), tls));
    }

    @ParameterizedTest(name = "engine {0}")
    @EnumSource(value = TlsEngine.class, names = {"OPENSSL", "JDK"})
    void anIdleWssConnection_holdsNoBufferFromThePool(TlsEngine engine) throws Exception {
        ServerTls tls = ServerTls.builder(material).engine(engine).build();
        LoadBalancerProxy proxy = closer.add(LoadBalancerProxy.handlerTrackedOverTls("/",
            Balancers.roundRobin(events, backend.backend()).build(), tls));
        SslContextFactory.Client clientTls = new SslContextFactory.Client();
        clientTls.setTrustStore(trustStore());
        WsClient client = closer.add(WsClient.start(clientTls));
        List<ClientSocket> sockets = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            ClientSocket socket = client.connect(proxy.uri("/"));
            assertThat(socket.echo("hello " + i)).isEqualTo("hello " + i);
            sockets.add(socket);
        }

        // Ten open, idle WSS tunnels: the TLS layer and the tunnel have given every buffer back.
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(proxy.unreleasedBuffers())
            .as("buffers of the proxy's pool held by idle connections (%d bytes)", proxy.unreleasedBufferBytes())
            .isZero());
        for (int i = 0; i < sockets.size(); i++) {
            assertThat(sockets.get(i).echo("again " + i)).isEqualTo("again " + i);
        }
    }

    @Test
    void aSessionResumes_onTheSameInstance_byDefault() throws Exception {
        LoadBalancerProxy proxy = proxyWith(ServerTls.builder(material).engine(TlsEngine.OPENSSL).build());
        CountingClient client = new CountingClient();

        client.handshake(proxy.port());
        client.handshake(proxy.port());

        assertThat(client.fullHandshakes()).as("the second handshake resumed the first session").isEqualTo(1);
    }

    @Test
    void withResumptionOff_everyHandshakeIsFull() throws Exception {
        LoadBalancerProxy proxy = proxyWith(ServerTls.builder(material).engine(TlsEngine.OPENSSL).resumption(false).build());
        CountingClient client = new CountingClient();

        for (int i = 0; i < 3; i++) {
            client.handshake(proxy.port());
        }

        assertThat(client.fullHandshakes()).isEqualTo(3);
    }

    @Test
    void anInstanceTakingOverTheAddress_withTheSameTicketKeys_resumesTheSessionsOfTheOneThatStopped() throws Exception {
        Path keys = writeKeys(dir.resolve("ticket.keys"), randomKey(), randomKey());
        LoadBalancerProxy first = proxyWith(ServerTls.builder(material).ticketKeys(keys).build());
        CountingClient client = new CountingClient();
        client.handshake(first.port());

        LoadBalancerProxy second = takeOver(first, ServerTls.builder(material).ticketKeys(keys).build());
        client.handshake(second.port());

        assertThat(client.fullHandshakes()).as("the second instance resumed the first one's session").isEqualTo(1);
    }

    @Test
    void anInstanceTakingOverTheAddress_withOtherKeys_makesAFullHandshake() throws Exception {
        LoadBalancerProxy first = proxyWith(ServerTls.builder(material).ticketKeys(
            writeKeys(dir.resolve("a.keys"), randomKey())).build());
        CountingClient client = new CountingClient();
        client.handshake(first.port());

        LoadBalancerProxy second = takeOver(first, ServerTls.builder(material).ticketKeys(
            writeKeys(dir.resolve("b.keys"), randomKey())).build());
        client.handshake(second.port());

        assertThat(client.fullHandshakes()).isEqualTo(2);
    }

    @Test
    void aRotatedKeyFile_stillOpensTicketsOfTheOldKey_andSealsNewOnesWithTheNewKey() throws Exception {
        String oldKey = randomKey();
        String newKey = randomKey();
        Path keys = writeKeys(dir.resolve("ticket.keys"), oldKey);
        ServerTls tls = ServerTls.builder(material).ticketKeys(keys).checkInterval(Duration.ZERO).build();
        LoadBalancerProxy first = proxyWith(tls);
        CountingClient early = new CountingClient();
        early.handshake(first.port()); // a ticket sealed with the old key

        writeKeys(keys, newKey, oldKey);
        assertThat(tls.reloadTicketKeysIfChanged()).isTrue();
        assertThat(tls.reloadTicketKeysIfChanged()).as("unchanged since").isFalse();
        early.handshake(first.port());
        assertThat(early.fullHandshakes()).as("the old key still opens its tickets").isEqualTo(1);

        CountingClient late = new CountingClient();
        late.handshake(first.port()); // full: this client has no ticket yet; it gets one sealed with the new key
        LoadBalancerProxy onlyNew = takeOver(first, ServerTls.builder(material).ticketKeys(
            writeKeys(dir.resolve("new-only.keys"), newKey)).build());
        late.handshake(onlyNew.port());
        assertThat(late.fullHandshakes()).as("a ticket sealed after the rotation opens with the new key alone")
            .isEqualTo(1);
    }

    /** Stops {@code old} and starts an instance with {@code tls} on its port, as a failover behind one address does. */
    private LoadBalancerProxy takeOver(LoadBalancerProxy old, ServerTls tls) throws Exception {
        int port = old.port();
        old.close();
        return closer.add(LoadBalancerProxy.handlerOverTls("/", Balancers.roundRobin(events, backend.backend()).build(),
            tls, port));
    }

    @Test
    void anInvalidKeyFile_atStart_isRefusedNamingTheLine() throws Exception {
        Path keys = dir.resolve("bad.keys");
        Files.writeString(keys, "# rotated weekly\n" + randomKey() + "\n" + Base64.getEncoder().encodeToString(new byte[32]) + "\n");

        assertThatThrownBy(() -> ServerTls.builder(material).ticketKeys(keys).build())
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("line 3: 32 bytes, expected 48");
    }

    @Test
    void anInvalidKeyFile_onReload_keepsTheCurrentKeys() throws Exception {
        String key = randomKey();
        Path keys = writeKeys(dir.resolve("ticket.keys"), key);
        ServerTls tls = ServerTls.builder(material).ticketKeys(keys).checkInterval(Duration.ZERO).build();
        LoadBalancerProxy first = proxyWith(tls);
        CountingClient client = new CountingClient();
        client.handshake(first.port());

        Files.writeString(keys, "not base64 at all\n");
        assertThat(tls.reloadTicketKeysIfChanged()).isFalse();
        client.handshake(first.port());

        assertThat(client.fullHandshakes()).as("the old key still opens the ticket").isEqualTo(1);
    }

    @Test
    void ticketKeys_onTheJdkEngine_areRefusedSayingWhy() {
        Path keys = writeKeys(dir.resolve("ticket.keys"), randomKey());

        assertThatThrownBy(() -> ServerTls.builder(material).engine(TlsEngine.JDK).ticketKeys(keys).build())
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("ticketKeys needs the OPENSSL engine");
        assertThatThrownBy(() -> ServerTls.builder(material).engine(TlsEngine.JDK).resumption(false).build())
            .hasMessageContaining("resumption off needs the OPENSSL engine");
    }

    private static String randomKey() {
        byte[] key = new byte[48];
        new SecureRandom().nextBytes(key);
        return Base64.getEncoder().encodeToString(key);
    }

    private static Path writeKeys(Path file, String... keys) {
        try {
            return Files.writeString(file, String.join("\n", keys) + "\n");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private KeyStore trustStore() throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setCertificateEntry("ca", ca.certificate());
        return store;
    }

    /**
     * A JDK TLS 1.3 client that counts its full handshakes: a resumed TLS 1.3 handshake carries no server
     * certificate, so the trust manager is asked only on full ones. Its session cache is keyed by host and port.
     */
    private final class CountingClient {
        private final AtomicInteger checks = new AtomicInteger();
        private final SSLContext context;

        CountingClient() throws Exception {
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(trustStore());
            X509TrustManager trust = (X509TrustManager) factory.getTrustManagers()[0];
            context = SSLContext.getInstance("TLSv1.3");
            context.init(null, new TrustManager[] {new X509ExtendedTrustManager() {
                @Override
                public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
                    throws java.security.cert.CertificateException {
                    checks.incrementAndGet();
                    trust.checkServerTrusted(chain, authType);
                }

                @Override
                public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                    throws java.security.cert.CertificateException {
                    checks.incrementAndGet();
                    trust.checkServerTrusted(chain, authType);
                }

                @Override
                public void checkServerTrusted(X509Certificate[] chain, String authType)
                    throws java.security.cert.CertificateException {
                    checks.incrementAndGet();
                    trust.checkServerTrusted(chain, authType);
                }

                @Override
                public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {
                }

                @Override
                public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
                }

                @Override
                public void checkClientTrusted(X509Certificate[] chain, String authType) {
                }

                @Override
                public X509Certificate[] getAcceptedIssuers() {
                    return trust.getAcceptedIssuers();
                }
            }}, null);
        }

        /**
         * One TLS connection to {@code port}, offering the session this client has for it, then an HTTP request
         * answered and closed by the server, so that the session ticket sent after the handshake is read.
         */
        void handshake(int port) throws Exception {
            try (SSLSocket tls = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", port)) {
                tls.setSoTimeout(5000);
                tls.startHandshake();
                OutputStream out = tls.getOutputStream();
                out.write("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                InputStream in = tls.getInputStream();
                byte[] buffer = new byte[4096];
                int n;
                int total = 0;
                while ((n = in.read(buffer)) > 0) {
                    total += n;
                }
                assertThat(total).as("the balancer answered the request").isPositive();
            }
        }

        int fullHandshakes() {
            return checks.get();
        }
    }
}
