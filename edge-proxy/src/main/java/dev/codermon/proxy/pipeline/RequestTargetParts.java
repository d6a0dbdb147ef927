package dev.codermon.proxy.pipeline;

/** Splits an absolute-form request target into authority and path for logging, without validating it. */
final class RequestTargetParts {

    private RequestTargetParts() {
    }

    /** Returns where the authority of an {@code http://} or {@code https://} target starts, or -1. */
    static int authorityStart(String target) {
        if (target.regionMatches(true, 0, "http://", 0, 7)) {
            return 7;
        }
        return target.regionMatches(true, 0, "https://", 0, 8) ? 8 : -1;
    }

    /** Returns where the path (or query, or fragment) starts after the authority, or the length. */
    static int pathStart(String target, int from) {
        for (int i = from; i < target.length(); i++) {
            char c = target.charAt(i);
            if (c == '/' || c == '?' || c == '#') {
                return i;
            }
        }
        return target.length();
    }
}
