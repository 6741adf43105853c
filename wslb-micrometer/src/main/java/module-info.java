/**
 * Micrometer meters of a wslb balancer ({@link io.wslb.micrometer.WslbMetrics}) and of a Redis link
 * ({@link io.wslb.micrometer.RedisLinkMetrics}). wslb-redis is optional: only RedisLinkMetrics needs it.
 */
module io.wslb.micrometer {
    requires transitive io.wslb.core;
    // Micrometer has no module descriptor; its automatic name is micrometer.core.
    requires transitive micrometer.core;
    requires static transitive io.wslb.redis;

    exports io.wslb.micrometer;
}
