package io.wslb.testing;

import static java.util.Objects.requireNonNull;

import io.wslb.testing.internal.ProxyEngine;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import org.jspecify.annotations.Nullable;

/**
 * A TCP proxy on {@code 127.0.0.1}, on an ephemeral port, that forwards to one target and simulates network and
 * backend faults on demand: put it between a client and a server (say, between the WebSocket load balancer and a
 * backend) and {@link #set(Fault) set} a {@link Fault} while connections are open.
 *
 * <pre>{@code
 * try (FaultProxy proxy = FaultProxy.to(new InetSocketAddress("127.0.0.1", 9101))) {
 *     URI viaProxy = URI.create("ws://127.0.0.1:" + proxy.port() + "/");
 *     proxy.set(Fault.BLACKHOLE);                     // the backend accepts but never answers
 *     proxy.set(Fault.delay(Duration.ofMillis(200))); // every chunk 200 ms late, each way
 *     proxy.set(Fault.REFUSE);                        // the backend is down...
 *     proxy.resetAll();                               // ...and its connections died with it
 *     proxy.set(Fault.PASS);                          // back up, same port
 * }
 * }</pre>
 *
 * <p>One daemon thread, named {@value #THREAD_NAME_PREFIX} followed by the {@linkplain Builder#name name}, does all
 * the I/O. {@link #set}, {@link #closeAll} and {@link #resetAll} return once done: a reset has been sent, the port
 * is closed or open again. {@link #close()} closes every connection (with a FIN), the port and the thread. The
 * methods are thread-safe; after {@code close()} the ones that change something throw
 * {@link IllegalStateException}, the others go on answering.
 */
public final class FaultProxy implements AutoCloseable {

    /** How the name of the proxy's I/O thread starts. */
    public static final String THREAD_NAME_PREFIX = "wslb-fault-proxy-";

    private final ProxyEngine engine;

    private FaultProxy(Builder builder) {
        this.engine = new ProxyEngine(builder.target, builder.fault, builder.name);
    }

    /**
     * Starts a proxy to {@code target} that passes everything through.
     *
     * <pre>{@code FaultProxy proxy = FaultProxy.to(new InetSocketAddress("127.0.0.1", 9101));}</pre>
     *
     * @param target where connections are forwarded to; must be resolved
     * @return the running proxy
     * @throws UncheckedIOException if no port could be opened
     */
    public static FaultProxy to(InetSocketAddress target) {
        return builder(target).start();
    }

    /**
     * A builder for a proxy to {@code target}.
     *
     * <pre>{@code
     * FaultProxy proxy = FaultProxy.builder(new InetSocketAddress("127.0.0.1", 9101)).name("backend-1").fault(Fault.REFUSE).start();
     * }</pre>
     *
     * @param target where connections are forwarded to; must be resolved
     * @return the builder
     */
    public static Builder builder(InetSocketAddress target) {
        return new Builder(target);
    }

    /** {@return the address the proxy listens on (or will again, under {@link Fault#REFUSE}): 127.0.0.1 and its port} */
    public InetSocketAddress address() {
        return engine.address();
    }

    /** {@return the port the proxy listens on; it never changes} */
    public int port() {
        return engine.address().getPort();
    }

    /** {@return where connections are forwarded to} */
    public InetSocketAddress target() {
        return engine.target();
    }

    /** {@return the fault in effect} */
    public Fault fault() {
        return engine.fault();
    }

    /**
     * Switches to {@code fault}, for new connections and, as the fault's description says, for open ones. Returns
     * once the fault is in effect.
     *
     * @param fault the new behaviour
     * @throws IllegalStateException if the proxy is closed
     * @throws UncheckedIOException if the port cannot be opened again after {@link Fault#REFUSE}; the proxy then
     *     keeps refusing
     */
    public void set(Fault fault) {
        engine.set(requireNonNull(fault, "fault"));
    }

    /**
     * Closes every open connection gracefully: both sides get a FIN. The proxy keeps accepting.
     *
     * @throws IllegalStateException if the proxy is closed
     */
    public void closeAll() {
        engine.closeAll(false);
    }

    /**
     * Resets (TCP RST) every open connection, both sides. The proxy keeps accepting.
     *
     * @throws IllegalStateException if the proxy is closed
     */
    public void resetAll() {
        engine.closeAll(true);
    }

    /** {@return how many connections the proxy has accepted so far, those reset right away included} */
    public long acceptedConnections() {
        return engine.accepted();
    }

    /** {@return how many client connections the proxy holds open, silent ones included} */
    public int openConnections() {
        return engine.open();
    }

    /** {@return how many bytes the proxy has written to the target so far} */
    public long bytesToTarget() {
        return engine.bytesToTarget();
    }

    /** {@return how many bytes the proxy has written back to clients so far} */
    public long bytesFromTarget() {
        return engine.bytesFromTarget();
    }

    /** {@return how many bytes, from either side, {@link Fault#BLACKHOLE} has swallowed so far} */
    public long bytesSwallowed() {
        return engine.bytesSwallowed();
    }

    /**
     * Closes every connection (with a FIN), the port and the I/O thread, and returns when they are gone.
     * Idempotent.
     */
    @Override
    public void close() {
        engine.close();
    }

    @Override
    public String toString() {
        return "FaultProxy[" + engine + "]";
    }

    /**
     * Configures and starts a {@link FaultProxy}. Not thread-safe; each {@link #start()} starts a new proxy.
     *
     * <pre>{@code
     * try (FaultProxy proxy = FaultProxy.builder(new InetSocketAddress("127.0.0.1", 9101)).name("backend-1").fault(Fault.HALF_OPEN).start()) {
     *     // connections to proxy.port() are accepted but stay silent
     * }
     * }</pre>
     */
    public static final class Builder {
        private final InetSocketAddress target;
        private Fault fault = Fault.PASS;
        private @Nullable String name;

        private Builder(InetSocketAddress target) {
            requireNonNull(target, "target");
            if (target.isUnresolved()) {
                throw new IllegalArgumentException("target must be resolved, got " + target);
            }
            this.target = target;
        }

        /**
         * The fault in effect from the start; {@link Fault#PASS} unless set.
         *
         * @param fault the initial fault
         * @return this builder
         */
        public Builder fault(Fault fault) {
            this.fault = requireNonNull(fault, "fault");
            return this;
        }

        /**
         * A name for the I/O thread ({@value FaultProxy#THREAD_NAME_PREFIX}{@code name}) and the logs; the port
         * unless set.
         *
         * @param name 1 to 64 characters
         * @return this builder
         */
        public Builder name(String name) {
            requireNonNull(name, "name");
            if (name.isEmpty() || name.length() > 64) {
                throw new IllegalArgumentException("name must be 1 to 64 characters, got '" + name + "'");
            }
            this.name = name;
            return this;
        }

        /**
         * Opens the port and starts the I/O thread.
         *
         * @return the running proxy; close it
         * @throws UncheckedIOException if no port could be opened
         */
        public FaultProxy start() {
            return new FaultProxy(this);
        }
    }
}
