package io.wslb.strategies.internal;

import java.security.GeneralSecurityException;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** HMAC-SHA256 with one secret, thread-safe: one initialised {@link Mac} per thread. */
final class HmacSha256 {

    private final SecretKeySpec key;
    private final ThreadLocal<Mac> macs;

    /** @param secret the key */
    HmacSha256(byte[] secret) {
        this.key = new SecretKeySpec(secret, "HmacSHA256");
        this.macs = ThreadLocal.withInitial(this::newMac);
    }

    private Mac newMac() {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            return mac;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is required by every Java platform", e);
        }
    }

    /**
     * @param data the message
     * @return its 32-byte MAC
     */
    byte[] mac(byte[] data) {
        return macs.get().doFinal(data);
    }
}
