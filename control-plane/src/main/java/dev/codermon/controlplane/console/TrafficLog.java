package dev.codermon.controlplane.console;

import dev.codermon.auth.AccessLogLine;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the proxy's access log ({@code $CODERMON_HOME/logs/access.log}, one {@code key=value} line per
 * request or tunnel) for the console's live traffic view. The proxy only appends to its own file; it
 * never calls the control plane.
 */
public final class TrafficLog {

    /** Most bytes one page reads, so that a large backlog is sent in slices. */
    static final int MAX_PAGE_BYTES = 256 * 1024;

    private final Path file;

    public TrafficLog(Path file) {
        this.file = file;
    }

    /**
     * Carries the entries after a cursor and the cursor to ask for next.
     *
     * @param entries one map per access-log line, numbers as numbers and {@code -} as absent
     * @param next    the byte offset after the last complete line read
     */
    public record Page(List<Map<String, Object>> entries, long next) {
    }

    /**
     * Returns the complete lines written after the byte offset {@code after}. A negative offset
     * means "from the current end": the console starts with what happens from now on. If the file
     * was rotated (it is shorter than the offset), reading starts again at its beginning.
     */
    public Page after(long after) throws IOException {
        long size;
        try {
            size = Files.size(file);
        } catch (NoSuchFileException e) {
            return new Page(List.of(), 0);
        }
        if (after < 0) {
            return new Page(List.of(), size);
        }
        long from = after > size ? 0 : after;
        int length = (int) Math.min(size - from, MAX_PAGE_BYTES);
        byte[] bytes = new byte[length];
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
            raf.seek(from);
            raf.readFully(bytes);
        }
        int end = lastNewline(bytes);
        List<Map<String, Object>> entries = new ArrayList<>();
        int start = 0;
        for (int i = 0; i <= end; i++) {
            if (bytes[i] == '\n') {
                String line = new String(bytes, start, i - start, StandardCharsets.UTF_8);
                if (!line.isBlank()) {
                    entries.add(parse(line));
                }
                start = i + 1;
            }
        }
        return new Page(entries, from + end + 1);
    }

    private static int lastNewline(byte[] bytes) {
        for (int i = bytes.length - 1; i >= 0; i--) {
            if (bytes[i] == '\n') {
                return i;
            }
        }
        return -1;
    }

    /**
     * Parses one access-log line ({@link AccessLogLine}) for the console: {@code in}, {@code out} and
     * {@code ms} become {@code bytesIn}, {@code bytesOut} and {@code durationMs}, numbers become numbers and
     * absent values are left out; unknown keys are kept as text.
     */
    static Map<String, Object> parse(String line) {
        Map<String, Object> out = new LinkedHashMap<>();
        AccessLogLine.parse(line).forEach((key, value) -> put(out, key, value));
        return out;
    }

    private static void put(Map<String, Object> out, String key, String value) {
        String name = switch (key) {
            case AccessLogLine.BYTES_IN -> "bytesIn";
            case AccessLogLine.BYTES_OUT -> "bytesOut";
            case AccessLogLine.MILLIS -> "durationMs";
            default -> key;
        };
        if (name.equals(AccessLogLine.STATUS) || name.equals("bytesIn") || name.equals("bytesOut")
                || name.equals("durationMs")) {
            try {
                out.put(name, Long.parseLong(value));
                return;
            } catch (NumberFormatException notANumber) {
                // keep it as text below
            }
        }
        out.put(name, value);
    }
}
