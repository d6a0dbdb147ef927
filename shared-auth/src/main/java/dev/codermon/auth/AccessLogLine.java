package dev.codermon.auth;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes and reads the proxy's access-log line: one line per request or tunnel, written by the proxy and
 * read by the control plane's console, e.g.
 * {@code ts=2026-01-02T03:04:05.678Z conn=1a2b user=alice workspace=w1 method=GET host=main.alice.codermon.internal
 * path=/ status=200 in=0 out=512 ms=3 refusal=-}.
 *
 * <p>{@code ts} is ISO-8601 UTC with milliseconds; an absent value is {@value #ABSENT}; a value with a space,
 * a quote, a backslash or anything outside printable ASCII is quoted, {@code "} and {@code \} escaped with a
 * backslash and control characters written as {@code ?}. Paths lose their query string and fragment (where
 * sign-in links carry tokens); no header value is ever written.
 */
public final class AccessLogLine {

    public static final String TIMESTAMP = "ts";
    public static final String CONNECTION = "conn";
    public static final String USER = "user";
    public static final String WORKSPACE = "workspace";
    public static final String METHOD = "method";
    public static final String HOST = "host";
    public static final String PATH = "path";
    public static final String STATUS = "status";
    public static final String BYTES_IN = "in";
    public static final String BYTES_OUT = "out";
    public static final String MILLIS = "ms";
    public static final String REFUSAL = "refusal";
    /** What stands for a missing value (and for status 0: no response). */
    public static final String ABSENT = "-";

    private AccessLogLine() {
    }

    /**
     * Appends every field after the timestamp, each preceded by a space. Allocates nothing but what the
     * builder needs to grow: the proxy calls it for every request on its event loop.
     */
    public static void appendFields(StringBuilder line, String connection, String user, String workspace,
            String method, String host, String path, int status, long bytesIn, long bytesOut, long durationMillis,
            String refusal) {
        appendField(line, CONNECTION, connection);
        appendField(line, USER, user);
        appendField(line, WORKSPACE, workspace);
        appendField(line, METHOD, method);
        appendField(line, HOST, host);
        appendPath(line, path);
        line.append(' ').append(STATUS).append('=');
        if (status == 0) {
            line.append(ABSENT);
        } else {
            line.append(status);
        }
        line.append(' ').append(BYTES_IN).append('=').append(bytesIn);
        line.append(' ').append(BYTES_OUT).append('=').append(bytesOut);
        line.append(' ').append(MILLIS).append('=').append(durationMillis);
        appendField(line, REFUSAL, refusal);
    }

    /** Appends the path without its query string or fragment. */
    private static void appendPath(StringBuilder line, String path) {
        if (path == null) {
            appendField(line, PATH, null);
            return;
        }
        int cut = path.length();
        for (int i = 0; i < cut; i++) {
            char c = path.charAt(i);
            if (c == '?' || c == '#') {
                cut = i;
            }
        }
        appendField(line, PATH, cut == path.length() ? path : path.substring(0, cut));
    }

    /** Appends {@code " key=value"}, quoting the value where it needs it. */
    static void appendField(StringBuilder line, String key, String value) {
        line.append(' ').append(key).append('=');
        if (value == null || value.isEmpty()) {
            line.append(ABSENT);
            return;
        }
        boolean plain = true;
        for (int i = 0; i < value.length() && plain; i++) {
            char c = value.charAt(i);
            plain = c > ' ' && c != '"' && c != '\\' && c < 0x7f;
        }
        if (plain) {
            line.append(value);
            return;
        }
        line.append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '"' || c == '\\') {
                line.append('\\').append(c);
            } else {
                line.append(c < ' ' || c == 0x7f ? '?' : c);
            }
        }
        line.append('"');
    }

    /**
     * Parses one line into its fields in the order written; absent values ({@value #ABSENT}) are left out
     * and unknown keys kept, so that a newer proxy's line still reads.
     */
    public static Map<String, String> parse(String line) {
        Map<String, String> out = new LinkedHashMap<>();
        int i = 0;
        int n = line.length();
        while (i < n) {
            while (i < n && line.charAt(i) == ' ') {
                i++;
            }
            int eq = line.indexOf('=', i);
            if (eq < 0) {
                break;
            }
            String key = line.substring(i, eq);
            i = eq + 1;
            StringBuilder value = new StringBuilder();
            if (i < n && line.charAt(i) == '"') {
                i++;
                while (i < n && line.charAt(i) != '"') {
                    char c = line.charAt(i++);
                    if (c == '\\' && i < n) {
                        c = line.charAt(i++);
                    }
                    value.append(c);
                }
                i++;
            } else {
                while (i < n && line.charAt(i) != ' ') {
                    value.append(line.charAt(i++));
                }
            }
            if (!value.toString().equals(ABSENT)) {
                out.put(key, value.toString());
            }
        }
        return out;
    }
}
