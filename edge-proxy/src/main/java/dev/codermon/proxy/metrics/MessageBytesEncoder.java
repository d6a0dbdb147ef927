package dev.codermon.proxy.metrics;

import static java.nio.charset.StandardCharsets.UTF_8;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.encoder.EncoderBase;

/**
 * Encodes a logging event as its message's UTF-8 bytes and nothing else: the access log's batches are
 * whole lines already (see {@link AccessLog}), so a pattern layout would only copy each 64 KiB batch
 * into a growing buffer and again into a string before encoding it.
 */
public final class MessageBytesEncoder extends EncoderBase<ILoggingEvent> {

    private static final byte[] NONE = new byte[0];

    @Override
    public byte[] headerBytes() {
        return NONE;
    }

    @Override
    public byte[] encode(ILoggingEvent event) {
        return event.getFormattedMessage().getBytes(UTF_8);
    }

    @Override
    public byte[] footerBytes() {
        return NONE;
    }
}
