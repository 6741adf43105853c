package io.wslb;

import static java.util.Objects.requireNonNull;

/**
 * How a proxied connection ended, as the adapter that relayed it saw it: the cause, the close code the client got
 * (or sent), and the traffic each way. Reported with the connection's {@link io.wslb.spi.Route} to
 * {@link LoadBalancerListener#onClosed}; the route adds the timings ({@link io.wslb.spi.Route#handshakeTime()},
 * {@link io.wslb.spi.Route#lifetime()}).
 *
 * <pre>{@code
 * ConnectionEnd end = ConnectionEnd.builder(CloseCause.CLIENT_CLOSED)
 *     .closeCode(1000)
 *     .bytes(1_200, 64_000)
 *     .messages(12, 640)
 *     .build();
 * assert end.messagesFromBackend() == 640;
 * }</pre>
 */
public final class ConnectionEnd {

    /** {@link #closeCode()} when no close frame reached the client and it sent none (RFC 6455's 1006). */
    public static final int NO_CLOSE_FRAME = 1006;
    /** {@link #closeCode()} of a close frame that carried no code (RFC 6455's 1005). */
    public static final int NO_STATUS_CODE = 1005;

    private final CloseCause cause;
    private final int closeCode;
    private final long bytesFromClient;
    private final long bytesFromBackend;
    private final long messagesFromClient;
    private final long messagesFromBackend;

    private ConnectionEnd(Builder b) {
        this.cause = b.cause;
        this.closeCode = b.closeCode != 0 ? b.closeCode
            : b.cause.clientCloseCode() != 0 ? b.cause.clientCloseCode() : NO_CLOSE_FRAME;
        this.bytesFromClient = b.bytesFromClient;
        this.bytesFromBackend = b.bytesFromBackend;
        this.messagesFromClient = b.messagesFromClient;
        this.messagesFromBackend = b.messagesFromBackend;
    }

    /**
     * @param cause why the connection ended
     * @param bytesFromClient bytes relayed client to backend
     * @param bytesFromBackend bytes relayed backend to client
     * @return an end with these bytes, no message counts, and the close code the cause sends the client
     */
    public static ConnectionEnd of(CloseCause cause, long bytesFromClient, long bytesFromBackend) {
        return builder(cause).bytes(bytesFromClient, bytesFromBackend).build();
    }

    /**
     * @param cause why the connection ended
     * @return a builder; every other setting is optional
     */
    public static Builder builder(CloseCause cause) {
        return new Builder(requireNonNull(cause, "cause"));
    }

    /** @return why the connection ended */
    public CloseCause cause() {
        return cause;
    }

    /**
     * @return the code of the close frame that ended the connection for the client: the one relayed from the side
     *     that closed first, else the balancer's own ({@link CloseCause#clientCloseCode()}), else
     *     {@link #NO_CLOSE_FRAME}
     */
    public int closeCode() {
        return closeCode;
    }

    /** @return the class of {@link #closeCode()}: {@code "1000"}, {@code "1001"}, {@code "1xxx"}, {@code "3xxx"} or {@code "4xxx"} */
    public String closeCodeClass() {
        if (closeCode == 1000 || closeCode == 1001) {
            return Integer.toString(closeCode);
        }
        return closeCode / 1000 + "xxx";
    }

    /** @return bytes relayed from the client to the backend (WebSocket frames, after the 101) */
    public long bytesFromClient() {
        return bytesFromClient;
    }

    /** @return bytes relayed from the backend to the client */
    public long bytesFromBackend() {
        return bytesFromBackend;
    }

    /** @return whole data messages (text or binary, however fragmented) relayed from the client */
    public long messagesFromClient() {
        return messagesFromClient;
    }

    /** @return whole data messages relayed from the backend */
    public long messagesFromBackend() {
        return messagesFromBackend;
    }

    @Override
    public String toString() {
        return "ConnectionEnd{" + cause + ", code " + closeCode + ", bytes " + bytesFromClient + "/" + bytesFromBackend
            + ", messages " + messagesFromClient + "/" + messagesFromBackend + "}";
    }

    /**
     * Builds a {@link ConnectionEnd}; counts must not be negative.
     *
     * <pre>{@code
     * ConnectionEnd crashed = ConnectionEnd.builder(CloseCause.BACKEND_GONE).bytes(10, 20).build(); // code 1011
     * }</pre>
     */
    public static final class Builder {
        private final CloseCause cause;
        private int closeCode;
        private long bytesFromClient;
        private long bytesFromBackend;
        private long messagesFromClient;
        private long messagesFromBackend;

        private Builder(CloseCause cause) {
            this.cause = cause;
        }

        /**
         * @param code the close code the client got or sent, 1000 to 4999; default: the one {@link CloseCause}
         *     sends, else {@link #NO_CLOSE_FRAME}
         * @return this
         */
        public Builder closeCode(int code) {
            if (code < 1000 || code > 4999) {
                throw new IllegalArgumentException("closeCode must be from 1000 to 4999, got " + code);
            }
            this.closeCode = code;
            return this;
        }

        /**
         * @param fromClient bytes relayed client to backend, 0 or more
         * @param fromBackend bytes relayed backend to client, 0 or more
         * @return this
         */
        public Builder bytes(long fromClient, long fromBackend) {
            this.bytesFromClient = count("bytes from the client", fromClient);
            this.bytesFromBackend = count("bytes from the backend", fromBackend);
            return this;
        }

        /**
         * @param fromClient data messages relayed client to backend, 0 or more
         * @param fromBackend data messages relayed backend to client, 0 or more
         * @return this
         */
        public Builder messages(long fromClient, long fromBackend) {
            this.messagesFromClient = count("messages from the client", fromClient);
            this.messagesFromBackend = count("messages from the backend", fromBackend);
            return this;
        }

        private static long count(String what, long value) {
            if (value < 0) {
                throw new IllegalArgumentException(what + " must not be negative, got " + value);
            }
            return value;
        }

        /** @return the end */
        public ConnectionEnd build() {
            return new ConnectionEnd(this);
        }
    }
}
