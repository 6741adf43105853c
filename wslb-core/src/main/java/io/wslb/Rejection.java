package io.wslb;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A client's handshake that did not become a proxied connection, as reported to
 * {@link LoadBalancerListener#onRejected}: why, what the client was answered, and how far it got.
 *
 * <pre>{@code
 * LoadBalancerListener refusals = new LoadBalancerListener() {
 *     public void onRejected(Rejection rejection) {
 *         if (rejection.cause().isBackendFault()) {
 *             log.warn("{} refused after {} attempts, last on {}", rejection.request().path(),
 *                 rejection.attempts(), rejection.backend().orElse("-"));
 *         }
 *     }
 * };
 * }</pre>
 */
public final class Rejection {

    private final HandshakeRequest request;
    private final RejectCause cause;
    private final int status;
    private final int attempts;
    private final @Nullable String backend;
    private final Duration handshakeTime;

    private Rejection(HandshakeRequest request, RejectCause cause, int status, int attempts, @Nullable String backend,
                      Duration handshakeTime) {
        this.request = request;
        this.cause = cause;
        this.status = status;
        this.attempts = attempts;
        this.backend = backend;
        this.handshakeTime = handshakeTime;
    }

    /**
     * A refusal made before any backend was tried (a malformed handshake, a cap, the guard).
     *
     * @param request the client's handshake
     * @param cause why
     * @param status the HTTP status sent, 0 when none was sent; 0 to 999
     * @return the rejection, with no attempt and no measured time
     */
    public static Rejection of(HandshakeRequest request, RejectCause cause, int status) {
        return of(request, cause, status, 0, null, Duration.ZERO);
    }

    /**
     * @param request the client's handshake
     * @param cause why
     * @param status the HTTP status sent, 0 when none was sent; 0 to 999
     * @param attempts backends tried, 0 or more
     * @param backend the id of the last backend tried, null when none was
     * @param handshakeTime from the start of routing to the refusal; not negative
     * @return the rejection
     */
    public static Rejection of(HandshakeRequest request, RejectCause cause, int status, int attempts, @Nullable String backend,
                               Duration handshakeTime) {
        requireNonNull(request, "request");
        requireNonNull(cause, "cause");
        requireNonNull(handshakeTime, "handshakeTime");
        if (status < 0 || status > 999) {
            throw new IllegalArgumentException("status must be from 0 to 999, got " + status);
        }
        if (attempts < 0) {
            throw new IllegalArgumentException("attempts must not be negative, got " + attempts);
        }
        if (handshakeTime.isNegative()) {
            throw new IllegalArgumentException("handshakeTime must not be negative, got " + handshakeTime);
        }
        return new Rejection(request, cause, status, attempts, backend, handshakeTime);
    }

    /** @return the client's handshake */
    public HandshakeRequest request() {
        return request;
    }

    /** @return why the handshake was refused */
    public RejectCause cause() {
        return cause;
    }

    /** @return the HTTP status sent, or 0 when none was sent (the client left) */
    public int status() {
        return status;
    }

    /** @return how many backends were tried, 0 when the refusal came before any */
    public int attempts() {
        return attempts;
    }

    /** @return the id of the last backend tried */
    public Optional<String> backend() {
        return Optional.ofNullable(backend);
    }

    /** @return from the start of routing to the refusal; zero when refused before routing */
    public Duration handshakeTime() {
        return handshakeTime;
    }

    @Override
    public String toString() {
        return "Rejection{" + request.path() + ": " + cause + " " + status + ", attempts " + attempts
            + (backend == null ? "" : ", last " + backend) + ", " + handshakeTime.toMillis() + " ms}";
    }
}
