/**
 * The API of wslb, a WebSocket load balancer: {@link io.wslb.Backend}, {@link io.wslb.BackendPool},
 * {@link io.wslb.HandshakeRequest}, {@link io.wslb.BalancingStrategy}, {@link io.wslb.AffinityResolver},
 * {@link io.wslb.SessionStore}, the routing decision ({@link io.wslb.spi.Router}) and the events of a proxied
 * connection ({@link io.wslb.LoadBalancerListener}). Nothing here depends on Jetty.
 *
 * <p>Everything in this package is non-null unless marked {@code @Nullable}.
 */
@NullMarked
package io.wslb;

import org.jspecify.annotations.NullMarked;
