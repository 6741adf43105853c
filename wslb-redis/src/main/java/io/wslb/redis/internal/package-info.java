/**
 * Implementation of {@link io.wslb.redis.RedisLink} on Lettuce and of {@link io.wslb.redis.RedisSessionStore}, and the
 * connection counts that instances share ({@link io.wslb.redis.internal.SharedCounts}); not exported, subject to
 * change without notice.
 */
@NullMarked
package io.wslb.redis.internal;

import org.jspecify.annotations.NullMarked;
