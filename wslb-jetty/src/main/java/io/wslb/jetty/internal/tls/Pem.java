package io.wslb.jetty.internal.tls;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

/**
 * Reads PEM files (RFC 7468) with the JDK alone: X.509 certificates, and unencrypted private keys in PKCS#8
 * ({@code BEGIN PRIVATE KEY}), PKCS#1 ({@code BEGIN RSA PRIVATE KEY}) or SEC1 ({@code BEGIN EC PRIVATE KEY}) form.
 * The last two are rewrapped as PKCS#8 with a few bytes of DER, which is all the JDK's key factories need.
 */
public final class Pem {

    /** A PEM block: its label and its decoded body. */
    record Block(String label, byte[] der) {}

    private static final byte[] RSA_ALGORITHM = {0x30, 0x0d, 0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86,
        (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00}; // SEQUENCE { OID 1.2.840.113549.1.1.1, NULL }
    private static final byte[] EC_PUBLIC_KEY_OID = {0x06, 0x07, 0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x02,
        0x01}; // OID 1.2.840.10045.2.1
    private static final List<String> KEY_ALGORITHMS = List.of("RSA", "EC", "Ed25519", "Ed448", "RSASSA-PSS");

    private Pem() {}

    /**
     * @param file a PEM file holding one certificate or more (a chain: the leaf first)
     * @return the certificates, in file order
     * @throws IOException if the file cannot be read or holds no certificate
     * @throws CertificateException if a certificate is malformed
     */
    public static List<X509Certificate> certificates(Path file) throws IOException, CertificateException {
        CertificateFactory factory = CertificateFactory.getInstance("X.509");
        List<X509Certificate> certificates = new ArrayList<>();
        for (Block block : blocks(file)) {
            if (block.label().equals("CERTIFICATE")) {
                certificates.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(block.der())));
            }
        }
        if (certificates.isEmpty()) {
            throw new IOException(file + " holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
        }
        return List.copyOf(certificates);
    }

