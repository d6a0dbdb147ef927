package dev.codermon.proxy.pipeline;

import io.netty.buffer.ByteBuf;

/**
 * Follows the frame boundaries of one direction of a WebSocket byte stream (RFC 6455 §5.2) without
 * copying or buffering: it reads only frame headers, which may be split across chunks, and skips
 * payloads by length. Tells whether a chunk started a data frame (text, binary, continuation) or a
 * close frame; control frames that only keep the connection alive (ping, pong) do not count.
 * Used on one event loop only.
 */
final class WebSocketFrameScanner {

    private static final int OPCODE_CONTINUATION = 0x0;
    private static final int OPCODE_TEXT = 0x1;
    private static final int OPCODE_BINARY = 0x2;
    private static final int OPCODE_CLOSE = 0x8;

    private long payloadLeft;
    private int headerRead;
    private int headerLength;
    private int extendedLengthBytes;
    private int opcode;
    private long payloadLength;

    /** Returns whether the bytes (not consumed) started at least one data or close frame. */
    boolean scan(ByteBuf bytes) {
        boolean counted = false;
        int i = bytes.readerIndex();
        int end = bytes.writerIndex();
        while (i < end) {
            if (payloadLeft > 0) {
                int skip = (int) Math.min(payloadLeft, end - i);
                payloadLeft -= skip;
                i += skip;
                continue;
            }
            counted |= headerByte(bytes.getUnsignedByte(i++));
        }
        return counted;
    }

    /** Consumes one header byte; returns whether it completed the header of a counted frame. */
    private boolean headerByte(int b) {
        if (headerRead == 0) {
            opcode = b & 0x0f;
            headerRead = 1;
            return false;
        }
        if (headerRead == 1) {
            int length = b & 0x7f;
            extendedLengthBytes = length == 126 ? 2 : length == 127 ? 8 : 0;
            headerLength = 2 + extendedLengthBytes + ((b & 0x80) != 0 ? 4 : 0);
            payloadLength = extendedLengthBytes == 0 ? length : 0;
        } else if (headerRead < 2 + extendedLengthBytes) {
            payloadLength = (payloadLength << 8) | b;
        }
        headerRead++;
        if (headerRead < headerLength) {
            return false;
        }
        headerRead = 0;
        payloadLeft = payloadLength;
        return opcode == OPCODE_TEXT || opcode == OPCODE_BINARY || opcode == OPCODE_CONTINUATION
                || opcode == OPCODE_CLOSE;
    }
}
