package io.wslb.testing;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * An HTTP/1.1 response as it arrived on a raw connection: the status, every header line in order (repeated names
 * kept), and the body. {@link RawWebSocketConnection#upgrade} returns one, so a test sees exactly what a server
 * answers to an upgrade request, a 101 or a refusal.
 *
 * <pre>{@code
 * RawWebSocketConnection ws = RawWebSocketConnection.open(8080);
 * RawHttpResponse answer = ws.upgrade("/chat", "Origin: https://example.com");
 * if (answer.status() != 101) {
 *     String why = answer.bodyText();
 *     String retry = answer.header("Retry-After"); // null when absent
 * }
 * }</pre>
 *
 * @param status the status code
 * @param headers the header lines, name and value trimmed, in the order they arrived
 * @param body the body bytes: {@code Content-Length} of them, or up to the end of stream when unsized, or none
 */
public record RawHttpResponse(int status, List<Map.Entry<String, String>> headers, byte[] body) {

    private static final int MAX_HEAD = 64 * 1024;

    /**
     * @param status the status code
     * @param headers the header lines (copied)
     * @param body the body bytes
     */
    public RawHttpResponse {
        headers = List.copyOf(headers);
    }

    /**
     * Reads one response from a stream: the head, then (unless it is a 101) a body of {@code Content-Length} bytes,
     * or up to the end of stream when it is unsized and may have a body (not a 1xx, 204 or 304).
     *
     * <pre>{@code RawHttpResponse answer = RawHttpResponse.read(new BufferedInputStream(socket.getInputStream()));}</pre>
     *
     * @param in the stream, positioned at the status line
     * @return the response
     * @throws IOException on a stream failure, an end of stream inside the head, or a head over 64 KiB
     */
    public static RawHttpResponse read(InputStream in) throws IOException {
        return read(readHead(in), in);
    }

    /** Parses a head already read, then reads the body that follows it. */
    static RawHttpResponse read(String head, InputStream in) throws IOException {
        String[] lines = head.split("\r\n");
        String[] statusLine = lines[0].split(" ", 3);
        if (statusLine.length < 2) {
            throw new IOException("not an HTTP status line: " + lines[0]);
        }
        int status = Integer.parseInt(statusLine[1]);
        List<Map.Entry<String, String>> headers = new ArrayList<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon > 0) {
                headers.add(Map.entry(lines[i].substring(0, colon).trim(), lines[i].substring(colon + 1).trim()));
            }
        }
        RawHttpResponse headOnly = new RawHttpResponse(status, headers, new byte[0]);
        String length = headOnly.header("Content-Length");
        if (status == 101) {
            return headOnly;
        } else if (length != null) {
            return new RawHttpResponse(status, headers, in.readNBytes(Integer.parseInt(length)));
        } else if (status >= 200 && status != 204 && status != 304) {
            return new RawHttpResponse(status, headers, in.readAllBytes());
        }
        return headOnly;
    }

    /** Reads an HTTP head up to and including the empty line, as ISO-8859-1 text. */
    static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int last4 = 0;
        while (last4 != 0x0D0A0D0A) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("end of stream inside an HTTP head: " + head.toString(StandardCharsets.ISO_8859_1));
            }
            if (head.size() > MAX_HEAD) {
                throw new IOException("HTTP head over 64 KiB");
            }
            head.write(b);
            last4 = (last4 << 8) | b;
        }
        return head.toString(StandardCharsets.ISO_8859_1);
    }

    /**
     * @param name a header name, in any case
     * @return its first value, or null when the response has no such header
     */
    public @Nullable String header(String name) {
        for (Map.Entry<String, String> h : headers) {
            if (h.getKey().equalsIgnoreCase(name)) {
                return h.getValue();
            }
        }
        return null;
    }

    /**
     * @param name a header name, in any case
     * @return every value of it, in order; empty when absent
     */
    public List<String> headers(String name) {
        return headers.stream().filter(h -> h.getKey().equalsIgnoreCase(name)).map(Map.Entry::getValue).toList();
    }

    /** @return the body decoded as UTF-8 */
    public String bodyText() {
        return new String(body, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("HTTP ").append(status);
        for (Map.Entry<String, String> h : headers) {
            b.append("\n  ").append(h.getKey()).append(": ").append(h.getValue());
        }
        return b.append("\n  body: ").append(bodyText()).toString();
    }
}
