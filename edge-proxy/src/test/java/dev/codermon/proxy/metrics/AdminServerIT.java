package dev.codermon.proxy.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codermon.proxy.testing.RawClient;
import dev.codermon.proxy.testing.RawClient.Response;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A real admin server on a loopback port, asked by the JDK's HTTP client (which names the host it
 * connects to, as curl and Prometheus do) and by raw requests carrying the {@code Host} a DNS-rebinding
 * page would send: only loopback names and the configured hosts are answered.
 */
class AdminServerIT {

    private static AdminServer server;
    private static final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void start() throws IOException {
        server = AdminServer.start(0, List.of("metrics.example.org", "tools.example.org:8443"), new ProxyMetrics(),
                () -> true);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.1", "localhost"})
    void a_real_client_on_the_loopback_reads_health_and_metrics(String name) throws Exception {
        HttpResponse<String> health = client.send(HttpRequest.newBuilder(
                URI.create("http://" + name + ":" + server.port() + "/healthz")).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, health.statusCode(), health.body());
        assertEquals("ok\n", health.body());
        HttpResponse<String> metrics = client.send(HttpRequest.newBuilder(
                URI.create("http://" + name + ":" + server.port() + "/metrics")).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, metrics.statusCode());
        assertTrue(metrics.body().contains("# TYPE codermon_proxy_open_connections gauge"), metrics.body());
    }

    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.1", "localhost", "LOCALHOST", "[::1]", "localhost:PORT", "127.0.0.1:PORT",
        "[::1]:PORT", "metrics.example.org", "metrics.example.org:9999", "tools.example.org:8443"})
    void loopback_names_and_configured_hosts_are_answered(String host) throws IOException {
        Response response = get("/healthz", "Host: " + host.replace("PORT", String.valueOf(server.port())) + "\r\n");
        assertEquals(200, response.status(), response.text());
        assertEquals("ok", response.text());
    }

    @ParameterizedTest
    @ValueSource(strings = {"evil.example", "evil.example:PORT", "127.0.0.1.nip.io:PORT", "localhost:1",
        "127.0.0.1:5001", "tools.example.org", "tools.example.org:PORT", "metrics.example.org.evil.example",
        "[localhost]:PORT", "localhost@evil.example", "", "127.0.0.1:PORT:PORT"})
    void any_other_host_gets_421_and_no_metrics(String host) throws IOException {
        for (String path : new String[] {"/metrics", "/healthz"}) {
            Response response = get(path, "Host: " + host.replace("PORT", String.valueOf(server.port())) + "\r\n");
            assertEquals(421, response.status(), host + " " + path + ": " + response.text());
            assertTrue(response.text().startsWith("the proxy's admin port does not answer to this Host header"),
                    response.text());
            assertTrue(response.text().contains("CODERMON_PROXY_ADMIN_ALLOWED_HOSTS"), response.text());
            assertEquals("text/plain; charset=utf-8", response.header("content-type"));
            assertFalse(response.text().contains("codermon_proxy_"), response.text());
        }
    }

    @Test
    void a_request_without_host_or_with_two_is_refused() throws IOException {
        assertEquals(421, getHttp10("/metrics", "").status());
        assertEquals(421, get("/metrics", "Host: 127.0.0.1\r\nHost: evil.example\r\n").status());
    }

    private static Response get(String path, String hostLines) throws IOException {
        try (RawClient raw = new RawClient(server.port())) {
            return raw.send("GET " + path + " HTTP/1.1\r\n" + hostLines + "Connection: close\r\n\r\n").readResponse();
        }
    }

    private static Response getHttp10(String path, String hostLines) throws IOException {
        try (RawClient raw = new RawClient(server.port())) {
            return raw.send("GET " + path + " HTTP/1.0\r\n" + hostLines + "\r\n").readResponse();
        }
    }
}
