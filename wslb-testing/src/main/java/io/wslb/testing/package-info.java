/**
 * Test fixtures: {@link io.wslb.testing.FaultProxy}, a TCP proxy on the loopback interface whose
 * {@link io.wslb.testing.Fault} can be switched while connections are open, to simulate backends that hang, reset,
 * refuse, lag or vanish; a raw WebSocket toolkit to write and read frames byte for byte, legal or not:
 * {@link io.wslb.testing.Frame}, {@link io.wslb.testing.FrameReader}, {@link io.wslb.testing.Chopping},
 * {@link io.wslb.testing.RawWebSocketConnection} (either side of a connection) and
 * {@link io.wslb.testing.RawWebSocketServer}; {@link io.wslb.testing.TestCertificate}; and
 * {@link io.wslb.testing.RedisServer}, Debian's {@code redis-server} as a child process that a test can stop, freeze
 * and restart, started per test class by {@link io.wslb.testing.RedisServerExtension}.
 *
 * <p>Everything in this package is non-null unless marked {@code @Nullable}.
 */
@NullMarked
package io.wslb.testing;

import org.jspecify.annotations.NullMarked;
