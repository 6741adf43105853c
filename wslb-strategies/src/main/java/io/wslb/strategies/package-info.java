/**
 * Built-in {@link io.wslb.BalancingStrategy balancing strategies}, {@link io.wslb.AffinityResolver affinity
 * resolvers} and {@link io.wslb.SessionStore session stores}, reached through the static factories of
 * {@link io.wslb.strategies.BalancingStrategies}, {@link io.wslb.strategies.AffinityResolvers} and
 * {@link io.wslb.strategies.SessionStores}.
 */
@NullMarked
package io.wslb.strategies;

import org.jspecify.annotations.NullMarked;
