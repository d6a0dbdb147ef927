package dev.codermon.proxy.metrics;

import dev.codermon.proxy.http.Refusal;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.Collector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot.HistogramDataPointSnapshot;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * Counts what the proxy does, for the admin port's {@code /metrics}: a registry of the Prometheus Java
 * client, written in its Prometheus text exposition format. The rare metrics are the client's own
 * (refusals) or its callback gauges; the per-request ones (responses by status, bytes, the latency
 * histogram) are {@link ThreadCounters}, which the client reads through its callback and collector API
 * when {@code /metrics} is scraped, because the client's own counters and histogram cost more than 2%
 * of the proxy's CPU per small request (measured with {@code scripts/bench}, see docs/proxy.md).
 */
public final class ProxyMetrics {

    private static final int STATUS_SLOTS = 600;
    private static final int RECEIVED = STATUS_SLOTS;
    private static final int SENT = RECEIVED + 1;
    private static final int LATENCY_MICROS = SENT + 1;
    private static final int LATENCY_BUCKETS = LATENCY_MICROS + 1;
    /** Upper bounds of the upstream latency histogram, in seconds; the last bucket is +Inf. */
    private static final double[] LATENCY_BOUNDS = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
        Double.POSITIVE_INFINITY};
    private static final String LATENCY = "codermon_proxy_upstream_latency_seconds";

    private final ThreadCounters counters = new ThreadCounters(LATENCY_BUCKETS + LATENCY_BOUNDS.length);
    /** Status codes outside 100 to 599 (which the thread counters count by code). */
    private final Map<Integer, LongAdder> responsesOther = new ConcurrentHashMap<>();
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.builder().build();
    private final Counter refusals = Counter.builder().name("codermon_proxy_refusals_total")
            .help("Requests the proxy answered itself, by reason.")
            .labelNames("code", "reason").withoutExemplars().register(registry);
    private final LongAdder openTunnels = new LongAdder();
    private final LongAdder openWebSockets = new LongAdder();
    private volatile LongSupplier openConnections = () -> 0;

    public ProxyMetrics() {
        CounterWithCallback.builder().name("codermon_proxy_responses_total")
                .help("Responses sent to clients, by status code and class (refusals included).")
                .labelNames("code", "class").callback(callback -> {
                    for (int code = 100; code < STATUS_SLOTS; code++) {
                        long count = counters.sum(code);
                        if (count > 0) {
                            callback.call(count, Integer.toString(code), code / 100 + "xx");
                        }
                    }
                    responsesOther.forEach((code, count) ->
                            callback.call(count.sum(), Integer.toString(code), code / 100 + "xx"));
                }).register(registry);
        counter("codermon_proxy_received_bytes_total", "Body bytes received from clients.", RECEIVED);
        counter("codermon_proxy_sent_bytes_total", "Body bytes sent to clients.", SENT);
        registry.register((Collector) this::latency);
        gauge("codermon_proxy_open_connections", "Open client connections.", () -> openConnections.getAsLong());
        gauge("codermon_proxy_open_tunnels", "Open CONNECT tunnels.", openTunnels::sum);
        gauge("codermon_proxy_open_websockets", "Open WebSocket relays.", openWebSockets::sum);
    }

    private void counter(String name, String help, int slot) {
        CounterWithCallback.builder().name(name).help(help)
                .callback(callback -> callback.call(counters.sum(slot))).register(registry);
    }

    private void gauge(String name, String help, LongSupplier value) {
        GaugeWithCallback.builder().name(name).help(help)
                .callback(callback -> callback.call(value.getAsLong())).register(registry);
    }

    private HistogramSnapshot latency() {
        long[] counts = new long[LATENCY_BOUNDS.length];
        Arrays.setAll(counts, i -> counters.sum(LATENCY_BUCKETS + i));
        return HistogramSnapshot.builder().name(LATENCY)
                .help("Time from a request head to the first byte of its upstream response.")
                .dataPoint(HistogramDataPointSnapshot.builder()
                        .classicHistogramBuckets(ClassicHistogramBuckets.of(LATENCY_BOUNDS, counts))
                        .sum(counters.sum(LATENCY_MICROS) / 1e6).build())
                .build();
    }

    /** Sets where the open-connection gauge comes from. */
    public void openConnections(LongSupplier gauge) {
        this.openConnections = gauge;
    }

    public void response(int status) {
        if (status >= 100 && status < STATUS_SLOTS) {
            counters.add(status, 1);
        } else {
            responsesOther.computeIfAbsent(status, s -> new LongAdder()).increment();
        }
    }

    public void refused(Refusal refusal) {
        refusals.labelValues(Integer.toString(refusal.status().code()), refusal.reason()).inc();
    }

    public void received(long bytes) {
        counters.add(RECEIVED, bytes);
    }

    public void sent(long bytes) {
        counters.add(SENT, bytes);
    }

    public void tunnels(int delta) {
        openTunnels.add(delta);
    }

    public void webSockets(int delta) {
        openWebSockets.add(delta);
    }

    public long openWebSockets() {
        return openWebSockets.sum();
    }

    /** Records the time from a request head to its upstream's response head. */
    public void upstreamLatency(long nanos) {
        double seconds = nanos / 1e9;
        int bucket = 0;
        while (bucket < LATENCY_BOUNDS.length - 1 && seconds > LATENCY_BOUNDS[bucket]) {
            bucket++;
        }
        counters.add(LATENCY_BUCKETS + bucket, 1);
        counters.add(LATENCY_MICROS, nanos / 1000);
    }

    /** Returns the content type of what {@link #write} writes. */
    String contentType() {
        return writer.getContentType();
    }

    /** Writes every metric in the Prometheus text exposition format (version 0.0.4). */
    void write(OutputStream out) throws IOException {
        writer.write(out, registry.scrape());
    }

    /** Returns every metric in the Prometheus text exposition format (version 0.0.4). */
    String render() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(4096);
        try {
            write(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
