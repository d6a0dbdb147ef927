package dev.codermon.proxy.metrics;

import dev.codermon.proxy.http.Refusal;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.DoubleSupplier;
import java.util.function.LongSupplier;

/**
 * Counts what the proxy does, for the admin port's {@code /metrics}: a registry of the proxy's own, written
 * by the Prometheus Java client's text format writer. The counters every request touches are
 * {@link RequestCounters}, per-thread shards collected at scrape time (the client's own counters cost more
 * than 2% of CPU per small request there, measured); refusals and the gauges are the client's metrics.
 */
public final class ProxyMetrics {

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.builder().build();
    private final RequestCounters perRequest = new RequestCounters();
    private final Counter refusals = Counter.builder().name("codermon_proxy_refusals_total")
            .help("Requests the proxy answered itself, by reason.")
            .labelNames("code", "reason").withoutExemplars().register(registry);
    private final LongAdder openTunnels = new LongAdder();
    private final LongAdder openWebSockets = new LongAdder();
    private final LongAdder openSshTunnels = new LongAdder();
    private final Counter sshTunnels = Counter.builder().name("codermon_proxy_ssh_tunnels_total")
            .help("SSH tunnels opened (CONNECT <workspace host>:22).").withoutExemplars().register(registry);
    private volatile LongSupplier openConnections = () -> 0;

    public ProxyMetrics() {
        registry.register(perRequest);
        gauge("codermon_proxy_open_connections", "Open client connections.", () -> openConnections.getAsLong());
        gauge("codermon_proxy_open_tunnels", "Open CONNECT tunnels.", openTunnels::sum);
        gauge("codermon_proxy_open_websockets", "Open WebSocket relays.", openWebSockets::sum);
        gauge("codermon_proxy_open_ssh_tunnels", "Open SSH tunnels (also counted as open tunnels).", openSshTunnels::sum);
    }

    private void gauge(String name, String help, LongSupplier value) {
        GaugeWithCallback.builder().name(name).help(help)
                .callback(callback -> callback.call(value.getAsLong())).register(registry);
    }

    /**
     * Registers the route table's metrics: routes held, the change-log version they reflect, the seconds since
     * the store was last read successfully, and how many times everything was read.
     */
    public void routeTable(LongSupplier routes, LongSupplier version, DoubleSupplier secondsSinceRead,
            LongSupplier reloads) {
        gauge("codermon_proxy_routes", "Routes held in memory.", routes);
        gauge("codermon_proxy_route_version", "Version of the store's change log the route table reflects"
                + " (-1: never loaded).", version);
        GaugeWithCallback.builder().name("codermon_proxy_route_store_read_age_seconds")
                .help("Seconds since the route store was last read successfully (since the start if never).")
                .callback(callback -> callback.call(secondsSinceRead.getAsDouble())).register(registry);
        CounterWithCallback.builder().name("codermon_proxy_route_reloads_total")
                .help("Times the whole route table was read from the store.")
                .callback(callback -> callback.call(reloads.getAsLong())).register(registry);
    }

    /** Registers the node relay's metrics: connections accepted from other nodes' proxies, and open now. */
    public void relay(LongSupplier accepted, LongSupplier open) {
        CounterWithCallback.builder().name("codermon_proxy_relay_connections_total")
                .help("Connections this node's relay accepted (other nodes' proxies; refused ones too).")
                .callback(callback -> callback.call(accepted.getAsLong())).register(registry);
        gauge("codermon_proxy_relay_open_connections", "Open connections of this node's relay (multiplexed, relaying"
                + " one connection, or deciding).", open);
    }

    /** Sets where the open-connection gauge comes from. */
    public void openConnections(LongSupplier gauge) {
        this.openConnections = gauge;
    }

    public void response(int status) {
        perRequest.response(status);
    }

    public void refused(Refusal refusal) {
        refusals.labelValues(Integer.toString(refusal.status().code()), refusal.reason()).inc();
    }

    public void received(long bytes) {
        perRequest.received(bytes);
    }

    public void sent(long bytes) {
        perRequest.sent(bytes);
    }

    /** Counts a raw relay opening (+1) or closing (-1): an SSH tunnel, or else a WebSocket. */
    public void relays(boolean ssh, int delta) {
        if (ssh) {
            sshTunnels(delta);
        } else {
            webSockets(delta);
        }
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
        perRequest.upstreamLatency(nanos);
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
    public String render() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(4096);
        try {
            write(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
