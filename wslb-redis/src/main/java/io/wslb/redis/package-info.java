/**
 * Scale-out over Redis: {@link io.wslb.redis.RedisLink}, one connection to Redis per balancer instance with its
 * state, and {@link io.wslb.redis.RedisSessionStore}, a session store shared by the instances on that Redis that
 * keeps serving from local state while Redis is down.
 *
 * <p>Everything in this package is non-null unless marked {@code @Nullable}.
 */
@NullMarked
package io.wslb.redis;

import org.jspecify.annotations.NullMarked;
