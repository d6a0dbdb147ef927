package dev.codermon.proxy.metrics;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes one {@code key=value} line per request or tunnel to the {@code codermon.access} logger
 * (its own appender, see logback.xml). Paths are logged without their query string, and no header
 * value is ever logged, so that tokens, cookies and credentials never reach the log.
 *
 * <p>Cheap on the event loop: each thread builds its lines in one reused buffer, formats the
 * timestamp's date and time only when the second changes, and hands logback a finished message
 * (no formatting pattern), which its asynchronous appender writes on a thread of its own.
 */
public final class AccessLog {

    public static final String LOGGER = "codermon.access";
    private static final Logger log = LoggerFactory.getLogger(LOGGER);
    private static final DateTimeFormatter SECONDS =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.").withZone(ZoneOffset.UTC);
    private static final ThreadLocal<LineBuffer> BUFFERS = ThreadLocal.withInitial(LineBuffer::new);

    /** One thread's line buffer and the last second it formatted. */
    private static final class LineBuffer {
        final StringBuilder line = new StringBuilder(256);
        long second = Long.MIN_VALUE;
        String secondText;

        void appendTimestamp(long epochMillis) {
            long s = Math.floorDiv(epochMillis, 1000);
            if (s != second) {
                second = s;
                secondText = SECONDS.format(Instant.ofEpochSecond(s));
            }
            int millis = (int) Math.floorMod(epochMillis, 1000);
            line.append(secondText).append((char) ('0' + millis / 100)).append((char) ('0' + millis / 10 % 10))
                    .append((char) ('0' + millis % 10)).append('Z');
        }
    }

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
        LineBuffer buffer = BUFFERS.get();
        StringBuilder line = buffer.line;
        line.setLength(0);
        line.append("ts=");
        buffer.appendTimestamp(System.currentTimeMillis());
        field(line, "conn", e.connection());
        field(line, "user", e.user());
        field(line, "workspace", e.workspace());
        field(line, "method", e.method());
        field(line, "host", e.host());
        pathField(line, e.path());
        line.append(" status=");
        if (e.status() == 0) {
            line.append('-');
        } else {
            line.append(e.status());
        }
        line.append(" in=").append(e.bytesIn()).append(" out=").append(e.bytesOut());
        line.append(" ms=").append(e.durationMillis());
        field(line, "refusal", e.refusal());
        log.info(line.toString());
        if (line.capacity() > 4096) {
            buffer.line.setLength(0);
            buffer.line.trimToSize();
        }
    }

    /** Appends the path without its query string or fragment (where sign-in links carry tokens). */
    private static void pathField(StringBuilder line, String path) {
        if (path == null) {
            field(line, "path", null);
            return;
        }
        int cut = path.length();
        for (int i = 0; i < cut; i++) {
            char c = path.charAt(i);
            if (c == '?' || c == '#') {
                cut = i;
            }
        }
        field(line, "path", cut == path.length() ? path : path.substring(0, cut));
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
