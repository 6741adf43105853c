package io.wslb.jetty.internal.admin;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/**
 * The admin status page ({@code status.html} beside this class), read once, with the Content-Security-Policy
 * that lets it run and nothing else: its one inline script and its one inline style, allowed by their SHA-256
 * hashes, and requests to its own origin only. The page holds no data; it reads {@code status} from the JSON API.
 *
 * <pre>{@code
 * byte[] html = StatusPage.html();
 * response.getHeaders().put("Content-Security-Policy", StatusPage.contentSecurityPolicy());
 * }</pre>
 */
public final class StatusPage {

    private static final byte[] HTML = load();
    private static final String CSP = policy(new String(HTML, UTF_8));

    private StatusPage() {}

    /** @return the page, UTF-8; the array is shared: do not change it */
    public static byte[] html() {
        return HTML;
    }

    /** @return the Content-Security-Policy header value to serve the page with */
    public static String contentSecurityPolicy() {
        return CSP;
    }

    private static byte[] load() {
        try (InputStream in = StatusPage.class.getResourceAsStream("status.html")) {
            if (in == null) {
                throw new IllegalStateException("status.html is missing beside " + StatusPage.class.getName());
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read status.html", e);
        }
    }

    /**
     * Hashes rather than {@code 'unsafe-inline'}: text that got into the page some other way (an id the page failed
     * to escape, say) cannot run.
     */
    static String policy(String html) {
        return "default-src 'none'; script-src " + hashOf(html, "script") + "; style-src " + hashOf(html, "style")
            + "; connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
    }

    /** The CSP source of the one {@code <tag>} element of the page, by the SHA-256 of its exact text. */
    private static String hashOf(String html, String tag) {
        String open = "<" + tag + ">";
        int start = html.indexOf(open);
        int end = html.indexOf("</" + tag + ">", start + 1);
        if (start < 0 || end < 0 || html.indexOf(open, end) >= 0) {
            throw new IllegalStateException("status.html must hold exactly one <" + tag + "> element without attributes");
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(html.substring(start + open.length(), end).getBytes(UTF_8));
            return "'sha256-" + Base64.getEncoder().encodeToString(digest) + "'";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
