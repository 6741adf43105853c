/**
 * Micrometer meters of a {@link io.wslb.WebSocketLoadBalancer}: {@link io.wslb.micrometer.WslbMetrics} gives the
 * listener to add when building the balancer and the {@link io.micrometer.core.instrument.binder.MeterBinder} that
 * registers its meters; {@link io.wslb.micrometer.RedisLinkMetrics} gauges a {@link io.wslb.redis.RedisLink}.
 */
@NullMarked
package io.wslb.micrometer;

import org.jspecify.annotations.NullMarked;
