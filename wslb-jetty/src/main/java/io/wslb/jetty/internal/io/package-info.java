/**
 * The places that rely on Jetty's internals: selector placement of backend sockets, endpoints, accepting, the
 * request-head deadline; each has a contract test that fails loudly if a Jetty upgrade changes what it relies on.
 * Not exported.
 */
@NullMarked
package io.wslb.jetty.internal.io;

import org.jspecify.annotations.NullMarked;
