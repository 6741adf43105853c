/**
 * Several wslb instances that act as one over Redis: {@link io.wslb.redis.RedisLink}, the one connection an instance
 * keeps to Redis (Lettuce, asynchronous) with its up or degraded state, and {@link io.wslb.redis.RedisSessionStore},
 * the session store the instances share, which serves from local state while Redis is down.
 */
module io.wslb.redis {
    requires transitive io.wslb.core;
    requires com.github.benmanes.caffeine;
    // Lettuce has no module descriptor; its automatic name is lettuce.core.
    requires lettuce.core;
    // The executor of Lettuce's client resources (the link's probes, the lookups' budgets and completions) is a Netty type.
    requires io.netty.common;
    requires org.slf4j;

    exports io.wslb.redis;
}
