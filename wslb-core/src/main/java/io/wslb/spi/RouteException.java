package io.wslb.spi;

import static java.util.Objects.requireNonNull;

import io.wslb.RejectCause;

/**
 * No (further) backend can take a connection: the handshake is answered with {@link #rejectCause()}.
 *
 * <pre>{@code
 * LoadBalancerRuntime.of(lb).router().route(request).whenComplete((route, failure) -> {
 *     Throwable cause = failure instanceof CompletionException ? failure.getCause() : failure;
 *     if (cause instanceof RouteException e) log.info("answer {}", e.rejectCause().status());
 * });
 * }</pre>
 */
public final class RouteException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final transient RejectCause rejectCause;

    /**
     * @param rejectCause how the handshake is answered
     * @param message what happened
     * @param cause the last failure, if any
     */
    public RouteException(RejectCause rejectCause, String message, Throwable cause) {
        super(message, cause);
        this.rejectCause = requireNonNull(rejectCause, "rejectCause");
    }

    /**
     * @param rejectCause how the handshake is answered
     * @param message what happened
     */
    public RouteException(RejectCause rejectCause, String message) {
        super(message);
        this.rejectCause = requireNonNull(rejectCause, "rejectCause");
    }

    /** @return how the handshake is answered */
    public RejectCause rejectCause() {
        return rejectCause;
    }
}
