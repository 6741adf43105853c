package io.wslb.jetty.internal.handshake;

import io.wslb.RejectCause;
import io.wslb.ResponseHeader;
import io.wslb.jetty.internal.ProxyContext;
import io.wslb.jetty.internal.io.BackendConnector;
import io.wslb.jetty.internal.io.BesideConnects;
import io.wslb.jetty.internal.tunnel.FrameRules;
import io.wslb.jetty.internal.tunnel.WebSocketTunnel;
import io.wslb.spi.Route;
import io.wslb.spi.RouteException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectableChannel;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.HttpStream;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.IO;
import org.eclipse.jetty.util.Promise;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client handshake on its way to becoming a tunnel: route, open the backend leg (retrying on another
 * backend when one is unreachable or slow), and only after a valid backend 101 answer the client 101 and
 * swap both sockets' connections for the tunnel's. Exactly one answer reaches the client: the 101, an error
 * status, or nothing when the client left.
 */
public final class UpgradeExchange {

    private static final Logger LOG = LoggerFactory.getLogger(UpgradeExchange.class);

    /**
     * One backend attempt of this exchange, and the listener of its backend connection. Before the 101, its route is
     * ended or retried by the first of the client leaving and the backend's outcome ({@link #claim}), so a retry
     * never meets a route the client's end already abandoned; the route itself reports that end.
     */
    private final class Attempt implements BackendUpgradeListener {
        final Route route;
        /** When the connect began and when it completed ({@link System#nanoTime()}, Jetty's clock), for the listeners. */
        final long started = System.nanoTime();
        volatile long connectedAt;
        private final AtomicBoolean claimed = new AtomicBoolean();
        volatile @Nullable BackendUpgradeConnection connection;
        /** The socket while its TCP connect is in flight; closed if the client leaves before it completes. */
        volatile @Nullable SelectableChannel connecting;

        Attempt(Route route) {
            this.route = route;
        }

        /** @return true for the first caller, which alone ends (or retries) this attempt's route */
        boolean claim() {
            return claimed.compareAndSet(false, true);
        }

        /** The handshake ends on this attempt without a tunnel. */
        void abandon(RejectCause cause, int status) {
            if (claim()) {
                route.abandon(cause, status);
            }
        }

        void connectStarted(SelectableChannel channel) {
            connecting = channel;
            if (clientEnd != null && connection == null) {
                cancelConnect();
            }
        }

        /** The client left before the backend's TCP (or TLS) connect completed: give the socket and route back now. */
        void cancelConnect() {
            SelectableChannel channel = connecting;
            if (channel != null) {
                IO.close(channel);
            }
            RejectCause cause = clientEnd;
            abandon(cause != null ? cause : RejectCause.CLIENT_GONE, cause != null ? cause.status() : 0);
        }

        @Override
        public void onOpened(BackendUpgradeConnection upgrade) {
            connection = upgrade;
            long now = System.nanoTime();
            connectedAt = now;
            context.events().onBackendConnected(route, Duration.ofNanos(now - started));
            if (clientEnd != null) {
                upgrade.abort(new ClientGoneException("client left"));
            }
        }

        @Override
        public void onUpgraded(EndPoint backend, HttpFields headers) {
            backendUpgraded(this, backend, headers);
        }

        @Override
        public void onRefused(int status, HttpFields headers, byte[] body) {
            backendRefused(this, status, headers, body);
        }

        @Override
        public void onInvalid(String problem) {
            backendInvalid(this, problem);
        }

        @Override
        public void onFailed(RejectCause reason, Throwable failure) {
            backendFailed(this, reason, failure);
        }
    }

