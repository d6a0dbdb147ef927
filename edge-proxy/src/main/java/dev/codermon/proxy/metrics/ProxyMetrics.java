package dev.codermon.proxy.metrics;

import dev.codermon.proxy.http.Refusal;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * Counts what the proxy does, for the admin port's {@code /metrics}: metrics of the Prometheus Java
 * client in a registry of the proxy's own, written by its Prometheus text format writer. The client's
 * counters and histogram are on the per-request path too: measured, recording a small request in them
 * costs well under 2% of the proxy's CPU per request, so no hand-made counters are kept (docs/proxy.md,
 * Metrics and health).
 */
public final class ProxyMetrics {

    private static final int STATUS_SLOTS = 600;
    /** Upper bounds of the upstream latency histogram, in seconds. */
    private static final double[] LATENCY_BOUNDS = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.builder().build();
    private final Counter responses = Counter.builder().name("codermon_proxy_responses_total")
            .help("Responses sent to clients, by status code and class (refusals included).")
            .labelNames("code", "class").withoutExemplars().register(registry);
    /** The responses counter's data point per status code 100-599, so a request looks up no labels. */
    private final AtomicReferenceArray<CounterDataPoint> byStatus = new AtomicReferenceArray<>(STATUS_SLOTS);
    private final Counter refusals = Counter.builder().name("codermon_proxy_refusals_total")
            .help("Requests the proxy answered itself, by reason.")
            .labelNames("code", "reason").withoutExemplars().register(registry);
    private final Counter received = Counter.builder().name("codermon_proxy_received_bytes_total")
            .help("Body bytes received from clients.").withoutExemplars().register(registry);
    private final Counter sent = Counter.builder().name("codermon_proxy_sent_bytes_total")
            .help("Body bytes sent to clients.").withoutExemplars().register(registry);
    private final Histogram upstreamLatency = Histogram.builder().name("codermon_proxy_upstream_latency_seconds")
            .help("Time from a request head to the first byte of its upstream response.")
            .classicOnly().classicUpperBounds(LATENCY_BOUNDS).withoutExemplars().register(registry);
    private final LongAdder openTunnels = new LongAdder();
    private final LongAdder openWebSockets = new LongAdder();
    private final LongAdder openSshTunnels = new LongAdder();
    private final Counter sshTunnels = Counter.builder().name("codermon_proxy_ssh_tunnels_total")
            .help("SSH tunnels opened (CONNECT <workspace host>:22).").withoutExemplars().register(registry);
    private volatile LongSupplier openConnections = () -> 0;

    public ProxyMetrics() {
        gauge("codermon_proxy_open_connections", "Open client connections.", () -> openConnections.getAsLong());
        gauge("codermon_proxy_open_tunnels", "Open CONNECT tunnels.", openTunnels::sum);
        gauge("codermon_proxy_open_websockets", "Open WebSocket relays.", openWebSockets::sum);
        gauge("codermon_proxy_open_ssh_tunnels", "Open SSH tunnels (also counted as open tunnels).", openSshTunnels::sum);
    }

    private void gauge(String name, String help, LongSupplier value) {
        GaugeWithCallback.builder().name(name).help(help)
                .callback(callback -> callback.call(value.getAsLong())).register(registry);
    }

    /** Sets where the open-connection gauge comes from. */
    public void openConnections(LongSupplier gauge) {
        this.openConnections = gauge;
    }

    public void response(int status) {
        if (status < 100 || status >= STATUS_SLOTS) {
            responses.labelValues(Integer.toString(status), status / 100 + "xx").inc();
            return;
        }
        CounterDataPoint point = byStatus.getAcquire(status);
        if (point == null) {
            // Threads racing here get the same data point from the counter: the slot is only a shortcut.
            point = responses.labelValues(Integer.toString(status), status / 100 + "xx");
            byStatus.setRelease(status, point);
        }
        point.inc();
    }

    public void refused(Refusal refusal) {
        refusals.labelValues(Integer.toString(refusal.status().code()), refusal.reason()).inc();
    }

    public void received(long bytes) {
        received.inc(bytes);
    }

    public void sent(long bytes) {
        sent.inc(bytes);
    }

    public void tunnels(int delta) {
        openTunnels.add(delta);
    }

    /** Counts an SSH tunnel opening (+1) or closing (-1). */
    public void sshTunnels(int delta) {
        openSshTunnels.add(delta);
        if (delta > 0) {
            sshTunnels.inc();
        }
    }

    public void webSockets(int delta) {
        openWebSockets.add(delta);
    }

    public long openWebSockets() {
        return openWebSockets.sum();
    }

    /** Records the time from a request head to its upstream's response head. */
    public void upstreamLatency(long nanos) {
        upstreamLatency.observe(nanos / 1e9);
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
