package dev.codermon.proxy.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codermon.proxy.http.Refusal;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ProxyMetricsTest {

    private final ProxyMetrics metrics = new ProxyMetrics();

    /** Returns the value of the sample line that starts with {@code series + " "}, or NaN if there is none. */
    private static double value(String text, String series) {
        return text.lines().filter(l -> l.startsWith(series + " "))
                .mapToDouble(l -> Double.parseDouble(l.substring(series.length() + 1).strip()))
                .findFirst().orElse(Double.NaN);
    }

    @Test
    void responses_are_counted_by_code_and_class_including_codes_outside_100_to_599() {
        metrics.response(200);
        metrics.response(200);
        metrics.response(407);
        metrics.response(600);
        String text = metrics.render();
        assertTrue(text.contains("# TYPE codermon_proxy_responses_total counter"), text);
        assertEquals(2, value(text, "codermon_proxy_responses_total{class=\"2xx\",code=\"200\"}"), text);
        assertEquals(1, value(text, "codermon_proxy_responses_total{class=\"4xx\",code=\"407\"}"), text);
        assertEquals(1, value(text, "codermon_proxy_responses_total{class=\"6xx\",code=\"600\"}"), text);
        assertFalse(text.contains("code=\"404\""), "codes never seen have no series: " + text);
    }

    @Test
    void the_route_table_is_reported_as_it_is_at_scrape_time() {
        long[] routes = {3};
        metrics.routeTable(() -> routes[0], () -> 17, () -> 2.5, () -> 4);
        routes[0] = 5;
        String text = metrics.render();
        assertEquals(5, value(text, "codermon_proxy_routes"), text);
        assertEquals(17, value(text, "codermon_proxy_route_version"), text);
        assertEquals(2.5, value(text, "codermon_proxy_route_store_read_age_seconds"), text);
        assertEquals(4, value(text, "codermon_proxy_route_reloads_total"), text);
        assertTrue(text.contains("# TYPE codermon_proxy_route_reloads_total counter"), text);
    }

    @Test
    void a_node_relay_reports_its_connections() {
        long[] open = {2};
        metrics.relay(() -> 7, () -> open[0]);
        open[0] = 3;
        String text = metrics.render();
        assertEquals(7, value(text, "codermon_proxy_relay_connections_total"), text);
        assertEquals(3, value(text, "codermon_proxy_relay_open_connections"), text);
        assertTrue(text.contains("# TYPE codermon_proxy_relay_connections_total counter"), text);
    }

    @Test
    void counters_written_by_several_threads_are_summed() throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> done = new java.util.ArrayList<>();
            for (int t = 0; t < 4; t++) {
                done.add(threads.submit(() -> {
                    for (int i = 0; i < 10_000; i++) {
                        metrics.response(204);
                        metrics.received(3);
                        metrics.sent(5);
                    }
                }));
            }
            for (Future<?> f : done) {
                f.get(30, TimeUnit.SECONDS);
            }
        } finally {
            threads.shutdownNow();
        }
        String text = metrics.render();
        assertEquals(40_000, value(text, "codermon_proxy_responses_total{class=\"2xx\",code=\"204\"}"), text);
        assertEquals(120_000, value(text, "codermon_proxy_received_bytes_total"), text);
        assertEquals(200_000, value(text, "codermon_proxy_sent_bytes_total"), text);
    }

    @Test
    void refusals_carry_code_and_reason_with_label_values_escaped() {
        metrics.refused(Refusal.CONNECTION_LIMIT);
        metrics.refused(new Refusal(HttpResponseStatus.BAD_REQUEST, "a \"quoted\" back\\slash"));
        String text = metrics.render();
        assertEquals(1, value(text, "codermon_proxy_refusals_total{code=\"503\",reason=\"proxy is at its connection limit\"}"),
                text);
        assertEquals(1, value(text, "codermon_proxy_refusals_total{code=\"400\",reason=\"a \\\"quoted\\\" back\\\\slash\"}"),
                text);
    }

    @Test
    void upstream_latency_is_a_cumulative_histogram_in_seconds() {
        metrics.upstreamLatency(3_000_000);        // 3 ms
        metrics.upstreamLatency(40_000_000);       // 40 ms
        metrics.upstreamLatency(60_000_000_000L);  // a minute: only +Inf holds it
        String text = metrics.render();
        String name = "codermon_proxy_upstream_latency_seconds";
        assertTrue(text.contains("# TYPE " + name + " histogram"), text);
        assertEquals(1, value(text, name + "_bucket{le=\"0.005\"}"), text);
        assertEquals(1, value(text, name + "_bucket{le=\"0.025\"}"), text);
        assertEquals(2, value(text, name + "_bucket{le=\"0.05\"}"), text);
        assertEquals(2, value(text, name + "_bucket{le=\"30.0\"}"), text);
        assertEquals(3, value(text, name + "_bucket{le=\"+Inf\"}"), text);
        assertEquals(3, value(text, name + "_count"), text);
        assertEquals(60.043, value(text, name + "_sum"), 1e-6, text);
    }

    @Test
    void gauges_show_open_connections_tunnels_and_websockets() {
        metrics.openConnections(() -> 7);
        metrics.tunnels(1);
        metrics.tunnels(1);
        metrics.tunnels(-1);
        metrics.webSockets(1);
        String text = metrics.render();
        assertTrue(text.contains("# TYPE codermon_proxy_open_connections gauge"), text);
        assertEquals(7, value(text, "codermon_proxy_open_connections"), text);
        assertEquals(1, value(text, "codermon_proxy_open_tunnels"), text);
        assertEquals(1, value(text, "codermon_proxy_open_websockets"), text);
        assertEquals(1, metrics.openWebSockets());
    }

    @Test
    void ssh_tunnels_are_counted_and_gauged() {
        metrics.sshTunnels(1);
        metrics.sshTunnels(1);
        metrics.sshTunnels(-1);
        String text = metrics.render();
        assertEquals(1, value(text, "codermon_proxy_open_ssh_tunnels"), text);
        assertEquals(2, value(text, "codermon_proxy_ssh_tunnels_total"), text);
    }
}
