/** Implementation of the API; not exported, subject to change without notice. */
@NullMarked
package io.wslb.internal;

import org.jspecify.annotations.NullMarked;
