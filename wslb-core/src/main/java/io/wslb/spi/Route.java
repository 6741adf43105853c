package io.wslb.spi;

import static java.util.Objects.requireNonNull;

import io.wslb.CloseCause;
import io.wslb.ConnectionEnd;
import io.wslb.HandshakeRequest;
import io.wslb.LiveBackend;
import io.wslb.RejectCause;
import io.wslb.Rejection;
import io.wslb.ResponseHeader;
import io.wslb.SessionStore;
import io.wslb.internal.AdmissionHold;
import io.wslb.internal.PooledBackend;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One attempt to place a client's connection on a backend, from the {@link Router}'s pick to the end of the
 * proxied connection. It counts as an active connection of its backend until exactly one of
 * {@link #retry}, {@link #abandon} or {@link #closed} ends it; later calls are ignored. That end is reported
 * once, and the end that finishes the client's handshake or connection (any but a retry that found a next
 * backend) also gives back what the admission caps counted for the client.
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
    private static final long UNSET = Long.MIN_VALUE;

    /** How a route ended; each is reported by {@link #end}, the one place a route ends. */
    private sealed interface Ending {}

    /** The handshake goes on with another backend: the admission passes to the next route. */
    private record Retried(RejectCause reason, Throwable failure) implements Ending {}

    /** The handshake ends without a connection. */
    private record Rejected(RejectCause cause, int status, boolean backendFailed) implements Ending {}

    /** The proxied connection ended. */
    private record Closed(ConnectionEnd end) implements Ending {}

    private final RouteOwner owner;
    private final HandshakeRequest request;
    /** When routing of the handshake began, on the owner's ticker. */
    private final long started;
    /** When it was established and when it ended, on the owner's ticker; {@link #UNSET} before. */
    private volatile long establishedAt = UNSET;
    private volatile long endedAt = UNSET;
    private final @Nullable String affinityKey;
    private final AdmissionHold admission;
    private final int attempt;
    private final PooledBackend backend;
    private final List<String> tried;
    private final long id;
    @SuppressWarnings("unused") // accessed through STATE
    private volatile int state;

    Route(RouteOwner owner, HandshakeRequest request, long started, @Nullable String affinityKey, AdmissionHold admission,
          int attempt, PooledBackend backend, List<String> tried) {
        this.owner = owner;
        this.request = request;
        this.started = started;
        this.affinityKey = affinityKey;
        this.admission = admission;
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
     * @return from the start of routing the client's handshake (its first attempt's) to {@link #established()},
     *     when the client is answered 101; while the route is pending, the time so far
     */
    public Duration handshakeTime() {
        long until = establishedAt;
        return Duration.ofNanos(Math.max(0, (until != UNSET ? until : owner.ticker().nanos()) - started));
    }

    /**
     * @return how long the proxied connection has been open: from {@link #established()} to {@link #closed}, or to
     *     now while it is open; zero when it never opened
     */
    public Duration lifetime() {
        long opened = establishedAt;
        if (opened == UNSET) {
            return Duration.ZERO;
        }
        long until = endedAt;
        return Duration.ofNanos(Math.max(0, (until != UNSET ? until : owner.ticker().nanos()) - opened));
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
     *     eligible (the rejection event is then already reported); any other exception is the failure of
     *     the next pick itself (a strategy that throws), reported as {@link RejectCause#INTERNAL_ERROR}
     * @throws IllegalStateException if this route already ended
     */
    public Route retry(RejectCause reason, Throwable failure) {
        RouteException exhausted = new RouteException(reason,
            "backend " + backend.id() + " failed (" + reason + ") on attempt " + attempt + " of " + owner.maxAttempts(),
            failure);
        if (attempt >= owner.maxAttempts()) {
            if (!end(PENDING, new Rejected(reason, reason.status(), true))) {
                throw notPending("retry");
            }
            throw exhausted;
        }
        if (!end(PENDING, new Retried(reason, failure))) {
            throw notPending("retry");
        }
        List<String> nowTried = new ArrayList<>(tried.size() + 1);
        nowTried.addAll(tried);
        nowTried.add(backend.id());
        return owner.next(request, started, affinityKey, admission, attempt + 1, List.copyOf(nowTried), exhausted);
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
        owner.answered();
        long now = owner.ticker().nanos();
        establishedAt = now;
        owner.succeeded(backend);
        admission.established();
        List<ResponseHeader> headers = List.of();
        SessionStore store = owner.store();
        if (affinityKey != null && store != null) {
            try {
                store.put(affinityKey, backend.id()).whenComplete((done, failure) -> {
                    if (failure != null) {
                        LOG.warn("session store put failed; affinity of this client not recorded", failure);
                    }
                    owner.events().onAffinityStored(failure == null, Duration.ofNanos(owner.ticker().nanos() - now));
                });
            } catch (RuntimeException e) {
                LOG.warn("session store put failed; affinity of this client not recorded", e);
                owner.events().onAffinityStored(false, Duration.ofNanos(owner.ticker().nanos() - now));
            }
        }
        try {
            headers = owner.affinity().responseHeaders(request, affinityKey, backend);
        } catch (RuntimeException e) {
            LOG.warn("affinity resolver {} failed to produce response headers", owner.affinity(), e);
        }
        owner.events().onOpened(this);
        return headers;
    }

    /**
     * The connection will not be proxied (the backend refused it, answered badly, or the client left): frees
     * this attempt and reports the rejection. Ignored once the route has ended or been established.
     *
     * @param cause why
     * @param status the HTTP status the client was answered, or 0
     */
    public void abandon(RejectCause cause, int status) {
        end(PENDING, new Rejected(cause, status, cause.isBackendFault()));
    }

    /**
     * The proxied connection ended and both of its sockets are closed: frees its slot and reports it. Ignored
     * unless the route is established, and after the first call.
     *
     * @param end why it ended, the close code and the traffic each way
     */
    public void closed(ConnectionEnd end) {
        requireNonNull(end, "end");
        end(ESTABLISHED, new Closed(end));
    }

    /**
     * Shorthand for {@link #closed(ConnectionEnd)} with {@link ConnectionEnd#of}: no message counts, and the close
     * code the cause sends the client.
     *
     * @param cause why it ended
     * @param bytesFromClient bytes relayed client to backend
     * @param bytesFromBackend bytes relayed backend to client
     */
    public void closed(CloseCause cause, long bytesFromClient, long bytesFromBackend) {
        closed(ConnectionEnd.of(cause, bytesFromClient, bytesFromBackend));
    }

    /**
     * The one place a route ends: frees its backend's count, gives the admission back unless a retry passes it
     * on, and reports the end. Only the first end from {@code from} counts.
     *
     * @return false if the route was not in state {@code from} (already ended, or not established yet)
     */
    private boolean end(int from, Ending ending) {
        if (!STATE.compareAndSet(this, from, ENDED)) {
            return false;
        }
        if (from == PENDING) {
            owner.answered();
        }
        if (from == ESTABLISHED) {
            endedAt = owner.ticker().nanos();
        }
        owner.freed(backend);
        if (ending instanceof Retried retried) {
            owner.failed(backend);
            owner.events().onRetry(this, retried.reason(), retried.failure());
        } else if (ending instanceof Rejected rejected) {
            admission.release();
            if (rejected.backendFailed()) {
                owner.failed(backend);
            }
            owner.events().onRejected(Rejection.of(request, rejected.cause(), rejected.status(), attempt, backend.id(),
                handshakeTime()));
        } else if (ending instanceof Closed closed) {
            admission.release();
            owner.events().onClosed(this, closed.end());
        }
        return true;
    }

    private IllegalStateException notPending(String action) {
        return new IllegalStateException("cannot " + action + " route " + id + ": it is not pending");
    }

    @Override
    public String toString() {
        return "Route#" + id + "{" + request.path() + " -> " + backend.id() + ", attempt " + attempt + "}";
    }
}
