package io.wslb;

/**
 * What a {@link SessionStore} lookup of a client's affinity key found, as reported to
 * {@link LoadBalancerListener#onAffinityLookup}.
 *
 * <pre>{@code
 * LoadBalancerListener misses = new LoadBalancerListener() {
 *     public void onAffinityLookup(AffinityLookup result, Duration took) {
 *         if (result == AffinityLookup.ERROR) log.warn("session store failing, took {}", took);
 *     }
 * };
 * }</pre>
 */
public enum AffinityLookup {
    /** The store held a backend for the key. */
    HIT,
    /** The store held nothing for the key (a new client, or its entry expired). */
    MISS,
    /** The store failed or threw; the client was balanced freely. */
    ERROR
}