    private final ProxyContext context;
    private final Request request;
    private final Response response;
    private final Callback callback;
    private final JettyHandshakeRequest handshake;
    private final String key;
    private final String remainder;
    private final ClientWatch watch;
    private volatile @Nullable Attempt current;
    /** Null while the client is there; why it is not once it left or broke the handshake. */
    private volatile @Nullable RejectCause clientEnd;
    private volatile @Nullable WebSocketTunnel tunnel;
    /** The id the backend is told, the same on every attempt: the channel API finds the connection by it. */
    private final String connectionId;

    private UpgradeExchange(ProxyContext context, Request request, Response response, Callback callback,
                            JettyHandshakeRequest handshake, String key, String remainder) {
        this.connectionId = context.channels().nextConnectionId();
        this.context = context;
        this.request = request;
        this.response = response;
        this.callback = callback;
        this.handshake = handshake;
        this.key = key;
        this.remainder = remainder;
        this.watch = new ClientWatch(request.getConnectionMetaData().getConnection().getEndPoint(), context.scheduler(),
            this::clientEnded);
    }

    /**
     * Validates the handshake and, if valid, starts proxying it; otherwise answers the error. Always takes
     * charge of the request: the callback is completed in every case.
     *
     * @param context the mounted balancer
     * @param request the client's request
     * @param response its response
     * @param callback completed once the answer is written (for a 101: once the connection is upgraded)
     * @param remainder the normalised raw request path below the mount point, "" or starting with "/"; null
     *     when the path cannot be forwarded safely (answered 400)
     */
    public static void handle(ProxyContext context, Request request, Response response, Callback callback,
                              @Nullable String remainder) {
        JettyHandshakeRequest handshake = new JettyHandshakeRequest(request, context.balancer().trustedProxies());
        if (context.isShuttingDown()) {
            refuse(context, handshake, response, callback, RejectCause.SHUTTING_DOWN, "the balancer is stopping");
            return;
        }
        ClientHandshake.Outcome outcome = ClientHandshake.validate(request);
        if (outcome instanceof ClientHandshake.Rejected rejected) {
            refuse(context, handshake, response, callback, rejected.cause(), rejected.message());
            return;
        }
        if (remainder == null) {
            refuse(context, handshake, response, callback, RejectCause.BAD_HANDSHAKE, "the request path cannot be forwarded");
            return;
        }
        new UpgradeExchange(context, request, response, callback, handshake, ((ClientHandshake.Valid) outcome).key(), remainder).start();
    }

    /** Refuses a handshake before routing: no route exists, so the router reports it; the adapter answers it. */
    private static void refuse(ProxyContext context, JettyHandshakeRequest handshake, Response response, Callback callback,
                               RejectCause cause, String message) {
        context.router().reject(handshake, cause, cause.status());
        ErrorResponses.write(response, callback, cause, cause.status(), message);
    }

    private void start() {
        request.addFailureListener(this::clientFailed);
        request.addIdleTimeoutListener(this::clientIdle);
        request.addHttpStreamWrapper(stream -> new HttpStream.Wrapper(stream) {
            @Override
            public void succeeded() {
                super.succeeded();
                clientExchangeCompleted();
            }

            @Override
            public void failed(Throwable failure) {
                super.failed(failure);
                clientExchangeCompleted();
            }
        });
        watch.schedule();
        context.router().route(handshake).whenComplete(this::routed);
    }

    /** The router's answer: a route to attempt, or a failure it already reported, which is only answered here. */
    private void routed(@Nullable Route route, @Nullable Throwable failure) {
        if (route == null) {
            RouteException refusal = RouteException.from(failure != null ? failure : new IllegalStateException("no route"));
            answerError(refusal.rejectCause(), refusal.rejectCause().status(), refusal.getMessage());
            return;
        }
        attempt(route);
    }

