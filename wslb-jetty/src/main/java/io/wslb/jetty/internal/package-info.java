/** The Jetty data path of wslb: validation, backend handshake, tunnel. Not exported. */
@NullMarked
package io.wslb.jetty.internal;

import org.jspecify.annotations.NullMarked;
