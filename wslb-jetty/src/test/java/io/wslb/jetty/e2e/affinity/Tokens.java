package io.wslb.jetty.e2e.affinity;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** Compact JSON Web Tokens made by hand, for the JWT affinity tests. */
final class Tokens {

    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

    static final String HS256 = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";

    private Tokens() {}

    /** @return a 32-byte secret made of one repeated character */
    static byte[] secret(char fill) {
        return String.valueOf(fill).repeat(32).getBytes(StandardCharsets.US_ASCII);
    }

    /** @return a payload with this subject, valid for an hour */
    static String validPayload(String subject) {
        return "{\"sub\":\"" + subject + "\",\"iat\":" + now() + ",\"exp\":" + (now() + 3600) + "}";
    }

    static long now() {
        return Instant.now().getEpochSecond();
    }

    /** @return an HS256 token over this payload, signed with the secret */
    static String hs256(byte[] secret, String payloadJson) {
        return signed(HS256, payloadJson, secret);
    }

    /** @return a token with this header and payload, HMAC-SHA256-signed with the secret (whatever the header says) */
    static String signed(String headerJson, String payloadJson, byte[] secret) {
        String input = encode(headerJson) + "." + encode(payloadJson);
        return input + "." + B64.encodeToString(hmac(secret, input));
    }

    /** @return an unsecured token ({@code alg: none}, empty signature) */
    static String unsecured(String payloadJson) {
        return encode("{\"alg\":\"none\",\"typ\":\"JWT\"}") + "." + encode(payloadJson) + ".";
    }

    static String encode(String json) {
        return B64.encodeToString(json.getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] hmac(byte[] secret, String input) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            return mac.doFinal(input.getBytes(StandardCharsets.US_ASCII));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
