package dev.codermon.proxy.testing;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetric;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.netty.buffer.PooledByteBufAllocator;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/** Samples the growth of Netty's used buffer memory (this JVM) over a baseline, every 50 ms. */
public final class BufferMemoryWatch implements AutoCloseable {

    private final ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
    private final long baseline = used();
    private final AtomicLong peak = new AtomicLong();

    public BufferMemoryWatch() {
        sampler.scheduleAtFixedRate(() -> peak.accumulateAndGet(used() - baseline, Math::max),
                0, 50, TimeUnit.MILLISECONDS);
    }

    /** Returns the buffer memory Netty's allocators use now, in bytes. */
    public static long used() {
        long total = 0;
        for (Object allocator : new Object[] {ByteBufAllocator.DEFAULT, PooledByteBufAllocator.DEFAULT}) {
            if (allocator instanceof ByteBufAllocatorMetricProvider provider) {
                ByteBufAllocatorMetric metric = provider.metric();
                total += metric.usedDirectMemory() + metric.usedHeapMemory();
            }
        }
        return total;
    }

    /** Returns the largest growth over the baseline seen so far. */
    public long peak() {
        return peak.get();
    }

    @Override
    public void close() {
        sampler.shutdownNow();
    }
}
