package dev.codermon.proxy.pipeline;

import io.netty.util.ByteProcessor;

/** Finds the next CR LF CR LF, across buffers. */
final class EndOfMessageFinder implements ByteProcessor {

    private int matched;

    void reset() {
        matched = 0;
    }

    @Override
    public boolean process(byte value) {
        boolean expectedCr = (matched & 1) == 0;
        if (value == (expectedCr ? '\r' : '\n')) {
            matched++;
        } else {
            matched = value == '\r' ? 1 : 0;
        }
        if (matched == 4) {
            // The last CR LF may begin the next match.
            matched = 2;
            return false;
        }
        return true;
    }
}
