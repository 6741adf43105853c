package io.wslb.strategies.internal;

import io.wslb.AffinityResolver;
import io.wslb.HandshakeRequest;
import io.wslb.LiveBackend;
import io.wslb.ResponseHeader;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Cookie insert: the balancer names the backend in a cookie it signs (HMAC-SHA256, 128 bits kept), so no
 * session store is needed and a client cannot forge a target. The value is {@code base64url(id).base64url(mac)}.
 * A missing, forged or stale cookie (its backend gone or not eligible) simply leads to a new pick and a new
 * cookie on the 101: never an error.
 */
public final class SignedCookieAffinity implements AffinityResolver {

    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder DECODER = Base64.getUrlDecoder();
    private static final int MAC_BYTES = 16;
    private static final int MAX_VALUE_LENGTH = 400;

    private final String name;
    private final HmacSha256 hmac;

    public SignedCookieAffinity(String name, byte[] secret) {
        this.name = name;
        this.hmac = new HmacSha256(secret);
    }

    /** @return the cookie value that names this backend */
    String sign(String backendId) {
        byte[] id = backendId.getBytes(StandardCharsets.UTF_8);
        return ENCODER.encodeToString(id) + "." + ENCODER.encodeToString(mac(id));
    }

    private byte[] mac(byte[] id) {
        byte[] full = hmac.mac(id);
        byte[] kept = new byte[MAC_BYTES];
        System.arraycopy(full, 0, kept, 0, MAC_BYTES);
        return kept;
    }

    /** @return the backend id a cookie value names, if its signature holds; null otherwise */
    @Nullable String verify(@Nullable String value) {
        if (value == null || value.length() > MAX_VALUE_LENGTH) {
            return null;
        }
        int dot = value.indexOf('.');
        if (dot <= 0 || dot == value.length() - 1) {
            return null;
        }
        try {
            byte[] id = DECODER.decode(value.substring(0, dot));
            byte[] mac = DECODER.decode(value.substring(dot + 1));
            return MessageDigest.isEqual(mac(id), mac) ? new String(id, StandardCharsets.UTF_8) : null;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    @Override
    public @Nullable String resolve(HandshakeRequest request) {
        return null;
    }

    @Override
    public @Nullable String pinnedBackend(HandshakeRequest request) {
        return verify(request.cookie(name));
    }

    @Override
    public List<ResponseHeader> responseHeaders(HandshakeRequest request, @Nullable String key, LiveBackend backend) {
        // Signing is deterministic: the cookie already names this backend exactly when it equals the new value.
        // One HMAC, no decoding; nothing is granted on a match, so a plain comparison is enough.
        String value = sign(backend.id());
        if (value.equals(request.cookie(name))) {
            return List.of();
        }
        String cookie = name + "=" + value + "; Path=/; HttpOnly; SameSite=Lax" + (request.secure() ? "; Secure" : "");
        return List.of(new ResponseHeader("Set-Cookie", cookie));
    }

    @Override
    public boolean needsSessionStore() {
        return false;
    }

    @Override
    public String toString() {
        return "cookie:" + name;
    }
}
