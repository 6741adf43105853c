/** Drains: a backend's connections closed with 1012 at moments spread over a window. Not exported. */
@NullMarked
package io.wslb.jetty.internal.drain;

import org.jspecify.annotations.NullMarked;