    /**
     * @param file a PEM file holding one unencrypted private key
     * @return the key
     * @throws IOException if the file cannot be read, holds no key or an encrypted one
     * @throws GeneralSecurityException if the key is malformed or of an unknown algorithm
     */
    public static PrivateKey privateKey(Path file) throws IOException, GeneralSecurityException {
        for (Block block : blocks(file)) {
            switch (block.label()) {
                case "PRIVATE KEY":
                    return pkcs8(block.der(), file);
                case "RSA PRIVATE KEY":
                    return KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(rsaToPkcs8(block.der())));
                case "EC PRIVATE KEY":
                    return KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(ecToPkcs8(block.der(), file)));
                case "ENCRYPTED PRIVATE KEY":
                    throw new IOException(file + " holds an encrypted private key; decrypt it first, e.g. "
                        + "'openssl pkcs8 -in " + file + " -out key.pem' (and protect that file), or use a PKCS12 keystore");
                default:
                    break;
            }
        }
        throw new IOException(file + " holds no PEM private key (-----BEGIN PRIVATE KEY-----, RSA PRIVATE KEY or EC PRIVATE KEY)");
    }

    static List<Block> blocks(Path file) throws IOException {
        String text = Files.readString(file, StandardCharsets.US_ASCII);
        List<Block> blocks = new ArrayList<>();
        int at = 0;
        while (true) {
            int begin = text.indexOf("-----BEGIN ", at);
            if (begin < 0) {
                return blocks;
            }
            int labelEnd = text.indexOf("-----", begin + 11);
            if (labelEnd < 0) {
                throw new IOException(file + ": a PEM BEGIN line is not closed by -----");
            }
            String label = text.substring(begin + 11, labelEnd);
            String endLine = "-----END " + label + "-----";
            int end = text.indexOf(endLine, labelEnd);
            if (end < 0) {
                throw new IOException(file + ": no '" + endLine + "' after its BEGIN line");
            }
            String body = text.substring(labelEnd + 5, end);
            if (body.contains(":")) {
                throw new IOException(file + ": the " + label + " block has headers (legacy encryption, Proc-Type); "
                    + "decrypt it first, e.g. 'openssl pkey -in " + file + " -out key.pem'");
            }
            try {
                blocks.add(new Block(label, Base64.getMimeDecoder().decode(body)));
            } catch (IllegalArgumentException e) {
                throw new IOException(file + ": the " + label + " block is not base64 (" + e.getMessage() + ")", e);
            }
            at = end + endLine.length();
        }
    }

    private static PrivateKey pkcs8(byte[] der, Path file) throws GeneralSecurityException {
        PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
        for (String algorithm : KEY_ALGORITHMS) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(spec);
            } catch (GeneralSecurityException | ClassCastException e) {
                // not this algorithm: try the next
            }
        }
        throw new GeneralSecurityException(file + ": the PKCS#8 key is malformed or of an algorithm other than " + KEY_ALGORITHMS);
    }

    /** PKCS#8 { version 0, rsaEncryption, OCTET STRING { the PKCS#1 key } }. */
    static byte[] rsaToPkcs8(byte[] pkcs1) {
        return sequence(new byte[] {0x02, 0x01, 0x00}, RSA_ALGORITHM, tagged(0x04, pkcs1));
    }

    /**
     * PKCS#8 { version 0, { ecPublicKey, curve }, OCTET STRING { the SEC1 key } }; the curve is the OID in the SEC1
     * key's {@code [0] parameters} field.
     */
    static byte[] ecToPkcs8(byte[] sec1, Path file) throws GeneralSecurityException {
        Der outer = new Der(sec1, 0);
        if (outer.tag != 0x30) {
            throw new GeneralSecurityException(file + ": the EC PRIVATE KEY is not a DER sequence");
        }
        int at = outer.contentStart;
        byte[] curve = null;
        while (at < outer.end) {
            Der field = new Der(sec1, at);
            if (field.tag == 0xa0) {
                Der oid = new Der(sec1, field.contentStart);
                if (oid.tag == 0x06) {
                    curve = Arrays.copyOfRange(sec1, field.contentStart, oid.end);
                }
            }
            at = field.end;
        }
        if (curve == null) {
            throw new GeneralSecurityException(file + ": the EC PRIVATE KEY names no curve; convert it with "
                + "'openssl pkcs8 -topk8 -nocrypt -in " + file + " -out key.pem'");
        }
        byte[] algorithm = sequence(EC_PUBLIC_KEY_OID, curve);
        return sequence(new byte[] {0x02, 0x01, 0x00}, algorithm, tagged(0x04, sec1));
    }

    private static byte[] sequence(byte[]... parts) {
        ByteArrayOutputStream content = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            content.writeBytes(part);
        }
        return tagged(0x30, content.toByteArray());
    }

    private static byte[] tagged(int tag, byte[] content) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(content.length + 6);
        out.write(tag);
        int length = content.length;
        if (length < 0x80) {
            out.write(length);
        } else {
            int bytes = length > 0xffffff ? 4 : length > 0xffff ? 3 : length > 0xff ? 2 : 1;
            out.write(0x80 | bytes);
            for (int shift = 8 * (bytes - 1); shift >= 0; shift -= 8) {
                out.write(length >>> shift);
            }
        }
        out.writeBytes(content);
        return out.toByteArray();
    }

    /** One DER element's tag and bounds, read at an offset. */
    private static final class Der {
        final int tag;
        final int contentStart;
        final int end;

        Der(byte[] der, int at) throws GeneralSecurityException {
            if (at + 2 > der.length) {
                throw new GeneralSecurityException("truncated DER");
            }
            tag = der[at] & 0xff;
            int first = der[at + 1] & 0xff;
            int length;
            int start;
            if (first < 0x80) {
                length = first;
                start = at + 2;
            } else {
                int bytes = first & 0x7f;
                if (bytes == 0 || bytes > 3 || at + 2 + bytes > der.length) {
                    throw new GeneralSecurityException("unsupported DER length");
                }
                length = 0;
                for (int i = 0; i < bytes; i++) {
                    length = (length << 8) | (der[at + 2 + i] & 0xff);
                }
                start = at + 2 + bytes;
            }
            if (start + length > der.length) {
                throw new GeneralSecurityException("truncated DER");
            }
            this.contentStart = start;
            this.end = start + length;
        }
    }
}
