package dev.codermon.proxy.pipeline;

import dev.codermon.auth.SignInPaths;
import io.netty.handler.codec.http.QueryStringDecoder;

/**
 * Checks where the proxy may send a browser back to after signing it in: only a path on the same
 * host. Anything that a browser could read as another origin ({@code http://evil}, {@code //evil},
 * {@code /\evil}), that could split a header (CR, LF and other control characters), or that points
 * back into the proxy's own {@code /__codermon/} paths (a redirect loop) becomes {@code /}.
 */
final class ReturnPath {

    /** Where a browser goes when its return path is missing or refused. */
    static final String HOME = "/";
    /** Longer return paths are refused; request lines are limited too (--max-request-line). */
    static final int MAX_LENGTH = 2048;
    private static final String RESERVED = SignInPaths.PREFIX;

    private ReturnPath() {
    }

    /**
     * Returns the candidate if it is a same-origin path with an optional query ({@code /a/b?c=d}):
     * it starts with exactly one {@code /}, consists of printable ASCII without spaces or
     * backslashes, is at most 2048 characters long and does not name a {@code /__codermon} path
     * (also not percent-encoded). Returns {@link #HOME} for anything else, null included.
     */
    static String sanitize(String candidate) {
        if (candidate == null || candidate.isEmpty() || candidate.length() > MAX_LENGTH
                || candidate.charAt(0) != '/') {
            return HOME;
        }
        if (candidate.length() > 1 && (candidate.charAt(1) == '/' || candidate.charAt(1) == '\\')) {
            return HOME;
        }
        for (int i = 0; i < candidate.length(); i++) {
            char c = candidate.charAt(i);
            if (c <= ' ' || c >= 0x7f || c == '\\') {
                return HOME;
            }
        }
        String path;
        try {
            path = new QueryStringDecoder(candidate).path();
        } catch (IllegalArgumentException e) {
            return HOME;
        }
        // The decoded path could start with "//" or "/\" again only through an encoded slash: refuse it too.
        boolean reserved = path.startsWith(RESERVED)
                && (path.length() == RESERVED.length() || path.charAt(RESERVED.length()) == '/');
        if (reserved || path.startsWith("//") || path.startsWith("/\\")) {
            return HOME;
        }
        return candidate;
    }
}
