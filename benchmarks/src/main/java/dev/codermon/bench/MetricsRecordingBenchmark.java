package dev.codermon.bench;

import dev.codermon.proxy.metrics.ProxyMetrics;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.concurrent.TimeUnit;
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
 * event loops: the proxy's {@link ProxyMetrics} (per-thread shards that the Prometheus client collects
 * when scraped) against the Prometheus Java client's own {@code Counter}s and classic {@code Histogram}
 * on the request path. JMH's threads are not Netty's, so the shards pay a slower thread-local lookup
 * here than on an event loop.
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

    private final ProxyMetrics proxyMetrics = new ProxyMetrics();
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Counter responses = Counter.builder().name("responses_total").labelNames("code", "class")
            .withoutExemplars().register(registry);
    private final Counter received = Counter.builder().name("received_bytes_total").withoutExemplars().register(registry);
    private final Counter sent = Counter.builder().name("sent_bytes_total").withoutExemplars().register(registry);
    private final Histogram latency = Histogram.builder().name("latency_seconds").classicOnly()
            .classicUpperBounds(BOUNDS).withoutExemplars().register(registry);
    /** The 200 series' data point, looked up once (as the proxy did per status code when it used the client). */
    private final CounterDataPoint ok = responses.labelValues("200", "2xx");

    /** One small request as the proxy records it: its body bytes, its latency and its response head. */
    @Benchmark
    public void proxyMetrics() {
        proxyMetrics.received(0);
        proxyMetrics.upstreamLatency(180_000);
        proxyMetrics.sent(128);
        proxyMetrics.response(200);
    }

    /** The same request in the Prometheus client's own counters and histogram. */
    @Benchmark
    public void clientMetrics() {
        received.inc(0);
        latency.observe(180_000 / 1e9);
        sent.inc(128);
        ok.inc();
    }
}
