package io.wslb.jetty;

import static java.util.Objects.requireNonNull;

import io.wslb.WebSocketLoadBalancer;
import io.wslb.jetty.internal.ProxyContext;
import io.wslb.jetty.internal.handshake.MountPath;
import io.wslb.jetty.internal.handshake.UpgradeExchange;
import io.wslb.jetty.internal.io.BackendConnector;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.concurrent.ExecutionException;
import org.eclipse.jetty.ee10.servlet.ServletContextRequest;
import org.eclipse.jetty.ee10.servlet.ServletContextResponse;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.FutureCallback;
import org.jspecify.annotations.Nullable;

/**
 * An ee10 servlet that load-balances the WebSocket upgrades of the paths it is mapped to, for applications
 * built on servlets. It runs the same data path as {@link WebSocketLoadBalancerHandler}, but a servlet must
 * finish its response before returning, so the container thread waits while the backend handshake runs
 * (bounded by the balancer's connect and upgrade timeouts); prefer the handler at high connection rates.
 *
 * <pre>{@code
 * ServletContextHandler context = new ServletContextHandler("/");
 * context.addServlet(new ServletHolder(new WebSocketLoadBalancerServlet(lb)), "/ws/*");
 * server.setHandler(context);
 * }</pre>
 *
 * <p>The part of the path after the servlet path (the path info) and the query are appended to the backend
 * URI's path. The servlet must run on Jetty 12.1 ee10.
 */
public final class WebSocketLoadBalancerServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;

    private final transient WebSocketLoadBalancer balancer;
    private transient @Nullable ProxyContext context;
    private transient @Nullable BackendConnector connector;

    /** @param balancer the balancer to mount */
    public WebSocketLoadBalancerServlet(WebSocketLoadBalancer balancer) {
        this.balancer = requireNonNull(balancer, "balancer");
    }

    @Override
    public void init() throws ServletException {
        Server server = serverOf(getServletContext());
        if (server == null) {
            throw new ServletException("WebSocketLoadBalancerServlet needs a Jetty 12.1 ee10 container");
        }
        BackendConnector created = BackendConnector.of(server, balancer);
        try {
            created.start();
        } catch (Exception e) {
            throw new ServletException("cannot start the backend connector", e);
        }
        connector = created;
        ProxyContext proxy = new ProxyContext(balancer, server.getThreadPool(), server.getScheduler(), server.getByteBufferPool(), created);
        proxy.attach(server);
        context = proxy;
    }

    private static @Nullable Server serverOf(jakarta.servlet.ServletContext servletContext) {
        if (servletContext instanceof org.eclipse.jetty.ee10.servlet.ServletContextHandler.ServletContextApi api) {
            return api.getContext().getServletContextHandler().getServer();
        }
        return null;
    }

    @Override
    public void destroy() {
        ProxyContext c = context;
        if (c != null) {
            c.shutdown();
            c.detach();
        }
        BackendConnector created = connector;
        if (created != null) {
            try {
                created.stop();
            } catch (Exception e) {
                log("backend connector did not stop cleanly", e);
            }
        }
        context = null;
        connector = null;
    }

    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        ProxyContext c = context;
        if (c == null) {
            resp.sendError(503, "balancer not started");
            return;
        }
        ServletContextRequest request = ServletContextRequest.getServletContextRequest(req);
        ServletContextResponse response = request.getServletContextResponse();
        String prefix = req.getContextPath() + req.getServletPath();
        FutureCallback done = new FutureCallback();
        UpgradeExchange.handle(c, request, response, done, MountPath.remainder(request.getHttpURI().getPath(), prefix));
        try {
            done.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while proxying the handshake");
        } catch (ExecutionException e) {
            // The client left or the answer could not be written; nothing more to send.
            throw new IOException("handshake not completed", e.getCause());
        }
    }

    /** @return the balancer this servlet mounts */
    public WebSocketLoadBalancer balancer() {
        return balancer;
    }
}
