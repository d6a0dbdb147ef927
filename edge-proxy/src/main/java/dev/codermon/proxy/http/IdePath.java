package dev.codermon.proxy.http;

import java.util.ArrayList;
import java.util.List;

/**
 * Tells which of code-server's routes a path on a workspace host (the IDE's own origin) names, the way
 * code-server could read it: percent-decoded, {@code .} and {@code ..} segments resolved, repeated slashes
 * (and backslashes) collapsed, letters in any case (Express routes case-insensitively). Where the readings
 * differ this errs towards the stricter kind.
 */
public enum IdePath {

    /** Any other path: the workbench, its static files, its WebSockets. */
    ORDINARY,
    /** code-server's path proxy, {@code /proxy/<port>/...} or {@code /absproxy/<port>/...}: closed, apps have hosts. */
    PATH_PROXY,
    /**
     * A route that serves files of the workspace: {@code /vscode-remote-resource?path=...}, also under the
     * {@code /vscode} and {@code /<quality>-<commit>} prefixes code-server strips; any path with a segment so
     * named is taken for one.
     */
    WORKSPACE_FILES;

    private static final String PROXY = "proxy";
    private static final String ABSPROXY = "absproxy";
    private static final String REMOTE_RESOURCE = "vscode-remote-resource";

    /** Classifies the path of an origin-form target ({@code /path?query}). */
    public static IdePath classify(String originForm) {
        int end = originForm.indexOf('?');
        if (end < 0) {
            end = originForm.length();
        }
        if (isPlain(originForm, end)) {
            // The usual case: nothing to decode or resolve, the segments are as written.
            return classify(originForm, end);
        }
        String normalized = normalize(originForm.substring(0, end));
        return classify(normalized, normalized.length());
    }

    /** Returns whether the path needs no normalizing: no escapes, backslashes, empty or dot segments. */
    private static boolean isPlain(String path, int end) {
        for (int i = 0; i < end; i++) {
            char c = path.charAt(i);
            if (c == '%' || c == '\\') {
                return false;
            }
            if (c == '/' && i + 1 < end && (path.charAt(i + 1) == '/' || path.charAt(i + 1) == '.')) {
                return false;
            }
        }
        return true;
    }

    private static IdePath classify(String path, int end) {
        int start = 0;
        boolean first = true;
        while (start < end) {
            if (path.charAt(start) == '/') {
                start++;
                continue;
            }
            int slash = path.indexOf('/', start);
            int segmentEnd = slash < 0 || slash > end ? end : slash;
            if (first && (segment(path, start, segmentEnd, PROXY) || segment(path, start, segmentEnd, ABSPROXY))) {
                return PATH_PROXY;
            }
            if (segment(path, start, segmentEnd, REMOTE_RESOURCE)) {
                return WORKSPACE_FILES;
            }
            first = false;
            start = segmentEnd;
        }
        return ORDINARY;
    }

    private static boolean segment(String path, int start, int end, String name) {
        return end - start == name.length() && path.regionMatches(true, start, name, 0, name.length());
    }

    /**
     * Percent-decodes the path (a malformed escape stays as written), reads backslashes as slashes and
     * resolves dot segments; repeated slashes come out as empty segments, which classifying skips.
     */
    static String normalize(String path) {
        StringBuilder decoded = new StringBuilder(path.length());
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            int hi = c == '%' && i + 2 < path.length() ? Character.digit(path.charAt(i + 1), 16) : -1;
            int lo = hi < 0 ? -1 : Character.digit(path.charAt(i + 2), 16);
            if (lo >= 0) {
                c = (char) (hi * 16 + lo);
                i += 2;
            }
            decoded.append(c == '\\' ? '/' : c);
        }
        List<String> segments = new ArrayList<>();
        for (String segment : decoded.toString().split("/")) {
            if (segment.isEmpty() || segment.equals(".")) {
                continue;
            }
            if (segment.equals("..")) {
                if (!segments.isEmpty()) {
                    segments.remove(segments.size() - 1);
                }
                continue;
            }
            segments.add(segment);
        }
        return "/" + String.join("/", segments);
    }
}
