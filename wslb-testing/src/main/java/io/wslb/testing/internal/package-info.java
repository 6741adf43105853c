/**
 * Implementation of {@link io.wslb.testing.FaultProxy} and the RESP calls of {@link io.wslb.testing.RedisServer}; not
 * exported, subject to change without notice.
 */
@NullMarked
package io.wslb.testing.internal;

import org.jspecify.annotations.NullMarked;
