package dev.codermon.proxy.metrics;

import static java.nio.charset.StandardCharsets.UTF_8;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.encoder.EncoderBase;
import java.util.Arrays;

/**
 * Encodes a logging event as its message's UTF-8 bytes and a newline, what the pattern {@code %msg%n}
 * gives: the access log's events are batches of lines (see {@link AccessLog}), and a pattern layout
 * would copy each 64 KiB batch into a growing buffer and again into a string before encoding it.
 */
public final class MessageBytesEncoder extends EncoderBase<ILoggingEvent> {

    private static final byte[] NONE = new byte[0];

    @Override
    public byte[] headerBytes() {
        return NONE;
    }

    @Override
    public byte[] encode(ILoggingEvent event) {
        byte[] message = event.getFormattedMessage().getBytes(UTF_8);
        byte[] line = Arrays.copyOf(message, message.length + 1);
        line[message.length] = '\n';
        return line;
    }

    @Override
    public byte[] footerBytes() {
        return NONE;
    }
}
