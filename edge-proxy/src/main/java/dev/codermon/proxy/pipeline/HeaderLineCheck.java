package dev.codermon.proxy.pipeline;

import static java.nio.charset.StandardCharsets.US_ASCII;

import dev.codermon.proxy.http.Refusal;
import io.netty.buffer.ByteBuf;

/**
 * Checks the raw header lines of one request head for what Netty's decoder would accept after
 * normalising it: folded lines, a {@code Transfer-Encoding} other than exactly {@code chunked}, and
 * more than one or a non-numeric {@code Content-Length} (Netty merges identical ones for HTTP/1.0).
 * Only a line's first bytes are kept; those are all the checks need.
 */
final class HeaderLineCheck {

    private static final int CAPTURE = 64;
    private static final byte[] TRANSFER_ENCODING = "transfer-encoding:".getBytes(US_ASCII);
    private static final byte[] CHUNKED = "chunked".getBytes(US_ASCII);
    private static final byte[] CONTENT_LENGTH = "content-length:".getBytes(US_ASCII);

    private final byte[] line = new byte[CAPTURE];
    private int lineLength;
    private int lengthsInHead;

    /** Adds bytes {@code from} (inclusive) to {@code to} (exclusive) of the buffer to the current line (no LF). */
    void add(ByteBuf buf, int from, int to) {
        int n = to - from;
        if (lineLength < CAPTURE) {
            buf.getBytes(from, line, lineLength, Math.min(n, CAPTURE - lineLength));
        }
        lineLength += n;
    }

    /** Ends the current line at its LF and returns its length without the CR. */
    int endLine() {
        int length = lineLength > 0 && lineLength <= CAPTURE && line[lineLength - 1] == '\r'
                ? lineLength - 1 : lineLength;
        lineLength = 0;
        return length;
    }

    /** Forgets the head's Content-Length count. */
    void endHead() {
        lengthsInHead = 0;
        lineLength = 0;
    }

    /** Returns why the header line just ended (of the given length) is refused, or null. */
    Refusal check(int length) {
        if (line[0] == ' ' || line[0] == '\t') {
            return Refusal.FOLDED_HEADER;
        }
        if (startsWithIgnoreCase(CONTENT_LENGTH, length)) {
            // Netty merges identical duplicates for HTTP/1.0; refuse them here for every version.
            boolean valid = ++lengthsInHead == 1 && isDigitsValue(CONTENT_LENGTH.length, length);
            return valid ? null : Refusal.AMBIGUOUS_FRAMING;
        }
        if (!startsWithIgnoreCase(TRANSFER_ENCODING, length)) {
            return null;
        }
        if (length > CAPTURE) {
            return Refusal.AMBIGUOUS_FRAMING;
        }
        int valueStart = TRANSFER_ENCODING.length;
        while (valueStart < length && line[valueStart] == ' ') {
            valueStart++;
        }
        if (length - valueStart != CHUNKED.length) {
            return Refusal.AMBIGUOUS_FRAMING;
        }
        for (int i = 0; i < CHUNKED.length; i++) {
            if (line[valueStart + i] != CHUNKED[i]) {
                return Refusal.AMBIGUOUS_FRAMING;
            }
        }
        return null;
    }

    private boolean isDigitsValue(int valueStart, int length) {
        if (length > CAPTURE) {
            return false;
        }
        int i = valueStart;
        while (i < length && line[i] == ' ') {
            i++;
        }
        if (i == length) {
            return false;
        }
        for (; i < length; i++) {
            if (line[i] < '0' || line[i] > '9') {
                return false;
            }
        }
        return true;
    }

    private boolean startsWithIgnoreCase(byte[] prefix, int length) {
        if (length < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (Character.toLowerCase(line[i]) != prefix[i]) {
                return false;
            }
        }
        return true;
    }
}
