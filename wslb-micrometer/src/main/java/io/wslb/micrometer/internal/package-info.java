/**
 * Implementation of {@link io.wslb.micrometer.WslbMetrics}: the listener that counts connections and records events,
 * and the meters it keeps per registry and per backend; not exported, subject to change without notice.
 */
@NullMarked
package io.wslb.micrometer.internal;

import org.jspecify.annotations.NullMarked;
