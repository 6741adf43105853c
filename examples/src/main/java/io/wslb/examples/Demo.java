package io.wslb.examples;

import io.wslb.Backend;
import io.wslb.WebSocketLoadBalancer;
import io.wslb.WebSocketLoadBalancerBuilder;
import io.wslb.jetty.AdminHandler;
import io.wslb.jetty.ServerTls;
import io.wslb.jetty.WebSocketLoadBalancerHandler;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.jspecify.annotations.Nullable;

/**
 * The {@code demo} command: an ordinary Jetty application with its own page at {@code /} and a WebSocket load
 * balancer mounted at {@code /ws}, in front of three in-process echo backends that greet each connection
 * with their name. The page opens connections through the balancer and shows which backend served each, and
 * links to the balancer's live status page: an {@link AdminHandler} on a server of its own, always on
 * 127.0.0.1 and a free port (whatever {@code --host} says, since it has no token and can drain backends).
 *
 * <pre>{@code java -jar wslb-examples.jar demo --port 8080   # then open http://127.0.0.1:8080/}</pre>
 */
final class Demo {

    private Demo() {}

    static String help() {
        return """
            usage: java -jar wslb-examples.jar [demo] [--host HOST] [--port PORT] [--strategy NAME] [TLS]

            Starts a web page at / and a WebSocket load balancer at /ws in front of three in-process echo
            backends (echo-1, echo-2, echo-3). Open the page in a browser to see which backend serves each
            connection. With a TLS flag, the page is served over https:// and the balancer over wss://.
            The balancer's live status page (and its admin API, without a token) is on 127.0.0.1 and a free
            port, whatever --host says; the start-up line and the demo page link to it.

              --host HOST               address to listen on (default 127.0.0.1)
              --port PORT               port to listen on; 0 picks a free port (default 8080)
              --strategy NAME           round-robin (default) or least-connections
            """ + TlsOptions.SERVER_HELP + """
              --help                    this text""";
    }

    static int run(String[] args) throws Exception {
        Options options;
        try {
            Set<String> valued = new HashSet<>(TlsOptions.SERVER_VALUED);
            valued.addAll(Set.of("host", "port", "strategy"));
            Set<String> flags = new HashSet<>(TlsOptions.SERVER_FLAGS);
            flags.add("help");
            options = Options.parse(args, valued, flags);
            if (options.has("help")) {
                System.out.println(help());
                return 0;
            }
            Running demo = start(options.get("host", "127.0.0.1"), Options.parsePort("--port", options.get("port", "8080")),
                FlagValues.strategy(options.get("strategy", "round-robin"), ""), TlsOptions.server(options));
            System.out.println("wslb demo: open " + demo.pageUri() + " (balancer at " + demo.balancerUri()
                + ", backends echo-1, echo-2, echo-3; status page on " + demo.statusPageUri() + ")");
            System.out.flush();
            demo.server().join();
            return 0;
        } catch (Options.UsageException e) {
            System.err.println(ProxyLauncher.usageError("demo", e));
            return 2;
        } catch (Exception e) {
            System.err.println("error: the demo could not start: " + ProxyLauncher.oneLine(e));
            return 1;
        }
    }

    /** A started demo: the application server, the admin server beside it, and its backends. */
    record Running(Server server, ServerConnector connector, ServerConnector admin, String host, boolean secure,
                   List<EchoServer> backends) implements AutoCloseable {
        String pageUri() {
            return (secure ? "https" : "http") + "://" + host + ":" + connector.getLocalPort() + "/";
        }

        String balancerUri() {
            return (secure ? "wss" : "ws") + "://" + host + ":" + connector.getLocalPort() + "/ws";
        }

        String statusPageUri() {
            return statusPageUri(admin);
        }

        static String statusPageUri(ServerConnector admin) {
            return "http://127.0.0.1:" + admin.getLocalPort() + "/";
        }

        @Override
        public void close() throws Exception {
            server.stop();
            for (EchoServer backend : backends) {
                backend.close();
            }
        }
    }

    static Running start(String host, int port, io.wslb.BalancingStrategy strategy) throws Exception {
        return start(host, port, strategy, null);
    }

