/** Implementations behind the factories of {@code io.wslb.strategies}; not exported. */
@NullMarked
package io.wslb.strategies.internal;

import org.jspecify.annotations.NullMarked;
