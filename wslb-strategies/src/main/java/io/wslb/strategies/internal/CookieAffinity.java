package io.wslb.strategies.internal;

import io.wslb.AffinityResolver;
import io.wslb.HandshakeRequest;
import io.wslb.HttpHeader;
import io.wslb.LiveBackend;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;

/**
 * A random key in a cookie, issued by the balancer. Keys are 128 random bits in URL-safe base64 (22
 * characters), so they are unguessable and safe in a cookie value.
 */
public final class CookieAffinity implements AffinityResolver {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
    private static final int KEY_LENGTH = 22;

    private final String name;

    public CookieAffinity(String name) {
        this.name = name;
    }

    @Override
    public String resolve(HandshakeRequest request) {
        String value = request.cookie(name);
        return value != null && isKey(value) ? value : newKey();
    }

    @Override
    public List<HttpHeader> responseHeaders(HandshakeRequest request, String key, LiveBackend backend) {
        if (key.equals(request.cookie(name))) {
            return List.of();
        }
        String cookie = name + "=" + key + "; Path=/; HttpOnly; SameSite=Lax" + (request.secure() ? "; Secure" : "");
        return List.of(new HttpHeader("Set-Cookie", cookie));
    }

    static boolean isKey(String value) {
        if (value.length() != KEY_LENGTH) {
            return false;
        }
        for (int i = 0; i < KEY_LENGTH; i++) {
            char c = value.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    private static String newKey() {
        byte[] bytes = new byte[16];
        RANDOM.nextBytes(bytes);
        return ENCODER.encodeToString(bytes);
    }

    @Override
    public String toString() {
        return "cookie:" + name;
    }
}
