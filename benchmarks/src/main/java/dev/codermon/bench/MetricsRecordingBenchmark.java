package dev.codermon.bench;

import dev.codermon.proxy.metrics.ProxyMetrics;
import io.netty.util.concurrent.FastThreadLocal;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Shows what recording one small request's metrics costs, on two threads at once as on the proxy's two
 * event loops: the proxy's {@link ProxyMetrics} (the Prometheus Java client's counters and histogram)
 * against the hand-made per-thread counters it used before (each thread writing its own array without
 * atomic read-modify-write, summed when scraped). JMH's threads are not Netty's, so the per-thread
 * counters pay a slower thread-local lookup here than on an event loop.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@Threads(2)
public class MetricsRecordingBenchmark {

    private static final double[] BOUNDS = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};
    private static final int RECEIVED = 600;
    private static final int SENT = 601;
    private static final int MICROS = 602;
    private static final int BUCKETS = 603;

    private final ProxyMetrics proxyMetrics = new ProxyMetrics();
    private final FastThreadLocal<AtomicLongArray> perThread = new FastThreadLocal<>() {
        @Override
        protected AtomicLongArray initialValue() {
            return new AtomicLongArray(BUCKETS + BOUNDS.length + 1);
        }
    };

    private static void add(AtomicLongArray counts, int slot, long n) {
        counts.setOpaque(slot, counts.getPlain(slot) + n);
    }

    /** One small request as the proxy records it: its body bytes, its latency and its response head. */
    @Benchmark
    public void proxyMetrics() {
        proxyMetrics.received(0);
        proxyMetrics.upstreamLatency(180_000);
        proxyMetrics.sent(128);
        proxyMetrics.response(200);
    }

    /** The same request in the former hand-made per-thread counters. */
    @Benchmark
    public void perThreadCounters() {
        long nanos = 180_000;
        add(perThread.get(), RECEIVED, 0);
        double seconds = nanos / 1e9;
        int bucket = 0;
        while (bucket < BOUNDS.length && seconds > BOUNDS[bucket]) {
            bucket++;
        }
        AtomicLongArray mine = perThread.get();
        add(mine, BUCKETS + bucket, 1);
        add(mine, MICROS, nanos / 1000);
        add(perThread.get(), SENT, 128);
        add(perThread.get(), 200, 1);
    }
}
