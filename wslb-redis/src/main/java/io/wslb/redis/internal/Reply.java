package io.wslb.redis.internal;

import io.lettuce.core.RedisCommandExecutionException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;

/**
 * A Redis command's outcome, its answer or its failure, as a value: a pipeline of several commands waits for all of
 * them, and one failed command must not hide the others' answers.
 *
 * @param value the answer, when the command succeeded (null for a nil answer too)
 * @param failure why the command failed, or null
 * @param <T> the answer's type
 */
record Reply<T>(@Nullable T value, @Nullable Throwable failure) {

    /**
     * @param command a command sent
     * @return a future that completes, never exceptionally, when the command does
     */
    static <T> CompletableFuture<Reply<T>> of(CompletionStage<T> command) {
        return command.handle((value, failure) -> new Reply<T>(failure == null ? value : null, failure)).toCompletableFuture();
    }

    /**
     * @param value an answer known without asking Redis
     * @return a completed reply
     */
    static <T> CompletableFuture<Reply<T>> done(T value) {
        return CompletableFuture.completedFuture(new Reply<>(value, null));
    }

    /** {@return whether Redis answered with {@code WRONGTYPE}: the key holds a value of another type} */
    boolean wrongType() {
        Throwable f = failure;
        return f != null && isWrongType(f);
    }

    /**
     * @param failure why a command failed
     * @return whether Redis answered with {@code WRONGTYPE}: the key holds a value of another type
     */
    static boolean isWrongType(Throwable failure) {
        Throwable cause = LettuceLink.unwrap(failure);
        return cause instanceof RedisCommandExecutionException && String.valueOf(cause.getMessage()).startsWith("WRONGTYPE");
    }

    /** {@return whether the command failed for want of an answer (an outage), rather than with an error Redis answered} */
    boolean outage() {
        Throwable f = failure;
        return f != null && LettuceLink.isOutage(f);
    }
}
