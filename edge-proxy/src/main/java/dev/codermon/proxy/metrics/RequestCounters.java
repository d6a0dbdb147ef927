package dev.codermon.proxy.metrics;

import io.netty.util.concurrent.FastThreadLocal;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot.HistogramDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * The counters every request touches (responses by status, body bytes, the upstream latency histogram),
 * kept per thread and handed to the Prometheus client as snapshots when {@code /metrics} is scraped: the
 * client's registry and text writer expose them like its own metrics.
 *
 * <p>Each thread (an event loop) writes only its own shard, with a plain read and an opaque write, no
 * atomic instruction; a scrape sums the shards. Measured with {@code scripts/bench} side by side: the
 * client's own {@code Counter} and {@code Histogram} on this path (shared adders, and an atomic
 * observation count per data point that both event loops write) cost more than the 2% of CPU per small
 * request that issue 14 allows (docs/proxy.md, "Metrics and health").
 */
final class RequestCounters implements MultiCollector {

    private static final int STATUS_SLOTS = 600;
    /** Upper bounds of the upstream latency histogram, in seconds; +Inf is the last bucket. */
    private static final double[] LATENCY_BOUNDS = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};
    private static final int RECEIVED = STATUS_SLOTS;
    private static final int SENT = RECEIVED + 1;
    private static final int LATENCY_NANOS = SENT + 1;
    private static final int LATENCY_BUCKETS = LATENCY_NANOS + 1;
    private static final int SLOTS = LATENCY_BUCKETS + LATENCY_BOUNDS.length + 1;

    /** One thread's counts: statuses 100-599 by code, bytes, latency sum and buckets. */
    private static final class Shard {
        final AtomicLongArray counts = new AtomicLongArray(SLOTS);

        void add(int slot, long n) {
            // Only the owning thread writes: a plain read and an opaque write (a plain store on x86).
            counts.setOpaque(slot, counts.getPlain(slot) + n);
        }
    }

    private final List<Shard> shards = new CopyOnWriteArrayList<>();
    /** A Netty thread-local: an array slot on event-loop threads instead of a ThreadLocal map probe. */
    private final FastThreadLocal<Shard> shard = new FastThreadLocal<>() {
        @Override
        protected Shard initialValue() {
            Shard created = new Shard();
            shards.add(created);
            return created;
        }
    };

    /** Status codes outside 100 to 599 (which the shards count by code): rare, so shared adders. */
    private final Map<Integer, LongAdder> otherStatuses = new ConcurrentSkipListMap<>();

    /** Counts a response by its status code. */
    void response(int status) {
        if (status >= 100 && status < STATUS_SLOTS) {
            shard.get().add(status, 1);
        } else {
            otherStatuses.computeIfAbsent(status, s -> new LongAdder()).increment();
        }
    }

    void received(long bytes) {
        shard.get().add(RECEIVED, bytes);
    }

    void sent(long bytes) {
        shard.get().add(SENT, bytes);
    }

    void upstreamLatency(long nanos) {
        int bucket = 0;
        double seconds = nanos / 1e9;
        while (bucket < LATENCY_BOUNDS.length && seconds > LATENCY_BOUNDS[bucket]) {
            bucket++;
        }
        Shard mine = shard.get();
        mine.add(LATENCY_BUCKETS + bucket, 1);
        mine.add(LATENCY_NANOS, nanos);
    }

    private long sum(int slot) {
        long total = 0;
        for (Shard s : shards) {
            total += s.counts.getOpaque(slot);
        }
        return total;
    }

    @Override
    public MetricSnapshots collect() {
        CounterSnapshot.Builder responses = CounterSnapshot.builder().name("codermon_proxy_responses")
                .help("Responses sent to clients, by status code and class (refusals included).");
        for (int code = 100; code < STATUS_SLOTS; code++) {
            long count = sum(code);
            if (count > 0) {
                responses.dataPoint(response(code, count));
            }
        }
        otherStatuses.forEach((code, count) -> responses.dataPoint(response(code, count.sum())));
        long[] buckets = new long[LATENCY_BOUNDS.length + 1];
        double[] bounds = new double[LATENCY_BOUNDS.length + 1];
        for (int i = 0; i < buckets.length; i++) {
            buckets[i] = sum(LATENCY_BUCKETS + i);
            bounds[i] = i < LATENCY_BOUNDS.length ? LATENCY_BOUNDS[i] : Double.POSITIVE_INFINITY;
        }
        HistogramSnapshot latency = HistogramSnapshot.builder().name("codermon_proxy_upstream_latency_seconds")
                .help("Time from a request head to the first byte of its upstream response.")
                .dataPoint(HistogramDataPointSnapshot.builder()
                        .classicHistogramBuckets(ClassicHistogramBuckets.of(bounds, buckets))
                        .sum(sum(LATENCY_NANOS) / 1e9).build())
                .build();
        return MetricSnapshots.of(responses.build(),
                counter("codermon_proxy_received_bytes", "Body bytes received from clients.", sum(RECEIVED)),
                counter("codermon_proxy_sent_bytes", "Body bytes sent to clients.", sum(SENT)),
                latency);
    }

    private static CounterDataPointSnapshot response(int code, long count) {
        return CounterDataPointSnapshot.builder().value(count)
                .labels(Labels.of("code", Integer.toString(code), "class", code / 100 + "xx")).build();
    }

    private static CounterSnapshot counter(String name, String help, long value) {
        return CounterSnapshot.builder().name(name).help(help)
                .dataPoint(CounterDataPointSnapshot.builder().value(value).build()).build();
    }

    @Override
    public List<String> getPrometheusNames() {
        return List.of("codermon_proxy_responses", "codermon_proxy_received_bytes", "codermon_proxy_sent_bytes",
                "codermon_proxy_upstream_latency_seconds");
    }
}