    private void attempt(Route route) {
        Attempt attempt = new Attempt(route);
        current = attempt;
        RejectCause ended = clientEnd;
        if (ended != null) {
            attempt.abandon(ended, ended.status());
            answerGone();
            return;
        }
        ByteBuffer upgrade;
        try {
            upgrade = BackendHandshake.request(route.backend().backend(), remainder, handshake, key,
                handshake.peerIsTrustedProxy(context.balancer().trustedProxies()), connectionId);
        } catch (RuntimeException e) {
            attempt.abandon(RejectCause.BAD_HANDSHAKE, 400);
            answerError(RejectCause.BAD_HANDSHAKE, 400, "request cannot be forwarded");
            return;
        }
        Duration upgradeTimeout = context.balancer().timeouts().upgrade();
        context.connector().connect(route.backend().backend(),
            (endPoint, ctx) -> new BackendUpgradeConnection(endPoint, context.executor(), context.bufferPool(),
                context.scheduler(), upgradeTimeout, attempt, upgrade),
            new Promise<Connection>() {
                @Override
                public void succeeded(Connection connection) {
                    // The upgrade connection reports its own outcome.
                }

                @Override
                public void failed(Throwable failure) {
                    backendFailed(attempt, failure instanceof java.net.SocketTimeoutException
                        || failure instanceof java.util.concurrent.TimeoutException
                        ? RejectCause.BACKEND_TIMEOUT : RejectCause.BACKEND_UNREACHABLE, failure);
                }
            }, attempt::connectStarted, beside());
    }

    /** @return the client's connector and endpoint, when that connector can put the backend socket beside it */
    private BackendConnector.@Nullable Beside beside() {
        if (request.getConnectionMetaData().getConnector() instanceof BesideConnects connector) {
            return new BackendConnector.Beside(connector, request.getConnectionMetaData().getConnection().getEndPoint());
        }
        return null;
    }

    /** The backend could not be reached, or timed out: try the next one. */
    private void backendFailed(Attempt attempt, RejectCause reason, Throwable failure) {
        if (attempt != current) {
            return;
        }
        RejectCause ended = clientEnd;
        if (ended != null || reason == RejectCause.CLIENT_GONE) {
            RejectCause cause = ended != null ? ended : RejectCause.CLIENT_GONE;
            attempt.abandon(cause, cause.status());
            answerGone();
            return;
        }
        if (!attempt.claim()) {
            return; // the client left meanwhile: its end abandoned the route and answered
        }
        LOG.debug("backend {} failed for {}: {}", attempt.route.backend().id(), handshake, failure.toString());
        Route next;
        try {
            next = attempt.route.retry(reason, failure);
        } catch (RuntimeException e) {
            RouteException refusal = RouteException.from(e); // already reported by the router or the route
            answerError(refusal.rejectCause(), refusal.rejectCause().status(), "backend unavailable");
            return;
        }
        attempt(next);
    }

    private void backendRefused(Attempt attempt, int status, HttpFields headers, byte[] body) {
        attempt.abandon(RejectCause.BACKEND_REFUSED, status);
        if (!watch.answer()) {
            return;
        }
        response.setStatus(status);
        HttpFields.Mutable out = response.getHeaders();
        BackendHandshake.relayHeaders(headers, out);
        out.put(HttpHeader.CONNECTION, "close");
        response.write(true, ByteBuffer.wrap(body), callback);
    }

    private void backendInvalid(Attempt attempt, String problem) {
        LOG.warn("backend {} gave an invalid upgrade answer to {}: {}", attempt.route.backend().id(), handshake, problem);
        attempt.abandon(RejectCause.BACKEND_INVALID_RESPONSE, 502);
        answerError(RejectCause.BACKEND_INVALID_RESPONSE, 502, "invalid answer from the backend");
    }

