package dev.codermon.proxy.metrics;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import org.junit.jupiter.api.Test;

class MessageBytesEncoderTest {

    @Test
    void encodes_the_batch_as_its_utf8_bytes_and_a_newline() {
        LoggerContext context = new LoggerContext();
        String batch = "ts=1 path=/a\nts=2 path=\"/ü\"";
        LoggingEvent event = new LoggingEvent("test", context.getLogger(AccessLog.LOGGER), Level.INFO, batch, null,
                null);
        MessageBytesEncoder encoder = new MessageBytesEncoder();
        assertArrayEquals((batch + "\n").getBytes(UTF_8), encoder.encode(event));
        assertEquals(0, encoder.headerBytes().length);
        assertEquals(0, encoder.footerBytes().length);
    }
}
