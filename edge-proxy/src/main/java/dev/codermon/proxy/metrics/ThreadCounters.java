package dev.codermon.proxy.metrics;

import io.netty.util.concurrent.FastThreadLocal;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Holds a fixed number of counters, one copy per thread, each written only by its own thread (an event
 * loop) without atomic read-modify-write instructions, and summed when read. Measured: shared
 * {@code LongAdder}s cost the proxy more CPU per small request, mostly cells contended by the two
 * event loops (see docs/proxy.md, Metrics and health).
 */
final class ThreadCounters {

    /** One thread's counters. */
    private static final class Shard {
        final AtomicLongArray counts;

        Shard(int size) {
            counts = new AtomicLongArray(size);
        }

        void add(int slot, long n) {
            // Only the owning thread writes: a plain read and an opaque write (a plain store on x86).
            counts.setOpaque(slot, counts.getPlain(slot) + n);
        }
    }

    private final int size;
    private final List<Shard> shards = new CopyOnWriteArrayList<>();
    /** A Netty thread-local: an array slot on event-loop threads instead of a ThreadLocal map probe. */
    private final FastThreadLocal<Shard> shard = new FastThreadLocal<>() {
        @Override
        protected Shard initialValue() {
            Shard created = new Shard(size);
            shards.add(created);
            return created;
        }
    };

    ThreadCounters(int size) {
        this.size = size;
    }

    /** Adds {@code n} to counter {@code slot} of the calling thread. */
    void add(int slot, long n) {
        shard.get().add(slot, n);
    }

    /** Returns counter {@code slot} summed over every thread that ever wrote one. */
    long sum(int slot) {
        long total = 0;
        for (Shard s : shards) {
            total += s.counts.getOpaque(slot);
        }
        return total;
    }
}
