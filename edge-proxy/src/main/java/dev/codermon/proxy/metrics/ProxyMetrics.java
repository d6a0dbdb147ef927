package dev.codermon.proxy.metrics;

import dev.codermon.proxy.http.Refusal;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * Counts what the proxy does, for the admin port's {@code /metrics}. Updated from event loops with
 * {@link LongAdder}s (no locks); rendered in the Prometheus text exposition format.
 */
public final class ProxyMetrics {

    /** Upper bounds of the upstream latency histogram, in seconds. */
    private static final double[] LATENCY_BOUNDS = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};

    /** Status codes 100 to 599 by code; anything else counts under {@link #responsesOther}. */
    private final LongAdder[] responses = new LongAdder[600];
    private final Map<Integer, LongAdder> responsesOther = new ConcurrentHashMap<>();
    private final Map<Refusal, LongAdder> refusals = new ConcurrentHashMap<>();
    private final LongAdder receivedBytes = new LongAdder();
    private final LongAdder sentBytes = new LongAdder();
    private final LongAdder openTunnels = new LongAdder();
    private final LongAdder openWebSockets = new LongAdder();
    private final LongAdder[] latencyBuckets = new LongAdder[LATENCY_BOUNDS.length + 1];
    private final LongAdder latencyMicros = new LongAdder();
    private LongSupplier openConnections = () -> 0;

    public ProxyMetrics() {
        for (int code = 100; code < responses.length; code++) {
            responses[code] = new LongAdder();
        }
        for (int i = 0; i < latencyBuckets.length; i++) {
            latencyBuckets[i] = new LongAdder();
        }
    }

    /** Sets where the open-connection gauge comes from. */
    public void openConnections(LongSupplier gauge) {
        this.openConnections = gauge;
    }

    public void response(int status) {
        if (status >= 100 && status < responses.length) {
            responses[status].increment();
        } else {
            responsesOther.computeIfAbsent(status, s -> new LongAdder()).increment();
        }
    }

    public void refused(Refusal refusal) {
        refusals.computeIfAbsent(refusal, r -> new LongAdder()).increment();
    }

    public void received(long bytes) {
        receivedBytes.add(bytes);
    }

    public void sent(long bytes) {
        sentBytes.add(bytes);
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
        while (bucket < LATENCY_BOUNDS.length && seconds > LATENCY_BOUNDS[bucket]) {
            bucket++;
        }
        latencyBuckets[bucket].increment();
        latencyMicros.add(nanos / 1000);
    }

    /** Renders every metric in the Prometheus text exposition format (version 0.0.4). */
    public String render() {
        StringBuilder out = new StringBuilder(4096);
        header(out, "codermon_proxy_responses_total", "counter",
                "Responses sent to clients, by status code and class (refusals included).");
        Map<Integer, LongAdder> seen = new TreeMap<>(responsesOther);
        for (int code = 100; code < responses.length; code++) {
            if (responses[code].sum() > 0) {
                seen.put(code, responses[code]);
            }
        }
        seen.forEach((code, count) -> out.append("codermon_proxy_responses_total{code=\"")
                .append(code).append("\",class=\"").append(code / 100).append("xx\"} ")
                .append(count.sum()).append('\n'));
        header(out, "codermon_proxy_refusals_total", "counter", "Requests the proxy answered itself, by reason.");
        refusals.forEach((refusal, count) -> out.append("codermon_proxy_refusals_total{code=\"")
                .append(refusal.status().code()).append("\",reason=\"").append(escape(refusal.reason())).append("\"} ")
                .append(count.sum()).append('\n'));
        gauge(out, "codermon_proxy_open_connections", "Open client connections.", openConnections.getAsLong());
        gauge(out, "codermon_proxy_open_tunnels", "Open CONNECT tunnels.", openTunnels.sum());
        gauge(out, "codermon_proxy_open_websockets", "Open WebSocket relays.", openWebSockets.sum());
        header(out, "codermon_proxy_received_bytes_total", "counter", "Body bytes received from clients.");
        out.append("codermon_proxy_received_bytes_total ").append(receivedBytes.sum()).append('\n');
        header(out, "codermon_proxy_sent_bytes_total", "counter", "Body bytes sent to clients.");
        out.append("codermon_proxy_sent_bytes_total ").append(sentBytes.sum()).append('\n');
        header(out, "codermon_proxy_upstream_latency_seconds", "histogram",
                "Time from a request head to the first byte of its upstream response.");
        long cumulative = 0;
        for (int i = 0; i < LATENCY_BOUNDS.length; i++) {
            cumulative += latencyBuckets[i].sum();
            out.append("codermon_proxy_upstream_latency_seconds_bucket{le=\"").append(LATENCY_BOUNDS[i]).append("\"} ")
                    .append(cumulative).append('\n');
        }
        cumulative += latencyBuckets[LATENCY_BOUNDS.length].sum();
        out.append("codermon_proxy_upstream_latency_seconds_bucket{le=\"+Inf\"} ").append(cumulative).append('\n');
        out.append("codermon_proxy_upstream_latency_seconds_sum ").append(latencyMicros.sum() / 1e6).append('\n');
        out.append("codermon_proxy_upstream_latency_seconds_count ").append(cumulative).append('\n');
        return out.toString();
    }

    private static void gauge(StringBuilder out, String name, String help, long value) {
        header(out, name, "gauge", help);
        out.append(name).append(' ').append(value).append('\n');
    }

    private static void header(StringBuilder out, String name, String type, String help) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    private static String escape(String value) {
        return value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }
}
