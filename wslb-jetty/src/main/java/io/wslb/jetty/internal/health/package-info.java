/** Active health checks of the backends, off the request path. Not exported. */
@NullMarked
package io.wslb.jetty.internal.health;

import org.jspecify.annotations.NullMarked;
