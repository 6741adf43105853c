/**
 * Mounts a {@link io.wslb.WebSocketLoadBalancer} in a Jetty 12.1 server: as a core
 * {@link io.wslb.jetty.WebSocketLoadBalancerHandler} (non-blocking; preferred) or as an ee10
 * {@link io.wslb.jetty.WebSocketLoadBalancerServlet}.
 */
@NullMarked
package io.wslb.jetty;

import org.jspecify.annotations.NullMarked;
