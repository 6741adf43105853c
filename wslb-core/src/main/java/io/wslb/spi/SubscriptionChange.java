package io.wslb.spi;

import static java.util.Objects.requireNonNull;

import io.wslb.Channels;
import java.util.List;

/**
 * Channels to add to and remove from one connection, as a {@link ChannelTransport} carries the change to the
 * instance that holds the connection.
 *
 * <pre>{@code
 * SubscriptionChange change = new SubscriptionChange("k3x9a0-17", List.of("user:42"), List.of("lobby"));
 * }</pre>
 *
 * @param connectionId the connection's id
 * @param subscribe valid channel names to add
 * @param unsubscribe valid channel names to remove
 */
public record SubscriptionChange(String connectionId, List<String> subscribe, List<String> unsubscribe) {

    /** Copies the lists and checks every name, so that a change that travels is always one that can apply. */
    public SubscriptionChange {
        requireNonNull(connectionId, "connectionId");
        if (connectionId.isBlank() || connectionId.chars().anyMatch(c -> c <= 0x20 || c >= 0x7F)) {
            throw new IllegalArgumentException("a connection id is printable ASCII without spaces, got '" + connectionId + "'");
        }
        subscribe = List.copyOf(subscribe);
        unsubscribe = List.copyOf(unsubscribe);
        subscribe.forEach(Channels::checkName);
        unsubscribe.forEach(Channels::checkName);
    }
}
