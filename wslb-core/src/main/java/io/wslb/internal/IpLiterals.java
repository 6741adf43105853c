package io.wslb.internal;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/** IP literals in headers: parsed without ever asking DNS. */
public final class IpLiterals {

    private IpLiterals() {}

    /**
     * @param text an IPv4 or IPv6 literal (IPv6 may be bracketed)
     * @return the address, or null if the text is not an IP literal (host names are never resolved)
     */
    public static @Nullable InetAddress parse(@Nullable String text) {
        if (text == null) {
            return null;
        }
        String s = text.trim();
        if (s.startsWith("[") && s.endsWith("]")) {
            s = s.substring(1, s.length() - 1);
        }
        if (s.isEmpty() || s.length() > 45) {
            return null;
        }
        boolean v6 = s.indexOf(':') >= 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean ok = (c >= '0' && c <= '9') || c == '.'
                || (v6 && (c == ':' || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')));
            if (!ok) {
                return null;
            }
        }
        if (!v6) {
            return ipv4(s);
        }
        try {
            // A string with a colon is parsed as an IPv6 literal and rejected if invalid; it never goes to DNS.
            return InetAddress.getByName(s);
        } catch (UnknownHostException e) {
            return null;
        }
    }

    /** Strict dotted quad: four decimal parts 0-255; anything else is null (and nothing is resolved). */
    private static @Nullable InetAddress ipv4(String s) {
        String[] parts = s.split("\\.", -1);
        if (parts.length != 4) {
            return null;
        }
        byte[] bytes = new byte[4];
        for (int i = 0; i < 4; i++) {
            String part = parts[i];
            if (part.isEmpty() || part.length() > 3) {
                return null;
            }
            int value = Integer.parseInt(part);
            if (value > 255) {
                return null;
            }
            bytes[i] = (byte) value;
        }
        try {
            return InetAddress.getByAddress(bytes);
        } catch (UnknownHostException e) {
            return null;
        }
    }

    /** Removes a port from "1.2.3.4:80" or "[::1]:80"; leaves a bare IPv6 address alone. */
    public static String stripPort(String hop) {
        String s = hop.trim();
        if (s.startsWith("[")) {
            int close = s.indexOf(']');
            return close > 0 ? s.substring(1, close) : s;
        }
        int colon = s.indexOf(':');
        if (colon > 0 && colon == s.lastIndexOf(':')) {
            return s.substring(0, colon);
        }
        return s;
    }
    /** The {@code for=} nodes of {@code Forwarded} header values (RFC 7239), quotes removed, in order. */
    public static List<String> forwardedFor(List<String> values) {
        List<String> out = new ArrayList<>(4);
        for (String element : HeaderValues.tokens(values)) {
            for (String pair : element.split(";")) {
                int eq = pair.indexOf('=');
                if (eq > 0 && pair.substring(0, eq).trim().toLowerCase(Locale.ROOT).equals("for")) {
                    String node = pair.substring(eq + 1).trim();
                    if (node.length() >= 2 && node.startsWith("\"") && node.endsWith("\"")) {
                        node = node.substring(1, node.length() - 1);
                    }
                    out.add(node);
                }
            }
        }
        return out;
    }
}
