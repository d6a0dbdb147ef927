package dev.codermon.proxy.pipeline;

/** Splits an absolute-form request target into authority and path for logging, without validating it. */
final class RequestTargetParts {

    private RequestTargetParts() {
    }

    static boolean isAbsolute(String target) {
        return target.regionMatches(true, 0, "http://", 0, 7) || target.regionMatches(true, 0, "https://", 0, 8);
    }

    static String authority(String target) {
        int start = target.indexOf("://") + 3;
        int end = pathStart(target, start);
        return target.substring(start, end);
    }

    static String path(String target) {
        int start = pathStart(target, target.indexOf("://") + 3);
        return start == target.length() ? "/" : target.substring(start);
    }

    private static int pathStart(String target, int from) {
        for (int i = from; i < target.length(); i++) {
            char c = target.charAt(i);
            if (c == '/' || c == '?' || c == '#') {
                return i;
            }
        }
        return target.length();
    }
}
