package dev.codermon.proxy.testing;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBufAllocator;
import org.junit.jupiter.api.Test;

class LeakDetectionExtensionTest {

    @Test
    void an_unreleased_buffer_is_reported() throws InterruptedException {
        LeakDetectionExtension.checkNow();
        assertFalse(LeakDetectionExtension.takeLeaks(), "leak left over from an earlier test");
        leakOneBuffer();
        LeakDetectionExtension.checkNow();
        assertTrue(LeakDetectionExtension.takeLeaks(), "the leak detector did not see a leaked buffer");
    }

    private static void leakOneBuffer() {
        ByteBufAllocator.DEFAULT.buffer(32).writeInt(42);
    }
}
