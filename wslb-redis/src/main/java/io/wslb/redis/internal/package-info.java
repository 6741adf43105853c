/**
 * Implementation of {@link io.wslb.redis.RedisLink} on Lettuce and of {@link io.wslb.redis.RedisSessionStore}; not
 * exported, subject to change without notice.
 */
@NullMarked
package io.wslb.redis.internal;

import org.jspecify.annotations.NullMarked;
