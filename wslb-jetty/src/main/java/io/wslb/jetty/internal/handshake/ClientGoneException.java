package io.wslb.jetty.internal.handshake;

import java.io.IOException;
import org.eclipse.jetty.io.QuietException;

/** The client is gone: nothing can be answered; quiet, since it is no server fault. */
final class ClientGoneException extends IOException implements QuietException {
    private static final long serialVersionUID = 1L;

    ClientGoneException(String message) {
        super(message);
    }
}
