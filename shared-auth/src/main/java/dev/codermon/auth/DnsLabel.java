package dev.codermon.auth;

import java.util.regex.Pattern;

/**
 * Validates user ids and workspace names, which become DNS labels of workspace hostnames
 * ({@code <name>.<user>.<domain>}).
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
