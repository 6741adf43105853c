package io.wslb.spi;

import io.wslb.CloseCause;
import io.wslb.HandshakeRequest;
import io.wslb.LiveBackend;
import io.wslb.RejectCause;
import io.wslb.ResponseHeader;
import io.wslb.SessionStore;
import io.wslb.internal.PooledBackend;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One attempt to place a client's connection on a backend, from the {@link Router}'s pick to the end of the
 * proxied connection. It counts as an active connection of its backend until exactly one of
 * {@link #retry}, {@link #abandon} or {@link #closed} ends it; later calls are ignored.
 *
 * <pre>{@code
 * // in an adapter
 * LoadBalancerRuntime.of(lb).router().route(request).thenAccept(route -> {
 *     // ... connect to route.backend(); once it has answered 101:
 *     List<ResponseHeader> extra = route.established();   // stores the affinity, reports onOpened
 *     // ... relay until one side closes, counting the bytes each way, then:
 *     long bytesUp = 0, bytesDown = 0;
 *     route.closed(CloseCause.CLIENT_CLOSED, bytesUp, bytesDown); // reports onClosed, frees the slot
 * });
 * }</pre>
 */
public final class Route {

    private static final Logger LOG = LoggerFactory.getLogger(Route.class);
    private static final AtomicLong IDS = new AtomicLong();
    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(Route.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private static final int PENDING = 0;
    private static final int ESTABLISHED = 1;
    private static final int ENDED = 2;

    private final Router router;
    private final HandshakeRequest request;
    private final @Nullable String affinityKey;
    private final int attempt;
    private final PooledBackend backend;
    private final List<String> tried;
    private final long id;
    @SuppressWarnings("unused") // accessed through STATE
    private volatile int state;

    Route(Router router, HandshakeRequest request, @Nullable String affinityKey, int attempt, PooledBackend backend,
          List<String> tried) {
        this.router = router;
        this.request = request;
        this.affinityKey = affinityKey;
        this.attempt = attempt;
        this.backend = backend;
        this.tried = tried;
        this.id = IDS.incrementAndGet();
    }

    /** @return a number unique to this route within the JVM, for logs */
    public long id() {
        return id;
    }

    /** @return the client's handshake */
    public HandshakeRequest request() {
        return request;
    }

    /** @return the chosen backend */
    public LiveBackend backend() {
        return backend;
    }

    /** @return the affinity key of the client, or null */
    public @Nullable String affinityKey() {
        return affinityKey;
    }

    /** @return 1 for the first attempt of a connection, more on retries */
    public int attempt() {
        return attempt;
    }

    /**
     * The backend failed before the client's 101 (unreachable, timed out): frees this attempt and picks a
     * backend not tried yet.
     *
     * @param reason how the attempt failed, {@link RejectCause#BACKEND_UNREACHABLE},
     *     {@link RejectCause#BACKEND_TIMEOUT} or {@link RejectCause#BACKEND_INVALID_RESPONSE}
     * @param failure the underlying error
     * @return the next attempt
     * @throws RouteException with {@code reason} when the attempts are used up or no other backend is
     *     eligible (the rejection event is then already reported)
     * @throws IllegalStateException if this route already ended
     */
    public Route retry(RejectCause reason, Throwable failure) {
        end(PENDING, "retry");
        router.failed(backend);
        RouteException exhausted = new RouteException(reason,
            "backend " + backend.id() + " failed (" + reason + ") on attempt " + attempt + " of " + router.maxAttempts(),
            failure);
        if (attempt >= router.maxAttempts()) {
            router.reject(request, reason, reason.status());
            router.admissionEnded(request, true);
            throw exhausted;
        }
        router.events().onRetry(this, reason, failure);
        List<String> nowTried = new ArrayList<>(tried.size() + 1);
        nowTried.addAll(tried);
        nowTried.add(backend.id());
        try {
            return router.pick(request, affinityKey, attempt + 1, List.copyOf(nowTried), exhausted);
        } catch (RuntimeException e) {
            if (e instanceof RouteException refused) {
                router.reject(request, refused.rejectCause(), refused.rejectCause().status());
            }
            router.admissionEnded(request, true);
            throw e;
        }
    }

    /**
     * The backend accepted the upgrade: records the affinity in the session store (asynchronously) and
     * reports the connection as opened.
     *
     * @return headers the adapter adds to the client's 101 response (an affinity cookie, for example)
     * @throws IllegalStateException if this route is not pending
     */
    public List<ResponseHeader> established() {
        if (!STATE.compareAndSet(this, PENDING, ESTABLISHED)) {
            throw new IllegalStateException("route " + id + " is not pending");
        }
        router.succeeded(backend);
        router.admissionEstablished(request);
        List<ResponseHeader> headers = List.of();
        SessionStore store = router.store();
        if (affinityKey != null && store != null) {
            try {
                store.put(affinityKey, backend.id()).whenComplete((done, failure) -> {
                    if (failure != null) {
                        LOG.warn("session store put failed; affinity of this client not recorded", failure);
                    }
                });
            } catch (RuntimeException e) {
                LOG.warn("session store put failed; affinity of this client not recorded", e);
            }
        }
        try {
            headers = router.affinity().responseHeaders(request, affinityKey, backend);
        } catch (RuntimeException e) {
            LOG.warn("affinity resolver {} failed to produce response headers", router.affinity(), e);
        }
        router.events().onOpened(this);
        return headers;
    }

    /**
     * The connection will not be proxied (the backend refused it, answered badly, or the client left): frees
     * this attempt and reports the rejection.
     *
     * @param cause why
     * @param status the HTTP status the client was answered, or 0
     */
    public void abandon(RejectCause cause, int status) {
        if (STATE.compareAndSet(this, PENDING, ENDED)) {
            router.released(backend);
            router.admissionEnded(request, true);
            if (cause.isBackendFault()) {
                router.failed(backend);
            }
            router.reject(request, cause, status);
        }
    }

    /**
     * The proxied connection ended and both of its sockets are closed: frees its slot and reports it.
     *
     * @param cause why it ended
     * @param bytesFromClient bytes relayed client to backend
     * @param bytesFromBackend bytes relayed backend to client
     */
    public void closed(CloseCause cause, long bytesFromClient, long bytesFromBackend) {
        if (STATE.compareAndSet(this, ESTABLISHED, ENDED)) {
            router.released(backend);
            router.admissionEnded(request, false);
            router.events().onClosed(this, cause, bytesFromClient, bytesFromBackend);
        }
    }

    private void end(int expected, String action) {
        if (!STATE.compareAndSet(this, expected, ENDED)) {
            throw new IllegalStateException("cannot " + action + " route " + id + ": it is not pending");
        }
        router.released(backend);
    }

    @Override
    public String toString() {
        return "Route#" + id + "{" + request.path() + " -> " + backend.id() + ", attempt " + attempt + "}";
    }
}
