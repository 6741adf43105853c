package io.wslb.spi;

import static java.util.Objects.requireNonNull;

import io.wslb.RejectCause;
import java.util.concurrent.CompletionException;

/**
 * No (further) backend can take a connection: the handshake is answered with {@link #rejectCause()}. By the
 * time an adapter sees one, its rejection is already reported; the adapter only answers the client.
 *
 * <pre>{@code
 * LoadBalancerRuntime.of(lb).router().route(request).whenComplete((route, failure) -> {
 *     if (failure != null) {
 *         RouteException refusal = RouteException.from(failure);
 *         log.info("answer {}: {}", refusal.rejectCause().status(), refusal.getMessage());
 *     }
 * });
 * }</pre>
 */
public final class RouteException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final transient RejectCause rejectCause;
    private final String message;

    /**
     * @param rejectCause how the handshake is answered
     * @param message what happened
     * @param cause the last failure, if any
     */
    public RouteException(RejectCause rejectCause, String message, Throwable cause) {
        super(message, cause);
        this.rejectCause = requireNonNull(rejectCause, "rejectCause");
        this.message = requireNonNull(message, "message");
    }

    /**
     * @param rejectCause how the handshake is answered
     * @param message what happened
     */
    public RouteException(RejectCause rejectCause, String message) {
        super(message);
        this.rejectCause = requireNonNull(rejectCause, "rejectCause");
        this.message = requireNonNull(message, "message");
    }

    /**
     * How to answer a handshake whose routing failed, whatever the failure: a {@link RouteException} (also
     * inside a {@link CompletionException}) as it is, anything else (a strategy that threw) as an
     * {@link RejectCause#INTERNAL_ERROR} whose cause it is.
     *
     * @param failure what {@link Router#route} failed with, or {@link Route#retry} threw
     * @return the refusal to answer
     */
    public static RouteException from(Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        return cause instanceof RouteException refusal ? refusal
            : new RouteException(RejectCause.INTERNAL_ERROR, "routing failed", cause);
    }

    /** @return what happened, never null: an adapter sends it to the client */
    @Override
    public String getMessage() {
        return message;
    }

    /** @return how the handshake is answered */
    public RejectCause rejectCause() {
        return rejectCause;
    }
}
