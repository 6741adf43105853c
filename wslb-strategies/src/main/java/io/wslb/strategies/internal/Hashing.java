package io.wslb.strategies.internal;

import java.nio.charset.StandardCharsets;

/**
 * A 64-bit hash of strings that is the same on every JVM and run (unlike {@link String#hashCode()}, whose 32 bits
 * cluster): FNV-1a over the UTF-8 bytes, then MurmurHash3's 64-bit finaliser for avalanche, so that keys that
 * differ in one character land far apart on a hash ring.
 */
public final class Hashing {

    private static final long FNV_OFFSET = 0xcbf29ce484222325L;
    private static final long FNV_PRIME = 0x100000001b3L;

    private Hashing() {}

    /**
     * @param text any string
     * @return its 64-bit hash
     */
    public static long hash64(String text) {
        long h = FNV_OFFSET;
        int length = text.length();
        for (int i = 0; i < length; i++) {
            char c = text.charAt(i);
            if (c < 0x80) {
                h = (h ^ c) * FNV_PRIME;
            } else {
                for (byte b : String.valueOf(c).getBytes(StandardCharsets.UTF_8)) {
                    h = (h ^ (b & 0xFF)) * FNV_PRIME;
                }
            }
        }
        return mix(h);
    }

    /** MurmurHash3's fmix64. */
    static long mix(long k) {
        k ^= k >>> 33;
        k *= 0xff51afd7ed558ccdL;
        k ^= k >>> 33;
        k *= 0xc4ceb9fe1a85ec53L;
        k ^= k >>> 33;
        return k;
    }
}
