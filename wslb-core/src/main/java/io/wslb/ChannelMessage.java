package io.wslb;

import static java.util.Objects.requireNonNull;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/**
 * A message published to a channel ({@link Channels#publish}): delivered to each subscribed client as one whole
 * WebSocket message, text or binary as published. Immutable.
 *
 * <pre>{@code
 * ChannelMessage hello = ChannelMessage.text("{\"type\":\"notice\",\"text\":\"deploy at 3 a.m.\"}");
 * ChannelMessage frame = ChannelMessage.binary(new byte[] {1, 2, 3});
 * }</pre>
 */
public final class ChannelMessage {

    /** The largest payload accepted, in bytes (1 MiB): a broadcast is fanned out to many queues, each holds it. */
    public static final int MAX_BYTES = 1024 * 1024;

    private final boolean text;
    private final byte[] payload;

    private ChannelMessage(boolean text, byte[] payload) {
        if (payload.length > MAX_BYTES) {
            throw new IllegalArgumentException("a channel message is at most " + MAX_BYTES + " bytes, got " + payload.length);
        }
        this.text = text;
        this.payload = payload;
    }

    /**
     * @param text the message, sent as a text message (UTF-8)
     * @return the message
     */
    public static ChannelMessage text(String text) {
        return new ChannelMessage(true, requireNonNull(text, "text").getBytes(StandardCharsets.UTF_8));
    }

    /**
     * @param payload the message, sent as a binary message; copied
     * @return the message
     */
    public static ChannelMessage binary(byte[] payload) {
        return new ChannelMessage(false, requireNonNull(payload, "payload").clone());
    }

    /** @return true for a text message, false for a binary one */
    public boolean isText() {
        return text;
    }

    /** @return the payload's size in bytes */
    public int size() {
        return payload.length;
    }

    /** @return the payload, read-only */
    public ByteBuffer payload() {
        return ByteBuffer.wrap(payload).asReadOnlyBuffer();
    }

    @Override
    public boolean equals(@Nullable Object other) {
        return other instanceof ChannelMessage m && m.text == text && Arrays.equals(m.payload, payload);
    }

    @Override
    public int hashCode() {
        return 31 * Boolean.hashCode(text) + Arrays.hashCode(payload);
    }

    @Override
    public String toString() {
        return "ChannelMessage{" + (text ? "text" : "binary") + ", " + payload.length + " bytes}";
    }
}
