package io.wslb.examples;

import java.io.IOException;
import java.net.BindException;
import java.net.SocketException;
import java.nio.channels.UnresolvedAddressException;
import java.util.Locale;
import org.eclipse.jetty.server.ServerConnector;

/**
 * Opens a command's listening socket before its server starts, so that a port in use or an address the machine
 * does not have becomes a one-line usage error naming the flag and the fix, not a stack trace.
 */
final class Bind {

    private Bind() {}

    /**
     * Binds {@code connector} now (a later {@code start()} keeps this socket).
     *
     * @param hostFlag the flag that gave the host, e.g. {@code --listen} or {@code --host}
     * @param portFlag the flag that gave the port (the same as {@code hostFlag} for {@code HOST:PORT} flags)
     * @throws Options.UsageException if the socket cannot be bound; the message says why and what to do
     */
    static void open(ServerConnector connector, String hostFlag, String portFlag) throws Options.UsageException {
        try {
            connector.open();
        } catch (IOException | UnresolvedAddressException e) {
            throw new Options.UsageException(describe(hostFlag, portFlag, connector.getHost(), connector.getPort(), e));
        }
    }

    /**
     * Releases a socket {@link #open} bound for a server that then failed to start: {@code close()} alone leaves
     * it bound when the connector has no acceptor threads (its selector would have closed it on stop).
     */
    static void close(ServerConnector connector) {
        connector.close();
        if (connector.getTransport() instanceof java.nio.channels.Channel channel) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // closing anyway; the start failure is what gets reported
            }
        }
    }

    /**
     * @return one line saying why {@code host:port} could not be bound and what to do instead
     */
    static String describe(String hostFlag, String portFlag, String host, int port, Throwable failure) {
        String shownHost = host == null ? "0.0.0.0" : host;
        String given = hostFlag.equals(portFlag)
            ? hostFlag + " " + (shownHost.contains(":") ? "[" + shownHost + "]" : shownHost) + ":" + port
            : hostFlag + " " + shownHost + " " + portFlag + " " + port;
        if (causedBy(failure, UnresolvedAddressException.class)) {
            return given + ": the host name '" + shownHost + "' does not resolve; give an address of this machine, "
                + "e.g. 127.0.0.1";
        }
        String reason = reason(failure);
        String lower = reason.toLowerCase(Locale.ROOT);
        if (lower.contains("already in use")) {
            return given + ": port " + port + " is already in use by another process; choose another port "
                + "(0 picks a free one) or stop that process";
        }
        if (lower.contains("assign requested address") || lower.contains("not available")) {
            return given + ": this machine has no address " + shownHost + "; use one of its own addresses "
                + "(127.0.0.1 for this machine only, 0.0.0.0 for every interface)";
        }
        if (lower.contains("permission denied") || lower.contains("access denied")) {
            return given + ": not allowed to listen on port " + port + " (ports below 1024 need privileges); "
                + "choose a port above 1023";
        }
        return given + ": cannot listen there (" + reason + ")";
    }

    private static boolean causedBy(Throwable failure, Class<? extends Throwable> type) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }

    /** The innermost socket error's message: the operating system's reason. */
    private static String reason(Throwable failure) {
        String reason = String.valueOf(failure.getMessage());
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof BindException || t instanceof SocketException) {
                reason = String.valueOf(t.getMessage());
            }
        }
        return reason;
    }
}
