package io.wslb.examples.snippets;

import io.wslb.Backend;
import io.wslb.WebSocketLoadBalancer;
import io.wslb.jetty.BackendTls;
import io.wslb.jetty.KeyMaterial;
import io.wslb.jetty.ProxyServerConnector;
import io.wslb.jetty.ServerTls;
import io.wslb.jetty.WebSocketLoadBalancerHandler;
import io.wslb.strategies.BalancingStrategies;
import java.net.URI;
import java.nio.file.Path;
import javax.net.ssl.SSLContext;
import org.eclipse.jetty.server.Server;

/** The README's "TLS in code": {@code wss://} for clients and for backends. Compiled and run by the build. */
public final class TlsInCode {

    private TlsInCode() {
    }

    /**
     * Starts a server that takes {@code wss://} clients on {@code port} (0: any free port) and reaches {@code backend}
     * over {@code wss://}.
     *
     * @param port the port of the balancer's connector
     * @param fullchain the balancer's certificate chain (PEM)
     * @param privkey its private key (PEM)
     * @param backendCa the certificate authority that signed the backends' certificates (PEM)
     * @param backend a {@code wss://} backend
     * @return the started server
     * @throws Exception if the server does not start
     */
    public static Server start(int port, Path fullchain, Path privkey, Path backendCa, URI backend) throws Exception {
        Server server = new Server();
        // snippet-begin README.md
        ServerTls tls = ServerTls.of(KeyMaterial.pem(fullchain, privkey));           // reloaded when the files are renewed
        ProxyServerConnector connector = new ProxyServerConnector(server, tls);      // wss:// clients
        connector.setPort(port);
        server.addConnector(connector);
        SSLContext toBackends = BackendTls.builder().trustPem(backendCa).build();   // wss:// backends
        WebSocketLoadBalancer lb = WebSocketLoadBalancer.builder()
            .backend(Backend.of("secure-1", backend))
            .strategy(BalancingStrategies.roundRobin())
            .backendTls(toBackends)
            .build();
        server.setHandler(WebSocketLoadBalancerHandler.at("/ws", lb));
        // snippet-end
        server.start();
        return server;
    }
}
