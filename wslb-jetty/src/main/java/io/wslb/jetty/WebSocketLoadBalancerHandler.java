package io.wslb.jetty;

import static java.util.Objects.requireNonNull;

import io.wslb.WebSocketLoadBalancer;
import io.wslb.jetty.internal.ProxyContext;
import io.wslb.jetty.internal.handshake.MountPath;
import io.wslb.jetty.internal.handshake.UpgradeExchange;
import io.wslb.jetty.internal.io.BackendConnector;
import io.wslb.jetty.internal.io.OpenFiles;
import java.util.concurrent.CompletableFuture;
import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.annotation.ManagedAttribute;
import org.eclipse.jetty.util.annotation.ManagedObject;
import org.eclipse.jetty.util.component.Graceful;
import org.eclipse.jetty.util.thread.Scheduler;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Jetty core {@link Handler} that load-balances the WebSocket upgrades arriving under a path: each one is
 * validated, routed by the {@link WebSocketLoadBalancer}, connected to a backend, and only after the
 * backend's 101 answered with a 101 and turned into a byte tunnel that follows the frames. Requests outside the
 * path are left to the next handler. It shares the server's executor, scheduler and buffer pool, and owns its
 * backend connector as a lifecycle bean.
 *
 * <pre>{@code
 * Server server = new Server(8080);
 * WebSocketLoadBalancer lb = WebSocketLoadBalancer.builder()
 *     .backend(Backend.of("a", URI.create("ws://10.0.0.1:3000")))
 *     .backend(Backend.of("b", URI.create("ws://10.0.0.2:3000")))
 *     .strategy(BalancingStrategies.roundRobin())
 *     .build();
 * Handler yourApplication = new DefaultHandler();   // the handlers the server already had
 * server.setHandler(new Handler.Sequence(WebSocketLoadBalancerHandler.at("/ws", lb), yourApplication));
 * server.start();
 * }</pre>
 *
 * <p>The request path below the mount path, and the query, are appended to the backend URI's path: with the
 * handler at {@code /ws} and a backend {@code ws://10.0.0.1:3000/chat}, a client's {@code /ws/room/7?x=1}
 * reaches the backend as {@code /chat/room/7?x=1}. Plain HTTP requests under the path get 426. Only HTTP/1.1
 * upgrades are proxied.
 *
 * <p>Stopping: when the server begins to stop, before its connectors close, every proxied connection gets a
 * 1001 close frame on both sides and new handshakes get 503. With {@code server.setStopTimeout(...)} set, Jetty
 * also waits (up to that timeout) for the connections to finish their closing handshakes.
 */
@ManagedObject("WebSocket load balancer")
public final class WebSocketLoadBalancerHandler extends Handler.Abstract implements Graceful {

    private static final Logger LOG = LoggerFactory.getLogger(WebSocketLoadBalancerHandler.class);

    private final String path;
    private final WebSocketLoadBalancer balancer;
    private @Nullable ProxyContext context;

    private WebSocketLoadBalancerHandler(String path, WebSocketLoadBalancer balancer) {
        super(InvocationType.NON_BLOCKING);
        this.path = path;
        this.balancer = balancer;
    }

    /**
     * @param path the mount path: {@code "/"} for every path, or a path such as {@code "/ws"} that matches itself
     *     and everything below it ({@code /ws/...}); no trailing slash, no wildcard
     * @param balancer the balancer to mount
     * @return a handler to add to the server
     */
    public static WebSocketLoadBalancerHandler at(String path, WebSocketLoadBalancer balancer) {
        requireNonNull(path, "path");
        requireNonNull(balancer, "balancer");
        if (!path.startsWith("/") || (path.length() > 1 && path.endsWith("/")) || path.contains("*")) {
            throw new IllegalArgumentException("path must be \"/\" or like \"/ws\" (no trailing slash or wildcard), got \"" + path + "\"");
        }
        return new WebSocketLoadBalancerHandler(path, balancer);
    }

    /** @return the balancer this handler mounts */
    public WebSocketLoadBalancer balancer() {
        return balancer;
    }

    /** @return the mount path */
    @ManagedAttribute("mount path")
    public String getPath() {
        return path;
    }

    /** @return proxied connections open now */
    @ManagedAttribute("open proxied connections")
    public int getOpenConnections() {
        ProxyContext c = context;
        return c == null ? 0 : c.openTunnels();
    }

    @Override
    protected void doStart() throws Exception {
        Server server = getServer();
        if (server == null) {
            throw new IllegalStateException("the handler must be part of a Server before it starts");
        }
        ByteBufferPool pool = server.getByteBufferPool();
        Scheduler scheduler = server.getScheduler();
        BackendConnector connector = BackendConnector.of(server, balancer);
        addBean(connector, true);
        ProxyContext created = new ProxyContext(balancer, server.getThreadPool(), scheduler, pool, connector);
        created.attach(server);
        context = created;
        super.doStart();
        // Not capped for the application, whose other work shares the descriptors: said once, so it can choose.
        java.util.OptionalLong openFiles = OpenFiles.limit();
        if (balancer.admissionLimits().maxConnections().isEmpty() && openFiles.isPresent()) {
            LOG.info("WebSocket load balancer at {}: no cap on proxied connections (no AdmissionLimits.maxConnections); the open-files"
                    + " limit of {} fits about {} at 2 descriptors each, beyond which accepting pauses until descriptors"
                    + " free up; set AdmissionLimits.withMaxConnections (e.g. ProxyServerConnector.maxConnectionsFor(limit)) to answer 503"
                    + " instead", path, openFiles.getAsLong(), OpenFiles.connectionsThatFit(openFiles.getAsLong()));
        }
    }

    @Override
    protected void doStop() throws Exception {
        ProxyContext c = context;
        if (c != null) {
            c.shutdown();
            c.detach();
            removeBean(getBean(BackendConnector.class));
        }
        context = null;
        super.doStop();
    }

    /**
     * Graceful shutdown, called by Jetty when the server stops with a stop timeout: new handshakes get 503 and
     * every proxied connection is closed with 1001 on both sides.
     *
     * @return completes when no proxied connection is left
     */
    @Override
    public CompletableFuture<Void> shutdown() {
        ProxyContext c = context;
        return c == null ? CompletableFuture.completedFuture(null) : c.shutdown();
    }

    @Override
    public boolean isShutdown() {
        ProxyContext c = context;
        return c == null || c.isShuttingDown();
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        ProxyContext c = context;
        if (c == null) {
            return false;
        }
        String inContext = Request.getPathInContext(request);
        if (!matches(inContext)) {
            return false;
        }
        String contextPath = Request.getContextPath(request);
        String prefix = (contextPath == null ? "" : contextPath) + (path.equals("/") ? "" : path);
        UpgradeExchange.handle(c, request, response, callback, MountPath.remainder(request.getHttpURI().getPath(), prefix));
        return true;
    }

    private boolean matches(String inContext) {
        if (path.equals("/")) {
            return true;
        }
        return inContext.equals(path) || (inContext.startsWith(path) && inContext.charAt(path.length()) == '/');
    }

    @Override
    public String toString() {
        return "WebSocketLoadBalancerHandler@" + path + "{" + balancer + "}";
    }
}
