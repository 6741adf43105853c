/**
 * Test fixtures: {@link io.wslb.testing.FaultProxy}, a TCP proxy on the loopback interface whose
 * {@link io.wslb.testing.Fault} can be switched while connections are open, to simulate backends that hang, reset,
 * refuse, lag or vanish.
 *
 * <p>Everything in this package is non-null unless marked {@code @Nullable}.
 */
@NullMarked
package io.wslb.testing;

import org.jspecify.annotations.NullMarked;
