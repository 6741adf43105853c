/** Implementation of {@link io.wslb.testing.FaultProxy}; not exported, subject to change without notice. */
@NullMarked
package io.wslb.testing.internal;

import org.jspecify.annotations.NullMarked;
