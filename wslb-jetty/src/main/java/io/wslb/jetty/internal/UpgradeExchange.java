package io.wslb.jetty.internal;

import io.wslb.HttpHeader;
import io.wslb.RejectCause;
import io.wslb.Route;
import io.wslb.RouteException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.HttpStream;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
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

    /** One backend attempt of this exchange. */
    final class Attempt {
        final Route route;
        volatile @Nullable BackendUpgradeConnection connection;

        Attempt(Route route) {
            this.route = route;
        }

        void connected(BackendUpgradeConnection upgrade) {
            connection = upgrade;
            if (clientGone) {
                upgrade.abort(new java.io.IOException("client left"));
            }
        }
    }

    private final ProxyContext context;
    private final Request request;
    private final Response response;
    private final Callback callback;
    private final JettyHandshakeRequest handshake;
    private final String key;
    private final String remainder;
    private final AtomicBoolean answered = new AtomicBoolean();
    private volatile @Nullable Attempt current;
    private volatile boolean clientGone;
    private volatile @Nullable WebSocketTunnel tunnel;

    private UpgradeExchange(ProxyContext context, Request request, Response response, Callback callback,
                            JettyHandshakeRequest handshake, String key, String remainder) {
        this.context = context;
        this.request = request;
        this.response = response;
        this.callback = callback;
        this.handshake = handshake;
        this.key = key;
        this.remainder = remainder;
    }

    /**
     * Validates the handshake and, if valid, starts proxying it; otherwise answers the error. Always takes
     * charge of the request: the callback is completed in every case.
     *
     * @param context the mounted balancer
     * @param request the client's request
     * @param response its response
     * @param callback completed once the answer is written (for a 101: once the connection is upgraded)
     * @param remainder the raw request path below the mount point, "" or starting with "/"
     */
    public static void handle(ProxyContext context, Request request, Response response, Callback callback, String remainder) {
        JettyHandshakeRequest handshake = new JettyHandshakeRequest(request);
        ClientHandshake.Outcome outcome = ClientHandshake.validate(request);
        if (!outcome.isValid()) {
            RejectCause cause = outcome.reject();
            context.balancer().router().reject(handshake, cause, cause.status());
            ErrorResponses.write(response, callback, cause, cause.status(), outcome.message());
            return;
        }
        if (!remainder.isEmpty() && !remainder.startsWith("/")) {
            context.balancer().router().reject(handshake, RejectCause.BAD_HANDSHAKE, 400);
            ErrorResponses.write(response, callback, RejectCause.BAD_HANDSHAKE, 400, "bad request path");
            return;
        }
        new UpgradeExchange(context, request, response, callback, handshake, outcome.key(), remainder).start();
    }

    private void start() {
        request.addFailureListener(this::clientFailed);
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
        context.balancer().router().route(handshake).whenComplete(this::routed);
    }

    long upgradeTimeoutMillis() {
        return context.balancer().upgradeTimeout().toMillis();
    }

    private void routed(@Nullable Route route, @Nullable Throwable failure) {
        if (failure != null || route == null) {
            Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
            if (cause instanceof RouteException e) {
                answerError(e.rejectCause(), e.rejectCause().status(), e.getMessage());
            } else {
                LOG.error("routing failed for {}", handshake, cause);
                context.balancer().router().reject(handshake, RejectCause.INTERNAL_ERROR, 500);
                answerError(RejectCause.INTERNAL_ERROR, 500, "routing failed");
            }
            return;
        }
        attempt(route);
    }

    private void attempt(Route route) {
        Attempt attempt = new Attempt(route);
        current = attempt;
        if (clientGone) {
            route.abandon(RejectCause.CLIENT_GONE, 0);
            answerGone();
            return;
        }
        ByteBuffer upgrade;
        try {
            upgrade = BackendHandshake.request(route.backend().backend(), remainder, handshake, key);
        } catch (RuntimeException e) {
            route.abandon(RejectCause.BAD_HANDSHAKE, 400);
            answerError(RejectCause.BAD_HANDSHAKE, 400, "request cannot be forwarded");
            return;
        }
        context.connector().connect(route.backend().backend(),
            (endPoint, ctx) -> new BackendUpgradeConnection(endPoint, context.executor(), context.bufferPool(), this, attempt, upgrade),
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
            });
    }

    /** The backend could not be reached, or timed out: try the next one. */
    void backendFailed(Attempt attempt, RejectCause reason, Throwable failure) {
        if (attempt != current) {
            return;
        }
        if (clientGone || reason == RejectCause.CLIENT_GONE) {
            attempt.route.abandon(RejectCause.CLIENT_GONE, 0);
            answerGone();
            return;
        }
        LOG.debug("backend {} failed for {}: {}", attempt.route.backend().id(), handshake, failure.toString());
        Route next;
        try {
            next = attempt.route.retry(reason, failure);
        } catch (RouteException e) {
            answerError(e.rejectCause(), e.rejectCause().status(), "backend unavailable");
            return;
        } catch (IllegalStateException e) {
            return; // this attempt already ended
        }
        attempt(next);
    }

    void backendRefused(Attempt attempt, int status, HttpFields headers, byte[] body) {
        attempt.route.abandon(RejectCause.BACKEND_REFUSED, status);
        if (!answered.compareAndSet(false, true)) {
            return;
        }
        response.setStatus(status);
        HttpFields.Mutable out = response.getHeaders();
        Set<String> connectionNamed = BackendHandshake.connectionNamed(headers);
        for (HttpField field : headers) {
            if (BackendHandshake.relayed(field, connectionNamed)) {
                out.add(field);
            }
        }
        out.put(org.eclipse.jetty.http.HttpHeader.CONNECTION, "close");
        response.write(true, ByteBuffer.wrap(body), callback);
    }

    void backendInvalid(Attempt attempt, String problem) {
        LOG.warn("backend {} gave an invalid upgrade answer to {}: {}", attempt.route.backend().id(), handshake, problem);
        attempt.route.abandon(RejectCause.BACKEND_INVALID_RESPONSE, 502);
        answerError(RejectCause.BACKEND_INVALID_RESPONSE, 502, "invalid answer from the backend");
    }

    /** The backend answered 101: check it, then answer the client 101 and install the tunnel. */
    void backendUpgraded(Attempt attempt, BackendUpgradeConnection upgrade, HttpFields backendHeaders) {
        EndPoint backendEndPoint = upgrade.getEndPoint();
        String problem = BackendHandshake.verify(backendHeaders, key, handshake);
        if (problem != null) {
            backendEndPoint.close();
            backendInvalid(attempt, problem);
            return;
        }
        if (clientGone || !answered.compareAndSet(false, true)) {
            backendEndPoint.close();
            attempt.route.abandon(RejectCause.CLIENT_GONE, 0);
            answerGone();
            return;
        }
        List<String> extensions = BackendHandshake.extensionNames(backendHeaders.getValuesList(org.eclipse.jetty.http.HttpHeader.SEC_WEBSOCKET_EXTENSIONS));
        int rsvFirst = extensions.isEmpty() ? 0
            : extensions.stream().allMatch("permessage-deflate"::equals) ? FrameScanner.RSV1 : FrameScanner.RSV_ALL;
        int rsvContinuation = rsvFirst == FrameScanner.RSV_ALL ? FrameScanner.RSV_ALL : 0;
        List<HttpHeader> extra = attempt.route.established();
        EndPoint clientEndPoint = request.getConnectionMetaData().getConnection().getEndPoint();
        WebSocketTunnel created = new WebSocketTunnel(context, attempt.route, clientEndPoint, backendEndPoint, rsvFirst, rsvContinuation);
        tunnel = created;
        backendEndPoint.upgrade(created.backendLeg());

        response.setStatus(HttpStatus.SWITCHING_PROTOCOLS_101);
        HttpFields.Mutable out = response.getHeaders();
        Set<String> connectionNamed = BackendHandshake.connectionNamed(backendHeaders);
        for (HttpField field : backendHeaders) {
            if (BackendHandshake.relayed(field, connectionNamed)) {
                out.add(field);
            }
        }
        out.put(org.eclipse.jetty.http.HttpHeader.UPGRADE, "websocket");
        out.put(org.eclipse.jetty.http.HttpHeader.CONNECTION, "Upgrade");
        out.put(org.eclipse.jetty.http.HttpHeader.SEC_WEBSOCKET_ACCEPT, BackendHandshake.accept(key));
        for (HttpHeader header : extra) {
            out.add(header.name(), header.value());
        }
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

    private void clientFailed(Throwable failure) {
        clientGone = true;
        Attempt attempt = current;
        BackendUpgradeConnection upgrade = attempt == null ? null : attempt.connection;
        if (upgrade != null) {
            upgrade.abort(failure);
        }
    }

    private void answerError(RejectCause cause, int status, String message) {
        if (!answered.compareAndSet(false, true)) {
            return;
        }
        if (clientGone) {
            callback.failed(new java.io.IOException("client left"));
            return;
        }
        ErrorResponses.write(response, callback, cause, status, message);
    }

    private void answerGone() {
        if (answered.compareAndSet(false, true)) {
            callback.failed(new java.io.IOException("client left before its handshake completed"));
        }
    }

    static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
