/**
 * Several wslb instances that act as one over Redis: {@link io.wslb.redis.RedisLink}, the one connection an instance
 * keeps to Redis (Lettuce, asynchronous) with its up or degraded state.
 */
module io.wslb.redis {
    requires transitive io.wslb.core;
    // Lettuce has no module descriptor; its automatic name is lettuce.core.
    requires lettuce.core;
    // The executor of Lettuce's client resources, which times lookups and completes them, is a Netty type.
    requires io.netty.common;
    requires org.slf4j;

    exports io.wslb.redis;
}
