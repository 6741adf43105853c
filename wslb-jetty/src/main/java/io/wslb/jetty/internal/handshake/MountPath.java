package io.wslb.jetty.internal.handshake;

import java.util.Locale;
import org.eclipse.jetty.util.URIUtil;
import org.jspecify.annotations.Nullable;

/**
 * The part of a client's request path that is forwarded to a backend: the path below the mount point, taken
 * from the raw (still percent-encoded) path after removing dot segments, so that {@code /ws/../admin} can never
 * reach a backend path outside the backend URI's own path.
 */
public final class MountPath {

    private MountPath() {}

    /**
     * @param rawPath the request path as received
     * @param prefix the context path plus the mount path ("" for the root)
     * @return "" or a path starting with "/", or null when the path cannot be forwarded safely (it leaves the
     *     mount point once normalised, or it holds an encoded or parameterised dot segment)
     */
    public static @Nullable String remainder(@Nullable String rawPath, String prefix) {
        if (rawPath == null || rawPath.isEmpty()) {
            rawPath = "/";
        }
        String normalized = URIUtil.normalizePath(rawPath);
        if (normalized == null || hasHiddenDotSegment(normalized)) {
            return null;
        }
        if (prefix.isEmpty()) {
            return normalized;
        }
        if (!normalized.startsWith(prefix)) {
            return null;
        }
        String rest = normalized.substring(prefix.length());
        return rest.isEmpty() || rest.startsWith("/") ? rest : null;
    }

    /** A segment that a backend could read as "." or ".." although it is not literally one. */
    static boolean hasHiddenDotSegment(String path) {
        for (String segment : path.split("/", -1)) {
            int semicolon = segment.indexOf(';');
            String core = (semicolon >= 0 ? segment.substring(0, semicolon) : segment).toLowerCase(Locale.ROOT)
                .replace("%2e", ".");
            if (core.equals(".") || core.equals("..")) {
                return true;
            }
        }
        return false;
    }
}
