package io.wslb.strategies.internal;

import io.wslb.strategies.JwtVerifier;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.Base64;

/** HS256 tokens: algorithm pinned, signature compared in constant time, exp and nbf checked. */
public final class HmacJwtVerifier implements JwtVerifier {

    private final HmacSha256 hmac;
    private final Clock clock;

    public HmacJwtVerifier(byte[] secret, Clock clock) {
        this.hmac = new HmacSha256(secret);
        this.clock = clock;
    }

    @Override
    public boolean verify(String token) {
        int first = token.indexOf('.');
        int second = token.indexOf('.', first + 1);
        if (first <= 0 || second <= first + 1 || second == token.length() - 1 || token.indexOf('.', second + 1) >= 0) {
            return false;
        }
        String header = Jwt.decode(token.substring(0, first));
        if (header == null || !"HS256".equals(JsonClaims.member(header, "alg"))) {
            return false;
        }
        byte[] signature;
        try {
            signature = Base64.getUrlDecoder().decode(token.substring(second + 1));
        } catch (IllegalArgumentException e) {
            return false;
        }
        byte[] expected = hmac.mac(token.substring(0, second).getBytes(StandardCharsets.US_ASCII));
        if (!MessageDigest.isEqual(expected, signature)) {
            return false;
        }
        String payload = Jwt.decode(token.substring(first + 1, second));
        if (payload == null) {
            return false;
        }
        long now = clock.instant().getEpochSecond();
        String exp = JsonClaims.member(payload, "exp");
        String nbf = JsonClaims.member(payload, "nbf");
        if ((exp != null && !isNumber(exp)) || (nbf != null && !isNumber(nbf))) {
            return false; // a time claim that is not a number cannot hold
        }
        return (exp == null || now < (long) Double.parseDouble(exp)) && (nbf == null || now >= (long) Double.parseDouble(nbf));
    }

    private static boolean isNumber(String value) {
        try {
            double d = Double.parseDouble(value);
            return !Double.isNaN(d) && !Double.isInfinite(d) && !value.startsWith("\"");
        } catch (NumberFormatException e) {
            return false;
        }
    }

    @Override
    public String toString() {
        return "HS256";
    }
}
