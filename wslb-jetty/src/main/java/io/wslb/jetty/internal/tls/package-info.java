/**
 * TLS termination's internals: PEM key material read with the JDK alone, BoringSSL engines through netty-tcnative
 * ({@link io.wslb.jetty.internal.tls.OpenSslTls} is the only class that names Netty), and session ticket keys read from
 * a file that instances share. Not exported.
 */
@NullMarked
package io.wslb.jetty.internal.tls;

import org.jspecify.annotations.NullMarked;
