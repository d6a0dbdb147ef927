package dev.codermon.proxy;

import static dev.codermon.proxy.ProxyFixture.ALICE_HOST;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codermon.proxy.testing.BufferMemoryWatch;
import dev.codermon.proxy.testing.FaultyUpstream;
import dev.codermon.proxy.testing.IdleClients;
import dev.codermon.proxy.testing.RawClient;
import dev.codermon.proxy.testing.RawClient.Response;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Resource attacks over real sockets: slow readers, pipelining floods, half-closed connections and
 * ten thousand idle connections. The proxy's buffer memory stays bounded, other clients keep being
 * served, and every connection it opened is closed again.
 */
class LimitsIT {

    private static final long MIB = 1024 * 1024;
    private static final String SILENT_HOST = "silent.alice.codermon.internal";
    private static ProxyFixture fixture;
    private static FaultyUpstream faulty;
    private static String auth;

    @BeforeAll
    static void start() throws Exception {
        fixture = new ProxyFixture(ProxyLimits.defaults().withHeaderTimeout(Duration.ofSeconds(5))
                .withIdleTimeouts(Duration.ofSeconds(60), Duration.ofSeconds(60)), 0);
        faulty = new FaultyUpstream();
        fixture.addRoute("ws-silent", "alice", "silent", SILENT_HOST, faulty.socket());
        auth = RawClient.basic("alice", fixture.token("alice"));
    }

    @AfterAll
    static void stop() throws IOException {
        faulty.close();
        fixture.close();
    }

    @BeforeEach
    void clear() {
        fixture.upstream.clear();
        faulty.clear();
    }

    private static String get(String host, String path) {
        return "GET http://" + host + path + " HTTP/1.1\r\nHost: " + host + "\r\nProxy-Authorization: " + auth
                + "\r\n\r\n";
    }

    /** Asserts that a fresh client is answered within a second. */
    private static void assertOthersServed() throws IOException {
        long started = System.nanoTime();
        try (RawClient other = new RawClient(fixture.port())) {
            Response response = other.send(get(ALICE_HOST, "/other")).readResponse();
            assertEquals(200, response.status());
        }
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        assertTrue(millis < 1000, "another client waited " + millis + " ms");
    }

    @Test
    void a_client_that_stops_reading_holds_back_its_upstream_with_bounded_memory() throws Exception {
        long size = 256 * MIB;
        try (BufferMemoryWatch memory = new BufferMemoryWatch(); RawClient slow = new RawClient(fixture.port())) {
            slow.send(get(ALICE_HOST, "/source/" + size));
            Thread.sleep(3000);
            assertOthersServed();
            assertTrue(memory.peak() < 32 * MIB, "buffer memory grew by " + memory.peak() / MIB + " MiB");
            Response head = slow.readResponse(true);
            assertEquals(String.valueOf(size), head.header("content-length"));
            byte[] buffer = new byte[1 << 16];
            long read = 0;
            InputStream in = slow.in();
            for (int n; read < size && (n = in.read(buffer)) > 0; ) {
                read += n;
            }
            assertEquals(size, read);
        }
    }

    @Test
    void two_thousand_pipelined_requests_are_answered_in_order() throws IOException {
        int count = 2000;
        StringBuilder flood = new StringBuilder();
        for (int i = 0; i < count; i++) {
            flood.append(get(ALICE_HOST, "/p" + i));
        }
        try (RawClient client = new RawClient(fixture.port())) {
            client.send(flood.toString());
            for (int i = 0; i < count; i++) {
                Response response = client.readResponse();
                assertEquals(200, response.status());
                assertEquals("hello /p" + i, response.text());
            }
        }
        assertEquals(count, fixture.upstream.seen().size());
    }

