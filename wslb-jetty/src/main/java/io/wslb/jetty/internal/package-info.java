/**
 * The Jetty adapter's wiring: {@link io.wslb.jetty.internal.ProxyContext} holds what one mounted balancer shares
 * (its backend connector, tunnels, health checker, drains). The data path lives in the sub-packages, one per
 * stage: {@code handshake}, {@code tunnel}, {@code io}, with {@code tls}, {@code health}, {@code drain} and
 * {@code admin} beside them. Not exported.
 */
@NullMarked
package io.wslb.jetty.internal;

import org.jspecify.annotations.NullMarked;
