package dev.codermon.proxy;

import static dev.codermon.proxy.ProxyFixture.ALICE_HOST;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.codermon.proxy.metrics.AccessLog;
import dev.codermon.proxy.testing.RawClient;
import dev.codermon.proxy.testing.RawClient.Response;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.HttpURLConnection;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** Metrics, access log, connection cap and graceful drain of a real proxy. */
class OperationsIT {

    private static String get(ProxyFixture fixture, String path) {
        return "GET http://" + ALICE_HOST + path + " HTTP/1.1\r\nHost: " + ALICE_HOST + "\r\nProxy-Authorization: "
                + RawClient.basic("alice", fixture.token("alice")) + "\r\n\r\n";
    }

    private static String admin(int port, String path) throws IOException {
        HttpURLConnection connection = (HttpURLConnection) URI.create("http://127.0.0.1:" + port + path).toURL()
                .openConnection(java.net.Proxy.NO_PROXY);
        try (InputStream in = connection.getResponseCode() < 400 ? connection.getInputStream()
                : connection.getErrorStream()) {
            return connection.getResponseCode() + " " + new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } finally {
            connection.disconnect();
        }
    }

    private static long metric(String text, String line) {
        for (String l : text.split("\n")) {
            if (l.startsWith(line + " ")) {
                // The Prometheus client writes every value as a double ("1.0").
                return (long) Double.parseDouble(l.substring(line.length() + 1).strip());
            }
        }
        return -1;
    }

    @Test
    void metrics_count_responses_refusals_and_bytes() throws Exception {
        try (ProxyFixture fixture = new ProxyFixture(ProxyLimits.defaults(), 0)) {
            int port = fixture.proxy.adminPort();
            assertEquals("200 ok\n", admin(port, "/healthz"));
            String before = admin(port, "/metrics");
            assertEquals(-1, metric(before, "codermon_proxy_responses_total{class=\"2xx\",code=\"200\"}"));
            try (RawClient client = new RawClient(fixture.port())) {
                assertEquals(200, client.send(get(fixture, "/counted")).readResponse().status());
                assertEquals(407, client.send("GET http://" + ALICE_HOST + "/x HTTP/1.1\r\nHost: " + ALICE_HOST
                        + "\r\nProxy-Authorization: Bearer nope\r\n\r\n").readResponse().status());
            }
            String after = admin(port, "/metrics");
            assertTrue(after.startsWith("200 "), after);
            assertEquals(1, metric(after, "codermon_proxy_responses_total{class=\"2xx\",code=\"200\"}"), after);
            assertEquals(1, metric(after, "codermon_proxy_responses_total{class=\"4xx\",code=\"407\"}"), after);
            assertTrue(after.contains("codermon_proxy_refusals_total{code=\"407\",reason=\""), after);
            assertTrue(metric(after, "codermon_proxy_sent_bytes_total") >= "hello /counted".length(), after);
            assertEquals(1, metric(after, "codermon_proxy_upstream_latency_seconds_count"), after);
            assertTrue(after.contains("# TYPE codermon_proxy_open_connections gauge"), after);
        }
    }

    @Test
    void access_log_names_user_status_and_path_but_never_the_token_or_query() throws Exception {
        Logger logger = (Logger) LoggerFactory.getLogger(AccessLog.LOGGER);
        ListAppender<ILoggingEvent> lines = new ListAppender<>();
        lines.start();
        logger.addAppender(lines);
        try (ProxyFixture fixture = new ProxyFixture(ProxyLimits.defaults(), -1)) {
            String token = fixture.token("alice");
            try (RawClient client = new RawClient(fixture.port())) {
                Response response = client.send("GET http://" + ALICE_HOST + "/logged/path?secret=s3cr3t HTTP/1.1\r\n"
                        + "Host: " + ALICE_HOST + "\r\nCookie: session=c00kie\r\nProxy-Authorization: "
                        + RawClient.basic("alice", token) + "\r\n\r\n").readResponse();
                assertEquals(200, response.status());
                // A second request right after: batched with the first, still a line of its own.
                assertEquals(200, client.send("GET http://" + ALICE_HOST + "/second HTTP/1.1\r\nHost: " + ALICE_HOST
                        + "\r\nProxy-Authorization: " + RawClient.basic("alice", token) + "\r\n\r\n")
                        .readResponse().status());
            }
            List<String> logged = waitForLines(lines, 2);
            assertEquals(2, logged.size(), logged.toString());
            assertTrue(logged.get(1).startsWith("ts=") && logged.get(1).contains(" path=/second "), logged.get(1));
            String line = logged.get(0);
            assertTrue(line.contains(" user=alice "), line);
            assertTrue(line.contains(" workspace=ws-alice "), line);
            assertTrue(line.contains(" method=GET "), line);
            assertTrue(line.contains(" host=" + ALICE_HOST + " "), line);
            assertTrue(line.contains(" path=/logged/path "), line);
            assertTrue(line.contains(" status=200 "), line);
            for (String secret : new String[] {token, "s3cr3t", "c00kie", "secret="}) {
                assertFalse(line.contains(secret), line);
            }
        } finally {
            logger.detachAppender(lines);
        }
    }

