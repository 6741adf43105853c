package io.wslb.jetty.internal.handshake;

import io.wslb.RejectCause;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.io.EndPoint;

/**
 * What a {@link BackendUpgradeConnection} tells the handshake it serves: that it opened, then exactly one
 * outcome. The connection knows nothing else of the exchange, and the exchange reaches the connection only
 * through {@link BackendUpgradeConnection#abort}.
 */
interface BackendUpgradeListener {

    /** The TCP (and TLS) connect is done and the upgrade request is being written; {@code connection} can be aborted. */
    void onOpened(BackendUpgradeConnection connection);

    /**
     * The backend answered 101 (not verified yet); the bytes read past its head stay in the connection for the
     * tunnel that replaces it.
     *
     * @param backend the backend's endpoint, still open
     * @param headers the answer's headers
     */
    void onUpgraded(EndPoint backend, HttpFields headers);

    /** The backend answered 4xx or 5xx; the socket is closed. */
    void onRefused(int status, HttpFields headers, byte[] body);

    /** The backend's answer is not a WebSocket upgrade; the socket is closed. */
    void onInvalid(String problem);

    /**
     * The attempt failed before an answer; the socket is closed.
     *
     * @param reason {@link RejectCause#BACKEND_UNREACHABLE}, {@link RejectCause#BACKEND_TIMEOUT}, or
     *     {@link RejectCause#CLIENT_GONE} after an {@link BackendUpgradeConnection#abort}
     * @param failure the underlying error
     */
    void onFailed(RejectCause reason, Throwable failure);
}