    /** The backend answered 101: check it, then answer the client 101 and install the tunnel. */
    private void backendUpgraded(Attempt attempt, EndPoint backendEndPoint, HttpFields backendHeaders) {
        String problem = BackendHandshake.verify(backendHeaders, key, handshake);
        if (problem != null) {
            backendEndPoint.close();
            backendInvalid(attempt, problem);
            return;
        }
        RejectCause ended = clientEnd;
        if (ended != null || !watch.answer()) {
            backendEndPoint.close();
            RejectCause cause = ended != null ? ended : RejectCause.CLIENT_GONE;
            attempt.abandon(cause, cause.status());
            answerGone();
            return;
        }
        context.events().onBackendUpgraded(attempt.route, Duration.ofNanos(System.nanoTime() - attempt.connectedAt));
        int rsvFirst = BackendHandshake.rsvFirst(backendHeaders);
        int rsvContinuation = rsvFirst == FrameRules.RSV_ALL ? FrameRules.RSV_ALL : 0;
        List<ResponseHeader> extra = attempt.route.established();
        EndPoint clientEndPoint = request.getConnectionMetaData().getConnection().getEndPoint();
        List<String> channels = BackendHandshake.channels(backendHeaders, invalid -> LOG.debug(
            "backend {} named a channel that is left out for {}: {}", attempt.route.backend().id(), handshake, invalid));
        WebSocketTunnel created = new WebSocketTunnel(context, attempt.route, clientEndPoint, backendEndPoint, rsvFirst, rsvContinuation,
            connectionId, channels);
        tunnel = created;
        backendEndPoint.upgrade(created.backendLeg());

        response.setStatus(HttpStatus.SWITCHING_PROTOCOLS_101);
        BackendHandshake.switchingHeaders(backendHeaders, extra, response.getHeaders());
        request.setAttribute(HttpStream.UPGRADE_CONNECTION_ATTRIBUTE, created.clientLeg());
        response.write(true, null, callback);
    }

    /** Jetty finished the client's HTTP exchange: if a tunnel was prepared but not installed, undo it. */
    private void clientExchangeCompleted() {
        WebSocketTunnel prepared = tunnel;
        if (prepared != null && !prepared.clientLeg().isOpened()) {
            prepared.abortBeforeStart();
        }
    }

    /**
     * The client's connection reached its idle timeout (the connector's, 30 s unless set) while the proxy waits
     * for a backend. The client is still there (the client check sees one that leaves), so it is not failed, which
     * would have Jetty answer a 500 of its own on a connection it keeps open: the wait is bounded by the connect and
     * upgrade timeouts, and ends with the backend's answer or the proxy's 502/504. Once answered, the timeout
     * applies as usual.
     *
     * @return true to let Jetty fail the request
     */
    private boolean clientIdle(TimeoutException timeout) {
        return watch.answered();
    }

    private void clientFailed(Throwable failure) {
        clientEnded(RejectCause.CLIENT_GONE, failure);
    }

    /**
     * The client left (CLIENT_GONE) or sent data before its 101 (BAD_HANDSHAKE, answered 400): the backend
     * attempt in flight is aborted and its route abandoned with that cause.
     */
    private void clientEnded(RejectCause why, @Nullable Throwable failure) {
        if (clientEnd != null) {
            return;
        }
        clientEnd = why;
        if (why == RejectCause.BAD_HANDSHAKE) {
            answerError(why, 400, "data sent before the handshake completed");
        } else {
            answerGone();
        }
        Attempt attempt = current;
        BackendUpgradeConnection upgrade = attempt == null ? null : attempt.connection;
        if (upgrade != null) {
            upgrade.abort(failure != null ? failure : new ClientGoneException(why.name()));
        } else if (attempt != null) {
            attempt.cancelConnect();
        }
    }

    private void answerError(RejectCause cause, int status, String message) {
        if (!watch.answer()) {
            return;
        }
        if (clientEnd == RejectCause.CLIENT_GONE) {
            callback.failed(new ClientGoneException("client left before its handshake completed"));
            return;
        }
        ErrorResponses.write(response, callback, cause, status, message);
    }

    private void answerGone() {
        if (watch.answer()) {
            callback.failed(new ClientGoneException("client left before its handshake completed"));
        }
    }
}