    /**
     * @param tls the page's and the balancer's TLS termination, or null for plain http:// and ws://
     */
    static Running start(String host, int port, io.wslb.BalancingStrategy strategy, @Nullable ServerTls tls) throws Exception {
        List<EchoServer> backends = new ArrayList<>();
        Server server = new Server();
        try {
            return start(host, port, strategy, tls, backends, server);
        } catch (Exception e) {
            // Nothing this start opened may outlive it: its non-daemon threads would keep the process running.
            try {
                server.stop();
            } catch (Exception ignored) {
                // the start failure is what gets reported
            }
            for (org.eclipse.jetty.server.Connector c : server.getConnectors()) {
                if (c instanceof ServerConnector sc) {
                    Bind.close(sc);
                }
            }
            for (EchoServer backend : backends) {
                try {
                    backend.close();
                } catch (Exception ignored) {
                    // as above
                }
            }
            throw e;
        }
    }

    private static Running start(String host, int port, io.wslb.BalancingStrategy strategy, @Nullable ServerTls tls,
        List<EchoServer> backends, Server server) throws Exception {
        WebSocketLoadBalancerBuilder builder = WebSocketLoadBalancer.builder().strategy(strategy);
        for (int i = 1; i <= 3; i++) {
            EchoServer echo = EchoServer.start("127.0.0.1", 0, "echo-" + i);
            backends.add(echo);
            builder.backend(Backend.of("echo-" + i, URI.create(echo.uri())));
        }
        WebSocketLoadBalancer balancer = builder.build();

        ServerConnector connector = tls == null ? new ServerConnector(server)
            : new ServerConnector(server, tls.connectionFactory(), new HttpConnectionFactory());
        if (tls != null) {
            server.addBean(tls); // its reload checks run while the server does
        }
        connector.setHost(host);
        connector.setPort(port);
        server.addConnector(connector);
        ServerConnector admin = admin(balancer);
        server.addBean(admin.getServer()); // started and stopped with the demo
        server.setHandler(new Handler.Sequence(WebSocketLoadBalancerHandler.at("/ws", balancer),
            new Page(() -> Running.statusPageUri(admin))));
        server.setStopAtShutdown(true);
        Bind.open(connector, "--host", "--port");
        server.start();
        return new Running(server, connector, admin, host, tls != null, backends);
    }

    /**
     * The status page and admin API on a server of their own, on loopback only: they have no token here, and
     * anyone who reaches them can drain the backends.
     */
    private static ServerConnector admin(WebSocketLoadBalancer balancer) {
        QueuedThreadPool threads = new QueuedThreadPool(8, 1);
        threads.setName("demo-admin");
        Server admin = new Server(threads);
        ServerConnector connector = new ServerConnector(admin, 1, 1);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        admin.addConnector(connector);
        admin.setHandler(AdminHandler.builder(balancer).build());
        return connector;
    }

    /** Serves the demo page at {@code /}, with the link to the status page filled in; everything else is 404. */
    static final class Page extends Handler.Abstract.NonBlocking {
        /** Where the page names the status page; replaced at each request, since its port is known once started. */
        static final String STATUS_PAGE = "{{STATUS_PAGE}}";

        private final String html;
        private final Supplier<String> statusPage;

        Page(Supplier<String> statusPage) throws IOException {
            this.statusPage = statusPage;
            try (InputStream in = Demo.class.getResourceAsStream("demo.html")) {
                if (in == null) {
                    throw new IOException("demo.html is missing from the jar");
                }
                html = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
        }

        @Override
        public boolean handle(Request request, Response response, Callback callback) {
            if (!HttpMethod.GET.is(request.getMethod()) || !"/".equals(Request.getPathInContext(request))) {
                return false;
            }
            response.setStatus(200);
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/html;charset=utf-8");
            response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
            byte[] bytes = html.replace(STATUS_PAGE, statusPage.get()).getBytes(StandardCharsets.UTF_8);
            response.write(true, ByteBuffer.wrap(bytes), callback);
            return true;
        }
    }
}
