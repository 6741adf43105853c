package io.wslb.internal;

import io.wslb.LiveBackend;
import java.util.ArrayList;
import java.util.List;

/**
 * Which members of a pool take new connections, derived from their state alone: the healthy primaries with a
 * weight that are not draining; when there is none, the healthy backups; when there is none either, every member
 * with a weight that is not draining, whatever its health (panic mode), rather than refusing everyone.
 *
 * @param eligible the members offered to the strategy, in pool order
 * @param standby the healthy backups while {@code eligible} holds primaries, the overflow when every primary is
 *     tried or full; empty otherwise
 * @param panic true when {@code eligible} ignores health because no member is both eligible and healthy
 */
public record Eligibility(List<LiveBackend> eligible, List<LiveBackend> standby, boolean panic) {

    /** The eligibility of an empty pool. */
    public static final Eligibility NONE = new Eligibility(List.of(), List.of(), false);

    /** Copies both lists. */
    public Eligibility {
        eligible = List.copyOf(eligible);
        standby = List.copyOf(standby);
    }

    /**
     * @param members the pool's members, each a {@link PooledBackend}, in pool order
     * @return who takes new connections now
     */
    public static Eligibility of(List<LiveBackend> members) {
        List<LiveBackend> primaries = new ArrayList<>(members.size());
        List<LiveBackend> backups = new ArrayList<>();
        List<LiveBackend> anyHealth = new ArrayList<>();
        for (LiveBackend live : members) {
            PooledBackend member = (PooledBackend) live;
            if (member.accepting()) {
                (member.backend().backup() ? backups : primaries).add(member);
            }
            if (member.acceptingInPanic()) {
                anyHealth.add(member);
            }
        }
        if (!primaries.isEmpty()) {
            return new Eligibility(primaries, backups, false);
        }
        if (!backups.isEmpty()) {
            return new Eligibility(backups, List.of(), false);
        }
        return new Eligibility(anyHealth, List.of(), !anyHealth.isEmpty());
    }
}
