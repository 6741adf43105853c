package io.wslb.testing;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * What a {@link FaultProxy} does to the bytes and connections passing through it. Immutable; use the constants
 * and {@link #delay(Duration)}.
 *
 * <pre>{@code
 * proxy.set(Fault.BLACKHOLE);                     // the backend hangs
 * proxy.set(Fault.delay(Duration.ofMillis(200))); // the path lags
 * proxy.set(Fault.PASS);                          // all is well again
 * }</pre>
 *
 * <p>A new fault applies to connections accepted afterwards and, as each constant describes, to open ones.
 *
 * @param kind which fault
 * @param delay the latency added to every chunk in each direction; zero for every kind but {@link Kind#DELAY}
 */
public record Fault(Kind kind, Duration delay) {

    /** The longest accepted delay. */
    public static final Duration MAX_DELAY = Duration.ofDays(1);

    /** Forward bytes both ways unchanged, and ends of stream and resets too. The default. */
    public static final Fault PASS = new Fault(Kind.PASS, Duration.ZERO);

    /**
     * Accept connections and swallow whatever either side sends; forward nothing, close nothing, like a backend
     * that accepts but never answers. Open connections go silent too. The proxy keeps reading, so senders never
     * stall, and the bytes swallowed are lost for good: forwarding resumes, with the bytes sent after the fault
     * is lifted, when it is. An end of stream or a reset received meanwhile is passed on only then.
     */
    public static final Fault BLACKHOLE = new Fault(Kind.BLACKHOLE, Duration.ZERO);

    /** Reset (TCP RST) every open connection, both sides, and every new one right after accepting it. */
    public static final Fault RESET = new Fault(Kind.RESET, Duration.ZERO);

    /**
     * Stop listening, so that connects are refused, until another fault is set; the proxy then listens on the
     * same port again. Open connections keep forwarding as under {@link #PASS}.
     */
    public static final Fault REFUSE = new Fault(Kind.REFUSE, Duration.ZERO);

    /**
     * A peer that vanished without FIN or RST: the proxy stops reading and writing on every connection, new ones
     * included, and closes nothing, so each side sees a silent peer and its writes stall once the socket buffers
     * are full. Nothing is lost: when another fault is set, forwarding resumes where it stopped.
     */
    public static final Fault HALF_OPEN = new Fault(Kind.HALF_OPEN, Duration.ZERO);

    /**
     * Validates the components; prefer the constants and {@link #delay(Duration)}.
     *
     * @param kind which fault
     * @param delay zero, or for {@link Kind#DELAY} the latency added per direction, up to {@link #MAX_DELAY}
     * @throws IllegalArgumentException if the delay is negative, above {@link #MAX_DELAY}, or non-zero for a kind
     *     other than {@link Kind#DELAY}
     */
    public Fault {
        requireNonNull(kind, "kind");
        requireNonNull(delay, "delay");
        if (delay.isNegative() || delay.compareTo(MAX_DELAY) > 0) {
            throw new IllegalArgumentException("delay must be between 0 and " + MAX_DELAY + ", got " + delay);
        }
        if (kind != Kind.DELAY && !delay.isZero()) {
            throw new IllegalArgumentException("only DELAY takes a delay, got " + kind + " with " + delay);
        }
    }

    /**
     * Forward everything, each chunk read from either side {@code delay} later than it arrived, in order. Lowering
     * or lifting the delay never lets later bytes overtake earlier ones.
     *
     * <pre>{@code proxy.set(Fault.delay(Duration.ofMillis(200))); // a round trip takes 400 ms more}</pre>
     *
     * @param delay added latency per direction, 0 to {@link #MAX_DELAY}
     * @return the fault
     * @throws IllegalArgumentException if the delay is negative or too long
     */
    public static Fault delay(Duration delay) {
        return new Fault(Kind.DELAY, requireNonNull(delay, "delay"));
    }

    /** {@return whether this fault forwards bytes: PASS, DELAY and, for open connections, REFUSE} */
    public boolean forwards() {
        return kind == Kind.PASS || kind == Kind.DELAY || kind == Kind.REFUSE;
    }

    @Override
    public String toString() {
        return kind == Kind.DELAY ? "DELAY(" + delay + ")" : kind.name();
    }

    /**
     * The kinds of fault; see the constants of {@link Fault} for what each one does.
     *
     * <pre>{@code boolean lagging = proxy.fault().kind() == Fault.Kind.DELAY;}</pre>
     */
    public enum Kind {
        /** See {@link Fault#PASS}. */
        PASS,
        /** See {@link Fault#BLACKHOLE}. */
        BLACKHOLE,
        /** See {@link Fault#RESET}. */
        RESET,
        /** See {@link Fault#REFUSE}. */
        REFUSE,
        /** See {@link Fault#delay(Duration)}. */
        DELAY,
        /** See {@link Fault#HALF_OPEN}. */
        HALF_OPEN
    }
}
