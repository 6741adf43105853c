package io.wslb.bench;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.http.HttpCookieStore;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.websocket.core.CloseStatus;
import org.eclipse.jetty.websocket.core.Configuration;
import org.eclipse.jetty.websocket.core.CoreSession;
import org.eclipse.jetty.websocket.core.Frame;
import org.eclipse.jetty.websocket.core.OpCode;
import org.eclipse.jetty.websocket.core.WebSocketComponents;
import org.eclipse.jetty.websocket.core.client.CoreClientUpgradeRequest;
import org.eclipse.jetty.websocket.core.client.WebSocketCoreClient;
import org.eclipse.jetty.websocket.core.server.WebSocketMappings;
import org.eclipse.jetty.websocket.core.server.WebSocketNegotiator;
import org.eclipse.jetty.websocket.core.server.WebSocketServerComponents;
import org.jspecify.annotations.Nullable;

/**
 * "Design A" of docs/design.md, section 2: a WebSocket proxy on {@code jetty-websocket-core} with two
 * {@link CoreSession}s per connection. Every frame received on one leg is sent on the other, and the next frame of
 * that leg is demanded only once the send has completed, so a slow reader throttles its writer with at most one frame
 * in flight per direction.
 *
 * <p>The backend leg is opened first: the handler returns {@code true}, connects to the backend with
 * {@link WebSocketCoreClient}, and only when the backend has answered 101 does it run the server-side upgrade (which
 * writes the client's 101 with the backend's subprotocol). A backend failure becomes a 502 to the client.
 *
 * <p>Server, {@link HttpClient} and both legs share one thread pool, scheduler and {@code ByteBufferPool}, and one
 * {@link WebSocketComponents}. No extension is negotiated on either leg (no permessage-deflate).
 */
final class FrameRelayProxy {
    private final Server server;
    private final ServerConnector connector;
    private final WebSocketCoreClient wsClient;
    private final WebSocketMappings mappings;
    private final Configuration.ConfigurationCustomizer sessionConfig;
    private final List<URI> backends;
    private final AtomicInteger next = new AtomicInteger();
    private final long connectTimeoutMs;
    final LongAdder opened = new LongAdder();
    final LongAdder failedUpgrades = new LongAdder();

