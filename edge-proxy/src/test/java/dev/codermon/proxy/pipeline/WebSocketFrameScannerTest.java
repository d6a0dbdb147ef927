package dev.codermon.proxy.pipeline;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.ByteArrayOutputStream;
import org.junit.jupiter.api.Test;

class WebSocketFrameScannerTest {

    /** Returns a masked client frame with the opcode and payload length (payload bytes all 0x89, a ping opcode). */
    private static byte[] frame(int opcode, int length) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0x80 | opcode);
        if (length < 126) {
            out.write(0x80 | length);
        } else if (length < 65536) {
            out.write(0x80 | 126);
            out.write(length >> 8);
            out.write(length & 0xff);
        } else {
            out.write(0x80 | 127);
            for (int shift = 56; shift >= 0; shift -= 8) {
                out.write((int) ((long) length >> shift) & 0xff);
            }
        }
        out.writeBytes(new byte[] {1, 2, 3, 4});
        for (int i = 0; i < length; i++) {
            out.write(0x89);
        }
        return out.toByteArray();
    }

    private static boolean scan(WebSocketFrameScanner scanner, byte[] bytes) {
        ByteBuf buf = Unpooled.wrappedBuffer(bytes);
        try {
            boolean counted = scanner.scan(buf);
            assertTrue(buf.readerIndex() == 0, "the scanner consumed bytes");
            return counted;
        } finally {
            buf.release();
        }
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    @Test
    void pings_and_pongs_are_not_counted() {
        WebSocketFrameScanner scanner = new WebSocketFrameScanner();
        assertFalse(scan(scanner, concat(frame(0x9, 4), frame(0xA, 4), frame(0x9, 0))));
    }

    @Test
    void text_binary_continuation_and_close_are_counted() {
        for (int opcode : new int[] {0x0, 0x1, 0x2, 0x8}) {
            assertTrue(scan(new WebSocketFrameScanner(), frame(opcode, 3)), "opcode " + opcode);
        }
    }

    @Test
    void payload_bytes_that_look_like_headers_are_skipped_across_chunks() {
        WebSocketFrameScanner scanner = new WebSocketFrameScanner();
        byte[] ping = frame(0x9, 125);
        byte[] bigPing = frame(0x9, 70_000);
        byte[] text = frame(0x1, 300);
        assertFalse(scan(scanner, concat(ping, java.util.Arrays.copyOf(bigPing, 5))));
        assertFalse(scan(scanner, java.util.Arrays.copyOfRange(bigPing, 5, 40_000)));
        assertFalse(scan(scanner, java.util.Arrays.copyOfRange(bigPing, 40_000, bigPing.length)));
        assertTrue(scan(scanner, concat(text, frame(0x9, 2))));
        assertFalse(scan(scanner, frame(0xA, 2)));
    }

    @Test
    void a_header_split_byte_by_byte_is_followed() {
        WebSocketFrameScanner scanner = new WebSocketFrameScanner();
        byte[] bytes = concat(frame(0x9, 200), frame(0x2, 1));
        boolean counted = false;
        for (byte b : bytes) {
            counted |= scan(scanner, new byte[] {b});
        }
        assertTrue(counted);
        assertFalse(scan(scanner, frame(0x9, 1)));
    }
}
