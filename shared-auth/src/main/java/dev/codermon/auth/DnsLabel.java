package dev.codermon.auth;

import java.util.regex.Pattern;

/**
 * Validates DNS labels: any label of a hostname ({@link #isHostLabel}), and the stricter form of user ids
 * and workspace names, which become labels of workspace hostnames ({@code <name>.<user>.<domain>}).
 */
public final class DnsLabel {

    /** Lower-case letters, digits and inner hyphens; starts with a letter; at most 32 characters. */
    private static final Pattern LABEL = Pattern.compile("[a-z](?:[a-z0-9-]{0,30}[a-z0-9])?");

    private DnsLabel() {
    }

    /** Returns whether the value may be used as a user id or workspace name. */
    public static boolean isValid(String value) {
        return value != null && LABEL.matcher(value).matches();
    }

    /**
     * Returns whether {@code text[from, to)} is a hostname label: 1-63 characters of a-z, 0-9 and '-', not
     * starting or ending with '-' (lower case only: callers fold case first). Scans in place.
     */
    static boolean isHostLabel(String text, int from, int to) {
        int length = to - from;
        if (length <= 0 || length > 63 || text.charAt(from) == '-' || text.charAt(to - 1) == '-') {
            return false;
        }
        for (int i = from; i < to; i++) {
            char c = text.charAt(i);
            if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) {
                return false;
            }
        }
        return true;
    }

    /**
     * Returns the value if valid.
     *
     * @throws IllegalArgumentException naming what was wrong, fit to show to the caller
     */
    public static String require(String what, String value) {
        if (!isValid(value)) {
            throw new IllegalArgumentException(what + " must be 1-32 characters of a-z, 0-9 and '-',"
                    + " start with a letter and not end with '-'");
        }
        return value;
    }
}
