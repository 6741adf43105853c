/**
 * What a server adapter calls, and applications do not: {@link io.wslb.spi.Router} decides where one handshake
 * goes, and its {@link io.wslb.spi.Route} carries that decision to the connection's end. The Jetty adapter
 * ({@code wslb-jetty}) is one such adapter; a second one (Netty, say) would call the same types.
 */
@NullMarked
package io.wslb.spi;

import org.jspecify.annotations.NullMarked;
