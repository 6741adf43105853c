package io.wslb.internal;

import java.net.InetAddress;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * One admitted handshake's share of the {@link Admission} counts, from its admission to its end: it becomes
 * established at most once and is given back exactly once, however many of the handshake's routes or failure
 * paths ask, so no count is lost or returned twice.
 *
 * <pre>{@code
 * if (admission.tryAdmit(client) == null) {
 *     AdmissionHold hold = AdmissionHold.taken(admission, client);
 *     hold.established(); // the 101: no longer pending
 *     hold.release();     // the end: every count given back
 *     hold.release();     // ignored
 * }
 * }</pre>
 */
public final class AdmissionHold {

    /** The hold of a handshake when no admission cap is set: nothing to give back. */
    public static final AdmissionHold NONE = new AdmissionHold(null, null);

    private static final int PENDING = 0;
    private static final int ESTABLISHED = 1;
    private static final int RELEASED = 2;

    private final @Nullable Admission admission;
    private final @Nullable InetAddress client;
    private final AtomicInteger state = new AtomicInteger(PENDING);

    private AdmissionHold(@Nullable Admission admission, @Nullable InetAddress client) {
        this.admission = admission;
        this.client = client;
    }

    /**
     * @param admission the caps whose {@link Admission#tryAdmit} just admitted {@code client}
     * @param client the client's address
     * @return the hold of the counts that admission took
     */
    public static AdmissionHold taken(Admission admission, InetAddress client) {
        return new AdmissionHold(admission, client);
    }

    /** The handshake got its 101: no longer pending, still a connection. Only the first call counts. */
    public void established() {
        Admission caps = admission;
        if (caps != null && client != null && state.compareAndSet(PENDING, ESTABLISHED)) {
            caps.established(client);
        }
    }

    /** The handshake or its connection ended: every count it holds goes back. Only the first call counts. */
    public void release() {
        Admission caps = admission;
        if (caps == null || client == null) {
            return;
        }
        int was = state.getAndSet(RELEASED);
        if (was != RELEASED) {
            caps.ended(client, was == PENDING);
        }
    }
}
