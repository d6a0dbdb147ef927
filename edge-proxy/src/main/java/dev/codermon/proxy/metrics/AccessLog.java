package dev.codermon.proxy.metrics;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes one {@code key=value} line per request or tunnel to the {@code codermon.access} logger
 * (its own appender, see logback.xml). Paths are logged without their query string, and no header
 * value is ever logged, so that tokens, cookies and credentials never reach the log.
 */
public final class AccessLog {

    public static final String LOGGER = "codermon.access";
    private static final Logger log = LoggerFactory.getLogger(LOGGER);

    /** One finished exchange; null fields are written as {@code -}. */
    public record Entry(String connection, String user, String workspace, String method, String host, String path,
            int status, long bytesIn, long bytesOut, long durationMillis, String refusal) {
    }

    public boolean enabled() {
        return log.isInfoEnabled();
    }

    public void write(Entry e) {
        if (!log.isInfoEnabled()) {
            return;
        }
        StringBuilder line = new StringBuilder(192);
        line.append("ts=").append(java.time.Instant.now());
        field(line, "conn", e.connection());
        field(line, "user", e.user());
        field(line, "workspace", e.workspace());
        field(line, "method", e.method());
        field(line, "host", e.host());
        field(line, "path", stripQuery(e.path()));
        line.append(" status=").append(e.status() == 0 ? "-" : String.valueOf(e.status()));
        line.append(" in=").append(e.bytesIn()).append(" out=").append(e.bytesOut());
        line.append(" ms=").append(e.durationMillis());
        field(line, "refusal", e.refusal());
        log.info("{}", line);
    }

    static String stripQuery(String path) {
        if (path == null) {
            return null;
        }
        int cut = path.length();
        int query = path.indexOf('?');
        int fragment = path.indexOf('#');
        if (query >= 0) {
            cut = query;
        }
        if (fragment >= 0 && fragment < cut) {
            cut = fragment;
        }
        return path.substring(0, cut);
    }

    private static void field(StringBuilder line, String key, String value) {
        line.append(' ').append(key).append('=');
        if (value == null || value.isEmpty()) {
            line.append('-');
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
}
