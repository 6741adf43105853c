package io.wslb.spi;

import static java.util.Objects.requireNonNull;

import io.wslb.ChannelMessage;
import io.wslb.Channels;

/**
 * One published message and who it is for, as a {@link ChannelTransport} carries it between instances.
 *
 * <pre>{@code
 * Publication toRoom = new Publication(Publication.Target.CHANNEL, "room:7", ChannelMessage.text("hi"));
 * }</pre>
 *
 * @param target whose connections get it
 * @param name the channel for {@link Target#CHANNEL}, the backend id for {@link Target#BACKEND}, empty for
 *     {@link Target#ALL}
 * @param message the message
 */
public record Publication(Target target, String name, ChannelMessage message) {

    /** Whose connections a publication is for. */
    public enum Target {
        /** The connections subscribed to a channel. */
        CHANNEL,
        /** The connections of a backend. */
        BACKEND,
        /** Every connection. */
        ALL
    }

    /** Checks the name against the target: a valid channel name, a backend id, or empty for everyone. */
    public Publication {
        requireNonNull(target, "target");
        requireNonNull(name, "name");
        requireNonNull(message, "message");
        switch (target) {
            case CHANNEL -> Channels.checkName(name);
            case BACKEND -> {
                if (name.isEmpty()) {
                    throw new IllegalArgumentException("a publication to a backend names the backend");
                }
            }
            case ALL -> {
                if (!name.isEmpty()) {
                    throw new IllegalArgumentException("a publication to all names nothing, got '" + name + "'");
                }
            }
        }
    }
}
