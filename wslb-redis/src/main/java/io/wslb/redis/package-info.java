/**
 * Scale-out over Redis: {@link io.wslb.redis.RedisLink}, one connection to Redis per balancer instance with its
 * state.
 *
 * <p>Everything in this package is non-null unless marked {@code @Nullable}.
 */
@NullMarked
package io.wslb.redis;

import org.jspecify.annotations.NullMarked;
