/** A proxied connection after its 101: two legs, a relay each way that follows frame headers, the close handshake and the end. Not exported. */
@NullMarked
package io.wslb.jetty.internal.tunnel;

import org.jspecify.annotations.NullMarked;