    FrameRelayProxy(String host, int port, List<URI> backends, int maxThreads, Duration idleTimeout, Duration connectTimeout) {
        if (backends.isEmpty()) {
            throw new IllegalArgumentException("at least one --backend is required");
        }
        this.backends = List.copyOf(backends);
        this.connectTimeoutMs = connectTimeout.toMillis();
        this.sessionConfig = JettySupport.sessionConfig(idleTimeout);

        server = JettySupport.newServer("relay", maxThreads);
        connector = JettySupport.addConnector(server, host, port);
        WebSocketComponents components = WebSocketServerComponents.ensureWebSocketComponents(server);
        mappings = new WebSocketMappings(components);

        HttpClient httpClient = new HttpClient();
        httpClient.setExecutor(server.getThreadPool());
        httpClient.setScheduler(server.getScheduler());
        httpClient.setByteBufferPool(server.getByteBufferPool());
        httpClient.setHttpCookieStore(new HttpCookieStore.Empty());
        httpClient.setUserAgentField(null);
        httpClient.setFollowRedirects(false);
        httpClient.setConnectTimeout(connectTimeoutMs);
        // Upgraded connections leave the pool; the limits only bound concurrent handshakes per backend.
        httpClient.setMaxConnectionsPerDestination(20_000);
        httpClient.setMaxRequestsQueuedPerDestination(20_000);
        wsClient = new WebSocketCoreClient(httpClient, components);
        server.addBean(wsClient);

        server.setHandler(new Handler.Abstract.NonBlocking() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                return FrameRelayProxy.this.handle(request, response, callback);
            }
        });
    }

    FrameRelayProxy start() throws Exception {
        server.start();
        return this;
    }

    int port() {
        return connector.getLocalPort();
    }

    void stop() throws Exception {
        server.stop();
    }

    static int run(String[] argv) throws Exception {
        Args a = Args.parse(argv, Set.of())
            .allow("listen", "backend", "max-threads", "idle-timeout", "connect-timeout", "max-lifetime");
        String listen = a.str("listen", "127.0.0.1:0");
        List<URI> backends = new ArrayList<>();
        for (String b : a.all("backend")) {
            backends.add(URI.create(b));
        }
        FrameRelayProxy proxy = new FrameRelayProxy(JettySupport.hostOf(listen), JettySupport.portOf(listen), backends,
            a.integer("max-threads", 16), a.duration("idle-timeout", Duration.ofMinutes(10)),
            a.duration("connect-timeout", Duration.ofSeconds(5))).start();
        System.out.println("listening on ws://" + JettySupport.hostOf(listen) + ":" + proxy.port() + "/");
        System.out.flush();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                proxy.stop();
            } catch (Exception ignored) {
                // exiting anyway
            }
        }));
        JettySupport.awaitLifetime(a.duration("max-lifetime", Duration.ofHours(2)));
        return 0;
    }

    private boolean handle(Request request, Response response, Callback callback) {
        if (!HttpMethod.GET.is(request.getMethod())
            || !request.getHeaders().contains(HttpHeader.UPGRADE, "websocket")
            || request.getHeaders().get(HttpHeader.SEC_WEBSOCKET_KEY) == null) {
            Response.writeError(request, response, callback, HttpStatus.BAD_REQUEST_400);
            return true;
        }
        if (!mappings.getHandshaker().isWebSocketUpgradeRequest(request)) {
            response.getHeaders().put(HttpHeader.SEC_WEBSOCKET_VERSION, "13");
            Response.writeError(request, response, callback, HttpStatus.UPGRADE_REQUIRED_426);
            return true;
        }

        Relay relay = new Relay();
        URI target = backendFor(request);
        CoreClientUpgradeRequest upgrade = CoreClientUpgradeRequest.from(wsClient, target, relay.backend);
        List<String> protocols = request.getHeaders().getCSV(HttpHeader.SEC_WEBSOCKET_SUBPROTOCOL, true);
        if (!protocols.isEmpty()) {
            upgrade.setSubProtocols(protocols);
        }
        upgrade.setConfiguration(sessionConfig);
        upgrade.timeout(connectTimeoutMs, TimeUnit.MILLISECONDS);
        try {
            wsClient.connect(upgrade).whenComplete((backendSession, failure) -> {
                if (failure != null) {
                    failedUpgrades.increment();
                    Response.writeError(request, response, callback, HttpStatus.BAD_GATEWAY_502);
                } else {
                    upgradeClient(relay, backendSession, request, response, callback);
                }
            });
        } catch (Throwable x) {
            failedUpgrades.increment();
            Response.writeError(request, response, callback, HttpStatus.BAD_GATEWAY_502);
        }
        return true;
    }

    /** Runs on the backend connect's completion thread: now answer the client's upgrade. */
    private void upgradeClient(Relay relay, CoreSession backendSession, Request request, Response response, Callback callback) {
        WebSocketNegotiator negotiator = (req, resp, cb) -> {
            resp.setAcceptedSubProtocol(backendSession.getNegotiatedSubProtocol());
            resp.setExtensions(List.of());
            return relay.client;
        };
        // If the client's 101 cannot be written (the client left while the backend connect was in flight), drop the
        // backend leg at once instead of leaving it open until its idle timeout.
        Callback upgradeCallback = new Callback() {
            @Override
            public void succeeded() {
                callback.succeeded();
            }

            @Override
            public void failed(Throwable x) {
                backendSession.abort();
                callback.failed(x);
            }

            @Override
            public InvocationType getInvocationType() {
                return callback.getInvocationType();
            }
        };
        try {
            if (mappings.upgrade(negotiator, request, response, upgradeCallback, sessionConfig)) {
                opened.increment();
                return;
            }
            backendSession.abort();
            failedUpgrades.increment();
            Response.writeError(request, response, callback, HttpStatus.BAD_REQUEST_400);
        } catch (Throwable x) {
            backendSession.abort();
            failedUpgrades.increment();
            Response.writeError(request, response, callback, x);
        }
    }

    private URI backendFor(Request request) {
        URI b = backends.get(Math.floorMod(next.getAndIncrement(), backends.size()));
        String path = b.getRawPath();
        if (path == null || path.isEmpty() || path.equals("/")) {
            String pathQuery = request.getHttpURI().getPathQuery();
            return URI.create(b.getScheme() + "://" + b.getRawAuthority() + (pathQuery == null ? "/" : pathQuery));
        }
        return b;
    }

    /** The two legs of one proxied connection and the close hand-shake between them. */
    static final class Relay {
        final Leg client = new Leg(this, true);
        final Leg backend = new Leg(this, false);
        private int openLegs;

        /** Demand starts on both legs only once both are open. The backend leg always opens first. */
        void legOpened() {
            boolean both;
            synchronized (this) {
                both = ++openLegs == 2;
            }
            if (both) {
                backend.session().demand();
                client.session().demand();
            }
        }

        /**
         * A CLOSE arrived on {@code from}. If it answers a CLOSE we forwarded from the peer, relay it back as the
         * peer's close response; otherwise forward it and hold {@code from}'s callback until the other side answers
         * (when the callback completes, Jetty would echo the close itself).
         */
        void onCloseFrame(Leg from, Frame frame, Callback callback) {
            CloseStatus status = CloseStatus.getCloseStatus(frame);
            Leg to = from.peer();
            Callback answered;
            boolean forward = false;
            synchronized (this) {
                answered = to.pendingClose;
                to.pendingClose = null;
                if (answered == null && to.session != null && to.session.isOutputOpen()) {
                    from.pendingClose = callback;
                    forward = true;
                }
            }
            if (answered != null) {
                Callback both = Callback.from(() -> {
                    answered.succeeded();
                    callback.succeeded();
                }, x -> {
                    answered.succeeded();
                    callback.succeeded();
                });
                to.session().close(status, both);
            } else if (forward) {
                to.session().close(status, Callback.NOOP);
            } else {
                callback.succeeded();
            }
        }

        /** A leg has ended, cleanly or not: finish the other one with a proper code. */
        void legClosed(Leg leg, CloseStatus status) {
            Leg other = leg.peer();
            Callback mine;
            Callback theirs;
            synchronized (this) {
                mine = leg.pendingClose;
                leg.pendingClose = null;
                theirs = other.pendingClose;
                other.pendingClose = null;
            }
            if (mine != null) {
                mine.succeeded();
            }
            if (theirs != null) {
                theirs.succeeded(); // Jetty answers the held close on `other` with its own status
                return;
            }
            CoreSession s = other.session;
            if (s != null && s.isOutputOpen()) {
                int code = status.getCode();
                if (CloseStatus.isTransmittableStatusCode(code)) {
                    s.close(code, status.getReason(), Callback.NOOP);
                } else if (other.isClient) {
                    s.close(CloseStatus.SERVER_ERROR, "backend connection lost", Callback.NOOP);
                } else {
                    s.close(CloseStatus.SHUTDOWN, "client connection lost", Callback.NOOP);
                }
            }
        }
    }

    /** One side of the relay. Also the (reused) completion callback of the frame it forwards to its peer. */
    static final class Leg extends ForwardingFrameHandler {
        private final Relay relay;
        final boolean isClient;
        @Nullable Callback pendingClose; // guarded by relay

        Leg(Relay relay, boolean isClient) {
            this.relay = relay;
            this.isClient = isClient;
        }

        /** The other leg of the relay. */
        Leg peer() {
            return isClient ? relay.backend : relay.client;
        }

        @Override
        public void onOpen(CoreSession coreSession, Callback callback) {
            session = coreSession;
            callback.succeeded();
            relay.legOpened();
        }

        @Override
        public void onFrame(Frame frame, Callback callback) {
            if (frame.getOpCode() == OpCode.CLOSE) {
                relay.onCloseFrame(this, frame, callback);
                return;
            }
            // The parsed frame is forwarded as is: its payload is already unmasked and stays valid until `callback`
            // completes; a client-behaviour session sets a fresh mask when it sends, a server one sends unmasked.
            forward(peer().session(), frame, callback);
        }

        @Override
        public void onError(Throwable cause, Callback callback) {
            callback.succeeded();
        }

        @Override
        public void onClosed(CloseStatus closeStatus, Callback callback) {
            relay.legClosed(this, closeStatus);
            callback.succeeded();
        }
    }
}
