/**
 * A client's handshake, from its validation to its 101: the backend connect, the upgrade request and its answer,
 * retries, and the error answers. Not exported.
 */
@NullMarked
package io.wslb.jetty.internal.handshake;

import org.jspecify.annotations.NullMarked;
