package io.wslb.internal;

import static java.util.Objects.requireNonNull;

import io.wslb.Channels;
import java.util.regex.Pattern;

/** The rule of channel names ({@link Channels#checkName}). */
public final class ChannelNames {

    private static final Pattern VALID = Pattern.compile("[A-Za-z0-9._:@/-]+");

    private ChannelNames() {}

    /**
     * @param name a channel name
     * @return the name
     * @throws IllegalArgumentException naming what is wrong
     */
    public static String check(String name) {
        requireNonNull(name, "channel name");
        if (name.isEmpty() || name.length() > Channels.MAX_NAME_LENGTH) {
            throw new IllegalArgumentException("a channel name has 1 to " + Channels.MAX_NAME_LENGTH + " characters, got "
                + name.length());
        }
        if (!VALID.matcher(name).matches()) {
            throw new IllegalArgumentException("a channel name has only letters, digits and . _ - : @ /, got '"
                + printable(name) + "'");
        }
        return name;
    }

    /** @return the name with control and non-ASCII characters escaped, cut at the longest valid length */
    private static String printable(String name) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < Math.min(name.length(), Channels.MAX_NAME_LENGTH); i++) {
            char c = name.charAt(i);
            out.append(c >= 0x20 && c < 0x7F ? String.valueOf(c) : String.format("\\u%04x", (int) c));
        }
        return out.toString();
    }
}
