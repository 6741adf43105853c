/** Reading PEM key material with the JDK alone. Not exported. */
@NullMarked
package io.wslb.jetty.internal.tls;

import org.jspecify.annotations.NullMarked;
