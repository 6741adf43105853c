/**
 * Implementation of {@link io.wslb.redis.RedisLink} on Lettuce, of {@link io.wslb.redis.RedisSessionStore}, of the
 * connection counts that instances share ({@link io.wslb.redis.internal.SharedCounts}) and of the admin actions they
 * share ({@link io.wslb.redis.internal.ClusterAdmin}) and of the channel publications they carry to each other
 * ({@link io.wslb.redis.internal.RedisBroadcast}); not exported, subject to change without notice.
 */
@NullMarked
package io.wslb.redis.internal;

import org.jspecify.annotations.NullMarked;
