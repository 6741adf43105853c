/**
 * Implementation of {@link io.wslb.redis.RedisLink} on Lettuce, of {@link io.wslb.redis.RedisSessionStore}, and of
 * the admin actions the instances share ({@link io.wslb.redis.internal.ClusterAdmin}); not exported, subject to change
 * without notice.
 */
@NullMarked
package io.wslb.redis.internal;

import org.jspecify.annotations.NullMarked;
