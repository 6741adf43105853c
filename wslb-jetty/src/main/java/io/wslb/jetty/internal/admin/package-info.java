/** The admin API behind {@link io.wslb.jetty.AdminHandler}: routing, JSON, health history. Not exported. */
@NullMarked
package io.wslb.jetty.internal.admin;

import org.jspecify.annotations.NullMarked;