    @Test
    void a_closed_port_refusal_is_logged_with_its_user_and_workspace() throws Exception {
        Logger logger = (Logger) LoggerFactory.getLogger(AccessLog.LOGGER);
        ListAppender<ILoggingEvent> lines = new ListAppender<>();
        lines.start();
        logger.addAppender(lines);
        try (ProxyFixture fixture = new ProxyFixture(ProxyLimits.defaults(), -1)) {
            try (RawClient client = new RawClient(fixture.port())) {
                assertEquals(403, client.send(get(fixture, "/proxy/22/")).readResponse().status());
            }
            List<String> logged = waitForLines(lines, 1);
            String line = logged.get(0);
            assertTrue(line.contains(" user=alice ") && line.contains(" workspace=ws-alice "), line);
            assertTrue(line.contains(" status=403 ") && line.contains("path proxy is closed"), line);
            assertTrue(fixture.upstream.seen().isEmpty(), "the refused request never reached the workspace");
        } finally {
            logger.detachAppender(lines);
        }
    }

    @Test
    void refusals_and_tunnels_of_an_authenticated_user_are_logged_with_the_user() throws Exception {
        Logger logger = (Logger) LoggerFactory.getLogger(AccessLog.LOGGER);
        ListAppender<ILoggingEvent> lines = new ListAppender<>();
        lines.start();
        logger.addAppender(lines);
        try (ProxyFixture fixture = new ProxyFixture(ProxyLimits.defaults(), -1)) {
            String auth = RawClient.basic("alice", fixture.token("alice"));
            try (RawClient client = new RawClient(fixture.port())) {
                assertEquals(403, client.send("GET http://example.com/ HTTP/1.1\r\nHost: example.com\r\n"
                        + "Proxy-Authorization: " + auth + "\r\n\r\n").readResponse().status());
            }
            try (RawClient client = new RawClient(fixture.port())) {
                assertEquals(200, client.send("CONNECT " + ALICE_HOST + ":80 HTTP/1.1\r\nHost: " + ALICE_HOST
                        + ":80\r\nProxy-Authorization: " + auth + "\r\n\r\n").readResponse(true).status());
            }
            List<String> logged = waitForLines(lines, 2);
            String refused = logged.stream().filter(l -> l.contains(" host=example.com ")).findFirst().orElseThrow();
            assertTrue(refused.contains(" user=alice ") && refused.contains(" status=403 "), refused);
            String tunnel = logged.stream().filter(l -> l.contains(" method=CONNECT ")).findFirst().orElseThrow();
            assertTrue(tunnel.contains(" user=alice ") && tunnel.contains(" status=200 "), tunnel);
        } finally {
            logger.detachAppender(lines);
        }
    }

    /** Waits for the access log's lines; one logging event carries a batch of lines, one per request. */
    private static List<String> waitForLines(ListAppender<ILoggingEvent> lines, int count) throws InterruptedException {
        List<String> logged = List.of();
        for (int i = 0; i < 100 && logged.size() < count; i++) {
            Thread.sleep(20);
            logged = List.copyOf(lines.list).stream()
                    .flatMap(event -> event.getFormattedMessage().lines()).toList();
        }
        return logged;
    }

    @Test
    void connections_over_the_cap_get_503() throws Exception {
        try (ProxyFixture fixture = new ProxyFixture(ProxyLimits.defaults().withMaxConnections(2), -1);
                RawClient first = new RawClient(fixture.port());
                RawClient second = new RawClient(fixture.port())) {
            assertEquals(200, first.send(get(fixture, "/1")).readResponse().status());
            assertEquals(200, second.send(get(fixture, "/2")).readResponse().status());
            try (RawClient third = new RawClient(fixture.port())) {
                Response response = third.readResponse();
                assertEquals(503, response.status());
                assertEquals("proxy is at its connection limit", response.text());
                assertTrue(third.closedByPeer());
            }
            first.close();
            // Once one closes, a new connection is served again (the count is released on close).
            Response again = null;
            for (int i = 0; i < 50 && (again == null || again.status() != 200); i++) {
                try (RawClient next = new RawClient(fixture.port())) {
                    again = next.send(get(fixture, "/3")).readResponse();
                }
                Thread.sleep(20);
            }
            assertEquals(200, again.status());
        }
    }

    @Test
    void drain_lets_an_in_flight_request_finish_and_refuses_new_connections() throws Exception {
        try (ProxyFixture fixture = new ProxyFixture(ProxyLimits.defaults().withDrainTimeout(Duration.ofSeconds(5)), 0);
                RawClient client = new RawClient(fixture.port())) {
            int port = fixture.port();
            client.send(get(fixture, "/slow-drain"));
            for (int i = 0; i < 250 && fixture.upstream.seen().isEmpty(); i++) {
                Thread.sleep(20);
            }
            assertEquals(1, fixture.upstream.seen().size(), "request did not reach the upstream");
            CompletableFuture<Void> draining = CompletableFuture.runAsync(fixture.proxy::drainAndClose);
            boolean refused = false;
            for (int i = 0; i < 100 && !refused; i++) {
                try (Socket probe = new Socket("127.0.0.1", port)) {
                    Thread.sleep(10);
                } catch (SocketException e) {
                    // Refused (ConnectException), or reset: a connection still in the backlog when the listener closed.
                    refused = true;
                }
            }
            assertTrue(refused, "new connections are still accepted while draining");
            Response response = client.readResponse();
            assertEquals(200, response.status());
            assertEquals("hello /slow-drain", response.text());
            assertEquals("close", response.header("connection"));
            draining.get(10, TimeUnit.SECONDS);
            assertThrows(ConnectException.class, () -> new Socket("127.0.0.1", port).close());
        }
    }
}
