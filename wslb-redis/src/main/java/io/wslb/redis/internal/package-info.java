/** Implementation of {@link io.wslb.redis.RedisLink} on Lettuce; not exported, subject to change without notice. */
@NullMarked
package io.wslb.redis.internal;

import org.jspecify.annotations.NullMarked;
