package dev.codermon.proxy.testing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.stream.ChunkedInput;
import java.util.Random;
import java.util.zip.CRC32;

/** A large, deterministic body: one fixed 64 KiB block repeated, generated as it is sent (never stored). */
public final class PatternBody implements ChunkedInput<ByteBuf> {

    public static final byte[] BLOCK = new byte[64 * 1024];

    static {
        new Random(42).nextBytes(BLOCK);
    }

    private final long length;
    private long sent;

    public PatternBody(long length) {
        this.length = length;
    }

    /** Returns the CRC-32 of the first {@code length} bytes of the pattern. */
    public static long crc(long length) {
        CRC32 crc = new CRC32();
        for (long done = 0; done < length; done += BLOCK.length) {
            crc.update(BLOCK, 0, (int) Math.min(BLOCK.length, length - done));
        }
        return crc.getValue();
    }

    @Override
    public boolean isEndOfInput() {
        return sent >= length;
    }

    @Override
    public void close() {
    }

    @Deprecated
    @Override
    public ByteBuf readChunk(ChannelHandlerContext ctx) {
        return readChunk(ctx.alloc());
    }

    @Override
    public ByteBuf readChunk(ByteBufAllocator allocator) {
        if (isEndOfInput()) {
            return null;
        }
        int n = (int) Math.min(BLOCK.length, length - sent);
        sent += n;
        return allocator.buffer(n).writeBytes(BLOCK, 0, n);
    }

    @Override
    public long length() {
        return length;
    }

    @Override
    public long progress() {
        return sent;
    }
}
