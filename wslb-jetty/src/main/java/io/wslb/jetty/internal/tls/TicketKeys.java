package io.wslb.jetty.internal.tls;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * TLS session ticket keys read from a file that several balancer instances share, so that a ticket one instance
 * issued resumes on another. One key per line, base64 of 48 random bytes ({@code openssl rand -base64 48}): a
 * 16-byte name, a 16-byte HMAC key and a 16-byte AES key, the layout NGINX reads from its 48-byte key files. The
 * first key seals new tickets; every key opens them, so a rotation adds a new first line and keeps the old ones
 * for as long as their tickets may be offered. Blank lines and lines starting with {@code #} are ignored.
 */
public final class TicketKeys {
    /** Bytes of one key: name, HMAC key, AES key. */
    public static final int KEY_BYTES = 48;
    /** Bytes of each of the three parts. */
    public static final int PART_BYTES = 16;

    private final Path file;
    private final byte[] fingerprint;
    private final List<byte[]> keys;

    private TicketKeys(Path file, byte[] fingerprint, List<byte[]> keys) {
        this.file = file;
        this.fingerprint = fingerprint;
        this.keys = keys;
    }

    /**
     * @param file the key file
     * @return its keys, first the one that seals new tickets
     * @throws IllegalArgumentException if the file cannot be read or a line is not one key (the message names the line)
     */
    public static TicketKeys read(Path file) {
        byte[] content = content(file);
        return parse(file, content, fingerprint(content));
    }

    /**
     * Reads {@code file} again unless its content is what {@code current} was read from.
     *
     * @return the file's keys, or null when they are {@code current}'s
     * @throws IllegalArgumentException if the file changed and cannot be read or a line is not one key
     */
    public static @Nullable TicketKeys readIfChanged(TicketKeys current) {
        byte[] content = content(current.file);
        byte[] print = fingerprint(content);
        return MessageDigest.isEqual(print, current.fingerprint) ? null : parse(current.file, content, print);
    }

    private static byte[] content(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new IllegalArgumentException("TLS ticket keys " + file + ": cannot read it: " + e.getMessage(), e);
        }
    }

    private static byte[] fingerprint(byte[] content) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(content);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static TicketKeys parse(Path file, byte[] content, byte[] print) {
        List<String> lines = new String(content, StandardCharsets.US_ASCII).lines().toList();
        List<byte[]> keys = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            byte[] key;
            try {
                key = Base64.getDecoder().decode(line);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("TLS ticket keys " + file + ", line " + (i + 1) + ": not base64");
            }
            if (key.length != KEY_BYTES) {
                throw new IllegalArgumentException("TLS ticket keys " + file + ", line " + (i + 1) + ": " + key.length
                    + " bytes, expected " + KEY_BYTES + " (make one with: openssl rand -base64 48)");
            }
            keys.add(key);
        }
        if (keys.isEmpty()) {
            throw new IllegalArgumentException("TLS ticket keys " + file + ": no key in the file (one per line, made"
                + " with: openssl rand -base64 48)");
        }
        return new TicketKeys(file, print, List.copyOf(keys));
    }

    /** @return the file the keys came from */
    public Path file() {
        return file;
    }

    /** @return how many keys the file holds */
    public int size() {
        return keys.size();
    }

    /** @return key {@code i}'s 16-byte name */
    public byte[] name(int i) {
        return part(i, 0);
    }

    /** @return key {@code i}'s 16-byte HMAC key */
    public byte[] hmacKey(int i) {
        return part(i, 1);
    }

    /** @return key {@code i}'s 16-byte AES key */
    public byte[] aesKey(int i) {
        return part(i, 2);
    }

    private byte[] part(int i, int which) {
        byte[] out = new byte[PART_BYTES];
        System.arraycopy(keys.get(i), which * PART_BYTES, out, 0, PART_BYTES);
        return out;
    }

    @Override
    public String toString() {
        return keys.size() + " TLS ticket key(s) from " + file; // never the keys themselves
    }
}