    @Test
    void a_pipelining_flood_that_never_reads_is_throttled_and_others_are_served() throws Exception {
        AtomicLong written = new AtomicLong();
        byte[] request = get(ALICE_HOST, "/flood").getBytes(StandardCharsets.US_ASCII);
        try (BufferMemoryWatch memory = new BufferMemoryWatch(); RawClient flooder = new RawClient(fixture.port())) {
            Thread writer = new Thread(() -> {
                long end = System.nanoTime() + Duration.ofSeconds(5).toNanos();
                try {
                    // At most 200,000 requests or 5 s; a write blocks once the proxy stops reading.
                    for (int i = 0; i < 200_000 && System.nanoTime() < end; i++) {
                        flooder.out().write(request);
                        written.incrementAndGet();
                    }
                } catch (IOException closed) {
                    // the test closed the socket
                }
            }, "flooder");
            writer.setDaemon(true);
            writer.start();
            Thread.sleep(3000);
            assertOthersServed();
            assertTrue(memory.peak() < 64 * MIB, "buffer memory grew by " + memory.peak() / MIB + " MiB after "
                    + written.get() + " requests");
            assertTrue(written.get() < 200_000, "the proxy never pushed back: " + written.get() + " requests");
            flooder.close();
            writer.join(10_000);
        }
        awaitOpenConnections(0);
    }

    @Test
    void a_client_half_closing_after_its_request_is_treated_as_gone_and_its_upstream_closed() throws Exception {
        try (RawClient client = new RawClient(fixture.port())) {
            client.send(get(SILENT_HOST, "/silent"));
            awaitUntil(() -> faulty.seen().size() == 1, "the upstream never got the request");
            client.shutdownOutput();
            assertTrue(client.closedByPeer(), "the proxy kept a half-closed connection");
        }
        awaitUntil(() -> faulty.openConnections() == 0, "the upstream connection stayed open");
    }

    @Test
    void a_client_half_closing_mid_head_is_closed_and_nothing_is_forwarded() throws Exception {
        try (RawClient client = new RawClient(fixture.port())) {
            client.send("GET http://" + ALICE_HOST + "/half HTTP/1.1\r\nHost: " + ALICE_HOST + "\r\n");
            client.shutdownOutput();
            assertTrue(client.closedByPeer());
        }
        assertTrue(fixture.upstream.seen().isEmpty());
        awaitOpenConnections(0);
    }

    @Test
    void ten_thousand_idle_connections_are_held_and_others_still_served() throws Exception {
        int count = 10_000;
        long baseline = BufferMemoryWatch.used();
        Process clients = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-cp", System.getProperty("java.class.path"), IdleClients.class.getName(),
                String.valueOf(fixture.port()), String.valueOf(count))
                .redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(clients.getInputStream(),
                    StandardCharsets.UTF_8));
            assertEquals("open " + count, out.readLine());
            awaitOpenConnections(count);
            assertOthersServed();
            long grown = BufferMemoryWatch.used() - baseline;
            assertTrue(grown < 32 * MIB, "buffer memory grew by " + grown / MIB + " MiB for idle connections");
            clients.getOutputStream().write('\n');
            clients.getOutputStream().flush();
            assertEquals("closed", out.readLine());
            assertTrue(clients.waitFor(30, TimeUnit.SECONDS));
        } finally {
            clients.destroyForcibly();
        }
        awaitOpenConnections(0);
        assertOthersServed();
    }

    private static long openConnections() throws Exception {
        HttpResponse<String> metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + fixture.proxy.adminPort() + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
        return metrics.body().lines().filter(l -> l.startsWith("codermon_proxy_open_connections "))
                .mapToLong(l -> (long) Double.parseDouble(l.substring(l.indexOf(' ') + 1))).findFirst().orElse(-1);
    }

    private static void awaitOpenConnections(long expected) throws Exception {
        long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        long open = openConnections();
        while (open != expected && System.nanoTime() < end) {
            Thread.sleep(100);
            open = openConnections();
        }
        assertEquals(expected, open, "open client connections");
    }

    private static void awaitUntil(java.util.function.BooleanSupplier condition, String message)
            throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (!condition.getAsBoolean() && System.nanoTime() < end) {
            Thread.sleep(50);
        }
        assertTrue(condition.getAsBoolean(), message);
    }
}
